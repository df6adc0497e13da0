//! SQL of scheduled calls (ScheduleDialerCall, RESCHEDULE dispositions, the portal's schedule).

use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

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
