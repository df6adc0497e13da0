//! What the dialer does across its three lists (schedules, tasks, spool): when work is next due,
//! whether a number is blacklisted, its mark on a schedule or task, and releasing what a crash left
//! half-dialled.

use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

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
