//! SQL of the spool: the dialer's lists of numbers, filled by Respool, DialerTask's list mode,
//! uploads and the demo lists, read by the dialer and written back after each attempt.

use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;
use crate::model::lists::{ENABLED, EntryState};

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
            status: ENABLED,
            data: String::new(),
            alternatives: String::new(),
            contact: 0,
            retries: 0,
            priority,
            agentphone: String::new(),
            timezone: None,
            source: source.to_string(),
            upload_id: None,
            state: EntryState::Pending.into(),
            created_at: now.to_string(),
            updated_at: now.to_string(),
            not_before: None,
            last_result: None,
        }
    }
}

/// The columns an entry is inserted with, in the order [`insert_spool_many`] binds them.
const COLUMNS: &str = "INSERT INTO spool (campaign, destination, alternatives, data, status, retries, priority, contact, \
                       dialerbase, agentphone, timezone, source, upload_id, state, created_at, updated_at)";

/// One entry (a request's new entry); answers its id.
pub async fn insert_spool(conn: &mut SqliteConnection, s: &SpoolRow) -> Result<i64, StoreError> {
    insert_spool_many(conn, std::slice::from_ref(s)).await?;
    sqlx::query_scalar("SELECT last_insert_rowid()").fetch_one(&mut *conn).await
}

/// Inserts many entries (an upload's batch, a new world's demo lists) through SQLite's own
/// prepared statement (see [`super::bulk`]).
pub async fn insert_spool_many(conn: &mut SqliteConnection, rows: &[SpoolRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    super::bulk::with_sqlite(conn, |db| insert_spool_in(db, rows)).await
}

/// [`insert_spool_many`] on SQLite's own connection, in its transaction.
pub fn insert_spool_in(db: &rusqlite::Connection, rows: &[SpoolRow]) -> rusqlite::Result<()> {
    let insert = format!("{COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    super::bulk::insert_rows(db, &insert, rows, |statement, s| {
        statement.execute(rusqlite::params![
            s.campaign,
            s.destination,
            s.alternatives,
            s.data,
            s.status,
            s.retries,
            s.priority,
            s.contact,
            s.dialerbase,
            s.agentphone,
            s.timezone,
            s.source,
            s.upload_id,
            s.state,
            s.created_at,
            s.updated_at,
        ])
    })
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

/// The retries and priority of spool entry `id`.
pub async fn retries_and_priority(pool: &SqlitePool, id: i64) -> Result<Option<(i64, i64)>, StoreError> {
    sqlx::query_as("SELECT retries, priority FROM spool WHERE id = ?").bind(id).fetch_optional(pool).await
}
