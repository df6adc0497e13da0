//! SQL of what the dialer will call: the spool (the dialer's lists), schedules, tasks, and the
//! uploads that fill the spool with their job reports.

use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

/// A spool entry; the vendor's callspool keys first, then the mock's bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpoolRow {
    pub id: i64,
    pub campaign: String,
    pub destination: String,
    pub dialerbase: Option<String>,
    pub status: i64,
    pub data: String,
    pub alternatives: String,
    pub contact: i64,
    pub retries: i64,
    pub priority: i64,
    pub agentphone: String,
    pub timezone: Option<String>,
    pub source: String,
    #[serde(rename = "upload")]
    pub upload_id: Option<i64>,
    pub state: String,
    pub created_at: String,
    pub updated_at: String,
    /// When the dialer may try the entry again.
    pub not_before: Option<String>,
    /// How the dialer's last attempt ended (`ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED`, `ABANDONED`, `BLACKLISTED`).
    pub last_result: Option<String>,
}

impl SpoolRow {
    /// A new, enabled, pending entry of `campaign` for `destination`, made at `now` by `source`;
    /// everything else empty (retries 0, `priority` as given).
    pub fn new(campaign: &str, destination: &str, priority: i64, source: &str, now: &str) -> Self {
        Self {
            id: 0,
            campaign: campaign.to_string(),
            destination: destination.to_string(),
            dialerbase: None,
            status: 1,
            data: String::new(),
            alternatives: String::new(),
            contact: 0,
            retries: 0,
            priority,
            agentphone: String::new(),
            timezone: None,
            source: source.to_string(),
            upload_id: None,
            state: "pending".into(),
            created_at: now.to_string(),
            updated_at: now.to_string(),
            not_before: None,
            last_result: None,
        }
    }
}

pub async fn insert_spool(conn: &mut SqliteConnection, s: &SpoolRow) -> Result<i64, StoreError> {
    insert_spool_many(conn, std::slice::from_ref(s)).await?;
    sqlx::query_scalar("SELECT last_insert_rowid()").fetch_one(&mut *conn).await
}

/// Inserts many entries with a few multi-row statements (an upload's batch).
pub async fn insert_spool_many(conn: &mut SqliteConnection, rows: &[SpoolRow]) -> Result<(), StoreError> {
    super::insert_many(
        conn,
        "INSERT INTO spool (campaign, destination, alternatives, data, status, retries, priority, contact, dialerbase, \
         agentphone, timezone, source, upload_id, state, created_at, updated_at)",
        rows,
        |v, s| {
            v.push_bind(&s.campaign)
                .push_bind(&s.destination)
                .push_bind(&s.alternatives)
                .push_bind(&s.data)
                .push_bind(s.status)
                .push_bind(s.retries)
                .push_bind(s.priority)
                .push_bind(s.contact)
                .push_bind(&s.dialerbase)
                .push_bind(&s.agentphone)
                .push_bind(&s.timezone)
                .push_bind(&s.source)
                .push_bind(s.upload_id)
                .push_bind(&s.state)
                .push_bind(&s.created_at)
                .push_bind(&s.updated_at);
        },
    )
    .await
}

