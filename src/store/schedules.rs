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

pub async fn all_schedules(pool: &SqlitePool) -> Result<Vec<ScheduleRow>, StoreError> {
    sqlx::query_as("SELECT * FROM schedules ORDER BY calldate, id").fetch_all(pool).await
}
