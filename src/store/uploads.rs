//! SQL of uploads (uploadbase) and their job reports: counts, the rejections listed, the note.

use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

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
    status: &str,
    [read, accepted, rejected]: [i64; 3],
    rejections: &[Rejection],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE uploads SET status = ?, records_read = records_read + ?, accepted = accepted + ?,
           rejected = rejected + ? WHERE id = ?",
    )
    .bind(status)
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

/// Every upload in one of the `unfinished` states is set to `status`, with `note`, finished `at`.
pub async fn finish_unfinished(
    pool: &SqlitePool,
    unfinished: [&str; 2],
    status: &str,
    note: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE uploads SET status = ?, note = ?, finished_at = ? WHERE status IN (?, ?)")
        .bind(status)
        .bind(note)
        .bind(at)
        .bind(unfinished[0])
        .bind(unfinished[1])
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