/// Rewrites the fields a respool may change (the rest stay as they were).
pub async fn update_spool(conn: &mut SqliteConnection, s: &SpoolRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE spool SET destination = ?, alternatives = ?, data = ?, retries = ?, priority = ?, agentphone = ?,
           state = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&s.destination)
    .bind(&s.alternatives)
    .bind(&s.data)
    .bind(s.retries)
    .bind(s.priority)
    .bind(&s.agentphone)
    .bind(&s.state)
    .bind(&s.updated_at)
    .bind(s.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn spool_by_contact(
    conn: &mut SqliteConnection,
    campaign: &str,
    contact: i64,
) -> Result<Option<SpoolRow>, StoreError> {
    sqlx::query_as("SELECT * FROM spool WHERE campaign = ? AND contact = ? ORDER BY id DESC LIMIT 1")
        .bind(campaign)
        .bind(contact)
        .fetch_optional(&mut *conn)
        .await
}

/// The newest entry of `campaign` whose main number is `destination`.
pub async fn spool_by_destination(
    conn: &mut SqliteConnection,
    campaign: &str,
    destination: &str,
) -> Result<Option<SpoolRow>, StoreError> {
    sqlx::query_as("SELECT * FROM spool WHERE campaign = ? AND destination = ? ORDER BY id DESC LIMIT 1")
        .bind(campaign)
        .bind(destination)
        .fetch_optional(&mut *conn)
        .await
}

/// The next free contact id.
pub async fn next_contact(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    let max: Option<i64> = sqlx::query_scalar("SELECT max(contact) FROM spool").fetch_one(&mut *conn).await?;
    Ok(max.unwrap_or(0).saturating_add(1))
}

pub async fn delete_spool_number(conn: &mut SqliteConnection, campaign: &str, number: &str) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM spool WHERE campaign = ? AND destination = ?")
        .bind(campaign)
        .bind(number)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn all_spool(pool: &SqlitePool) -> Result<Vec<SpoolRow>, StoreError> {
    sqlx::query_as("SELECT * FROM spool ORDER BY id").fetch_all(pool).await
}

// Schedules ----------------------------------------------------------------------------------------

/// A scheduled call; the vendor's callschedule keys first.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScheduleRow {
    pub id: i64,
    pub calldate: String,
    pub campaign: String,
    pub destination: String,
    pub alternatives: String,
    pub agentphone: String,
    pub data: String,
    pub origin: String,
    pub state: String,
    pub created_at: String,
    pub last_result: Option<String>,
}

pub async fn insert_schedule(conn: &mut SqliteConnection, s: &ScheduleRow) -> Result<i64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO schedules (calldate, campaign, destination, alternatives, agentphone, data, origin, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&s.calldate)
    .bind(&s.campaign)
    .bind(&s.destination)
    .bind(&s.alternatives)
    .bind(&s.agentphone)
    .bind(&s.data)
    .bind(&s.origin)
    .bind(&s.state)
    .bind(&s.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.last_insert_rowid())
}

/// Removes the schedules (and dated tasks) of `destination` in `campaign` between two dates, inclusive.
pub async fn delete_schedules(
    conn: &mut SqliteConnection,
    campaign: &str,
    destination: &str,
    from: &str,
    to: &str,
) -> Result<u64, StoreError> {
    let schedules =
        sqlx::query("DELETE FROM schedules WHERE campaign = ? AND destination = ? AND calldate BETWEEN ? AND ?")
            .bind(campaign)
            .bind(destination)
            .bind(from)
            .bind(to)
            .execute(&mut *conn)
            .await?;
    let tasks = sqlx::query(
        "DELETE FROM tasks WHERE campaign = ? AND destination = ? AND calldate IS NOT NULL AND calldate BETWEEN ? AND ?",
    )
    .bind(campaign)
    .bind(destination)
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    Ok(schedules.rows_affected() + tasks.rows_affected())
}

pub async fn all_schedules(pool: &SqlitePool) -> Result<Vec<ScheduleRow>, StoreError> {
    sqlx::query_as("SELECT * FROM schedules ORDER BY calldate, id").fetch_all(pool).await
}

// Tasks --------------------------------------------------------------------------------------------

/// A dialer task; the vendor's `call` keys first, then how the mock filed it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub calldate: Option<String>,
    pub campaign: String,
    pub destination: String,
    pub alternatives: String,
    pub agent: String,
    pub data: String,
    pub source: String,
    pub bulk: bool,
    pub automatic: bool,
    pub mode: String,
    pub agentphone: String,
    pub priority: i64,
    pub state: String,
    pub created_at: String,
    pub last_result: Option<String>,
}

