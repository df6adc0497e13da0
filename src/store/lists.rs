//! What the dialer does across its three lists (schedules, tasks, spool): which entries are due,
//! when work is next due, whether a number is blacklisted, its mark on an entry, and releasing what
//! a crash left half-dialled. Which states count, which status is never dialled and which campaign
//! stands for all are the world's rules (`model::lists`): they come here as plain parameters.

use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;
use super::schedules::ScheduleRow;
use super::spool::SpoolRow;
use super::tasks::TaskRow;

/// The entries of one campaign the world counts as waiting: in `state`, and in the spool only those
/// whose status is not `never` (the dialer's rules, `model::lists`).
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'a> {
    pub campaign: &'a str,
    pub state: &'a str,
    pub never: i64,
}

// Each list's waiting entries, written once for its due query and for `next_due`: `?1` the
// campaign, `?2` the state, `?3` the spool's never-dialled status; the rest of a query numbers on.
macro_rules! waiting_schedules {
    () => {
        "FROM schedules WHERE campaign = ?1 AND state = ?2"
    };
}
macro_rules! waiting_tasks {
    () => {
        "FROM tasks WHERE campaign = ?1 AND state = ?2"
    };
}
macro_rules! waiting_spool {
    () => {
        "FROM spool WHERE campaign = ?1 AND state = ?2 AND status <> ?3"
    };
}

/// Waiting schedules due by `now`, oldest first.
pub async fn due_schedules(
    pool: &SqlitePool,
    w: Waiting<'_>,
    now: &str,
    limit: i64,
) -> Result<Vec<ScheduleRow>, StoreError> {
    let sql = concat!("SELECT * ", waiting_schedules!(), " AND calldate <= ?3 ORDER BY calldate, id LIMIT ?4");
    dated_due(pool, sql, w, now, limit).await
}

/// Waiting tasks with a date, due by `now`: by date, then priority.
pub async fn dated_tasks_due(
    pool: &SqlitePool,
    w: Waiting<'_>,
    now: &str,
    limit: i64,
) -> Result<Vec<TaskRow>, StoreError> {
    let sql = concat!(
        "SELECT * ",
        waiting_tasks!(),
        " AND calldate IS NOT NULL AND calldate <= ?3 ORDER BY calldate, priority, id LIMIT ?4"
    );
    dated_due(pool, sql, w, now, limit).await
}

/// The rows of a dated list's due query: `?1` campaign, `?2` state, `?3` now, `?4` limit.
async fn dated_due<T>(
    pool: &SqlitePool,
    sql: &'static str,
    w: Waiting<'_>,
    now: &str,
    limit: i64,
) -> Result<Vec<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    sqlx::query_as(sql).bind(w.campaign).bind(w.state).bind(now).bind(limit).fetch_all(pool).await
}

/// Waiting tasks without a date (due at once), by priority.
pub async fn undated_tasks(pool: &SqlitePool, w: Waiting<'_>, limit: i64) -> Result<Vec<TaskRow>, StoreError> {
    sqlx::query_as(concat!("SELECT * ", waiting_tasks!(), " AND calldate IS NULL ORDER BY priority, id LIMIT ?3"))
        .bind(w.campaign)
        .bind(w.state)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Waiting spool entries that may be tried at `now`, by priority, of the `source` asked for.
pub async fn due_spool(
    pool: &SqlitePool,
    w: Waiting<'_>,
    now: &str,
    limit: i64,
    from: SourceFilter<'_>,
) -> Result<Vec<SpoolRow>, StoreError> {
    let (source, wanted) = match from {
        SourceFilter::Only(source) => (source, true),
        SourceFilter::Except(source) => (source, false),
    };
    sqlx::query_as(concat!(
        "SELECT * ",
        waiting_spool!(),
        " AND (not_before IS NULL OR not_before <= ?4) AND (source = ?5) = ?6 ORDER BY priority, id LIMIT ?7"
    ))
    .bind(w.campaign)
    .bind(w.state)
    .bind(w.never)
    .bind(now)
    .bind(source)
    .bind(wanted)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Which entries [`due_spool`] reads, by the `source` they were filed with.
#[derive(Debug, Clone, Copy)]
pub enum SourceFilter<'a> {
    Only(&'a str),
    Except(&'a str),
}

/// The earliest moment after `now` at which a waiting entry of any list becomes due.
pub async fn next_due(pool: &SqlitePool, w: Waiting<'_>, now: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(concat!(
        "SELECT min(t) FROM (SELECT min(calldate) AS t ",
        waiting_schedules!(),
        " AND calldate > ?4 UNION ALL SELECT min(calldate) ",
        waiting_tasks!(),
        " AND calldate > ?4 UNION ALL SELECT min(not_before) ",
        waiting_spool!(),
        " AND not_before > ?4)"
    ))
    .bind(w.campaign)
    .bind(w.state)
    .bind(w.never)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Is `phone` blacklisted for any of `campaigns` (the campaign, and the one that stands for all)?
pub async fn is_blacklisted(
    conn: &mut SqliteConnection,
    campaigns: [&str; 2],
    phone: &str,
) -> Result<bool, StoreError> {
    let hit: Option<i64> = sqlx::query_scalar("SELECT 1 FROM blacklist WHERE phone = ? AND campaign IN (?, ?) LIMIT 1")
        .bind(phone)
        .bind(campaigns[0])
        .bind(campaigns[1])
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hit.is_some())
}

/// The dialer's mark on an entry: its state and the outcome of its attempt.
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

/// The lists whose entries carry a date to call them at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    Schedules,
    Tasks,
}

/// Removes the entries of a dated list for `destination` in `campaign` whose date lies between
/// `from` and `to`, inclusive; undated ones stay.
pub async fn delete_dated(
    conn: &mut SqliteConnection,
    list: Dated,
    campaign: &str,
    destination: &str,
    from: &str,
    to: &str,
) -> Result<u64, StoreError> {
    let sql = match list {
        Dated::Schedules => "DELETE FROM schedules WHERE campaign = ? AND destination = ? AND calldate BETWEEN ? AND ?",
        Dated::Tasks => "DELETE FROM tasks WHERE campaign = ? AND destination = ? AND calldate BETWEEN ? AND ?",
    };
    let done = sqlx::query(sql).bind(campaign).bind(destination).bind(from).bind(to).execute(&mut *conn).await?;
    Ok(done.rows_affected())
}

/// Every entry in state `from` goes to state `to`, in all three lists (in one round trip).
pub async fn move_state(pool: &SqlitePool, from: &str, to: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE spool SET state = ?2 WHERE state = ?1;
         UPDATE schedules SET state = ?2 WHERE state = ?1;
         UPDATE tasks SET state = ?2 WHERE state = ?1",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(())
}
