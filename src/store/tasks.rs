//! SQL of dialer tasks (DialerTask): dated, immediate, manual.

use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

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

/// The priority of task `id`.
pub async fn priority(pool: &SqlitePool, id: i64) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT priority FROM tasks WHERE id = ?").bind(id).fetch_optional(pool).await
}