pub async fn insert_task(conn: &mut SqliteConnection, t: &TaskRow) -> Result<i64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO tasks (mode, calldate, campaign, destination, alternatives, agent, agentphone, data, source, bulk,
           automatic, priority, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.mode)
    .bind(&t.calldate)
    .bind(&t.campaign)
    .bind(&t.destination)
    .bind(&t.alternatives)
    .bind(&t.agent)
    .bind(&t.agentphone)
    .bind(&t.data)
    .bind(&t.source)
    .bind(t.bulk)
    .bind(t.automatic)
    .bind(t.priority)
    .bind(&t.state)
    .bind(&t.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.last_insert_rowid())
}

pub async fn all_tasks(pool: &SqlitePool) -> Result<Vec<TaskRow>, StoreError> {
    sqlx::query_as("SELECT * FROM tasks ORDER BY id").fetch_all(pool).await
}

// Uploads ------------------------------------------------------------------------------------------

/// An upload with its job report.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct UploadRow {
    pub id: i64,
    pub filename: String,
    pub campaign: String,
    pub username: String,
    pub timezone: Option<String>,
    pub cant: Option<String>,
    pub status: String,
    #[serde(rename = "read")]
    pub records_read: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub note: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    #[sqlx(skip)]
    pub rejections: Vec<Rejection>,
}

/// A record the upload could not take, by its line number in the file.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Rejection {
    pub line: i64,
    pub reason: String,
}

pub async fn insert_upload(conn: &mut SqliteConnection, u: &UploadRow) -> Result<i64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO uploads (filename, campaign, username, timezone, cant, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&u.filename)
    .bind(&u.campaign)
    .bind(&u.username)
    .bind(&u.timezone)
    .bind(&u.cant)
    .bind(&u.status)
    .bind(&u.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.last_insert_rowid())
}

/// Adds a batch's counts to an upload's report, and the rejections it lists (`rejected` counts
/// them all).
pub async fn add_progress(
    conn: &mut SqliteConnection,
    id: i64,
    read: i64,
    accepted: i64,
    rejected: i64,
    rejections: &[Rejection],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE uploads SET status = 'parsing', records_read = records_read + ?, accepted = accepted + ?,
           rejected = rejected + ? WHERE id = ?",
    )
    .bind(read)
    .bind(accepted)
    .bind(rejected)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for r in rejections {
        sqlx::query("INSERT INTO upload_rejections (upload_id, line, reason) VALUES (?, ?, ?)")
            .bind(id)
            .bind(r.line)
            .bind(&r.reason)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn finish_upload(
    pool: &SqlitePool,
    id: i64,
    status: &str,
    note: Option<&str>,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE uploads SET status = ?, note = ?, finished_at = ? WHERE id = ?")
        .bind(status)
        .bind(note)
        .bind(at)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Uploads a crash interrupted never finish: say so.
pub async fn interrupt_unfinished(pool: &SqlitePool, at: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE uploads SET status = 'failed', note = 'interrupted by a restart of the mock', finished_at = ?
         WHERE status IN ('queued', 'parsing')",
    )
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn all_uploads(pool: &SqlitePool) -> Result<Vec<UploadRow>, StoreError> {
    let mut uploads: Vec<UploadRow> = sqlx::query_as("SELECT * FROM uploads ORDER BY id").fetch_all(pool).await?;
    for u in &mut uploads {
        u.rejections = sqlx::query_as("SELECT line, reason FROM upload_rejections WHERE upload_id = ? ORDER BY line")
            .bind(u.id)
            .fetch_all(pool)
            .await?;
    }
    Ok(uploads)
}

// The dialer's reads and write-backs ------------------------------------------------------------------

/// Pending schedules of `campaign` due by `now`, oldest first.
pub async fn due_schedules(
    pool: &SqlitePool,
    campaign: &str,
    now: &str,
    limit: i64,
) -> Result<Vec<ScheduleRow>, StoreError> {
    sqlx::query_as("SELECT * FROM schedules WHERE campaign = ? AND state = 'pending' AND calldate <= ? ORDER BY calldate, id LIMIT ?")
        .bind(campaign)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Pending tasks of `campaign` due by `now`: dated ones first (by date), then undated by priority.
pub async fn due_tasks(pool: &SqlitePool, campaign: &str, now: &str, limit: i64) -> Result<Vec<TaskRow>, StoreError> {
    sqlx::query_as(
        "SELECT * FROM tasks WHERE campaign = ? AND state = 'pending' AND (calldate IS NULL OR calldate <= ?)
         ORDER BY calldate IS NULL, calldate, priority, id LIMIT ?",
    )
    .bind(campaign)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Enabled, pending spool entries of `campaign` that may be tried at `now`, by priority.
pub async fn due_spool(pool: &SqlitePool, campaign: &str, now: &str, limit: i64) -> Result<Vec<SpoolRow>, StoreError> {
    sqlx::query_as(
        "SELECT * FROM spool WHERE campaign = ? AND state = 'pending' AND status <> 0 AND (not_before IS NULL OR not_before <= ?)
         ORDER BY priority, id LIMIT ?",
    )
    .bind(campaign)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The earliest moment after `now` at which pending work of `campaign` becomes due.
pub async fn next_due(pool: &SqlitePool, campaign: &str, now: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT min(t) FROM (
           SELECT min(calldate) AS t FROM schedules WHERE campaign = ?1 AND state = 'pending' AND calldate > ?2
           UNION ALL SELECT min(calldate) FROM tasks WHERE campaign = ?1 AND state = 'pending' AND calldate > ?2
           UNION ALL SELECT min(not_before) FROM spool WHERE campaign = ?1 AND state = 'pending' AND status <> 0 AND not_before > ?2)",
    )
    .bind(campaign)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Is `phone` blacklisted for `campaign` or for every campaign (`*`)?
pub async fn is_blacklisted(conn: &mut SqliteConnection, campaign: &str, phone: &str) -> Result<bool, StoreError> {
    let hit: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM blacklist WHERE phone = ? AND campaign IN (?, '*') LIMIT 1")
            .bind(phone)
            .bind(campaign)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(hit.is_some())
}

/// The dialer's mark on a schedule or task: its state and the outcome of its attempt.
pub async fn mark(
    conn: &mut SqliteConnection,
    table: Table,
    id: i64,
    state: &str,
    result: Option<&str>,
) -> Result<(), StoreError> {
    let sql = match table {
        Table::Schedules => "UPDATE schedules SET state = ?, last_result = coalesce(?, last_result) WHERE id = ?",
        Table::Tasks => "UPDATE tasks SET state = ?, last_result = coalesce(?, last_result) WHERE id = ?",
        Table::Spool => "UPDATE spool SET state = ?, last_result = coalesce(?, last_result) WHERE id = ?",
    };
    sqlx::query(sql).bind(state).bind(result).bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// The tables the dialer takes work from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Spool,
    Schedules,
    Tasks,
}

/// Rewrites a spool entry after an attempt: number, alternatives, retries, state, when to retry.
pub async fn after_attempt(conn: &mut SqliteConnection, s: &SpoolRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE spool SET destination = ?, alternatives = ?, retries = ?, state = ?, not_before = ?, last_result = ?,
           updated_at = ? WHERE id = ?",
    )
    .bind(&s.destination)
    .bind(&s.alternatives)
    .bind(s.retries)
    .bind(&s.state)
    .bind(&s.not_before)
    .bind(&s.last_result)
    .bind(&s.updated_at)
    .bind(s.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn spool_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<SpoolRow>, StoreError> {
    sqlx::query_as("SELECT * FROM spool WHERE id = ?").bind(id).fetch_optional(&mut *conn).await
}

/// Work a crash left half-dialled goes back to the list.
pub async fn release_dialing(pool: &SqlitePool) -> Result<(), StoreError> {
    // One round trip: the three statements run as one script.
    sqlx::query(
        "UPDATE spool SET state = 'pending' WHERE state = 'dialing';
         UPDATE schedules SET state = 'pending' WHERE state = 'dialing';
         UPDATE tasks SET state = 'pending' WHERE state = 'dialing'",
    )
    .execute(pool)
    .await?;
    Ok(())
}
