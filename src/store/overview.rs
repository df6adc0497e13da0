//! Bounded reads for the dashboard: the newest rows of each list and counts, never a whole table
//! (a world may hold a million CDRs or spool entries).

use sqlx::SqlitePool;

use super::StoreError;
use super::schedules::ScheduleRow;
use super::spool::SpoolRow;
use super::tasks::TaskRow;
use super::uploads::UploadRow;
use crate::model::cdr::Cdr;

/// How many of each list the dashboard shows.
pub const SHOWN: i64 = 25;

/// Rows of a list by state (`pending`, `dialing`, `done`...).
pub async fn counts(pool: &SqlitePool, table: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let query = match table {
        "spool" => "SELECT state, COUNT(*) FROM spool GROUP BY state ORDER BY state",
        "schedules" => "SELECT state, COUNT(*) FROM schedules GROUP BY state ORDER BY state",
        _ => "SELECT state, COUNT(*) FROM tasks GROUP BY state ORDER BY state",
    };
    sqlx::query_as(query).fetch_all(pool).await
}

pub async fn newest_spool(pool: &SqlitePool) -> Result<Vec<SpoolRow>, StoreError> {
    sqlx::query_as("SELECT * FROM spool ORDER BY id DESC LIMIT ?").bind(SHOWN).fetch_all(pool).await
}

pub async fn newest_schedules(pool: &SqlitePool) -> Result<Vec<ScheduleRow>, StoreError> {
    sqlx::query_as("SELECT * FROM schedules ORDER BY id DESC LIMIT ?").bind(SHOWN).fetch_all(pool).await
}

pub async fn newest_tasks(pool: &SqlitePool) -> Result<Vec<TaskRow>, StoreError> {
    sqlx::query_as("SELECT * FROM tasks ORDER BY id DESC LIMIT ?").bind(SHOWN).fetch_all(pool).await
}

/// The newest uploads with their first rejections (the job report).
pub async fn newest_uploads(pool: &SqlitePool) -> Result<Vec<UploadRow>, StoreError> {
    let mut uploads: Vec<UploadRow> =
        sqlx::query_as("SELECT * FROM uploads ORDER BY id DESC LIMIT 10").fetch_all(pool).await?;
    for u in &mut uploads {
        u.rejections =
            sqlx::query_as("SELECT line, reason FROM upload_rejections WHERE upload_id = ? ORDER BY line LIMIT ?")
                .bind(u.id)
                .bind(SHOWN)
                .fetch_all(pool)
                .await?;
    }
    Ok(uploads)
}

/// The legs of the newest calls by `calldate`, the call's first leg's (when it began), newest call
/// first (at most `SHOWN` calls). Not by `id`: a CDR is written when its call ends, so a long call
/// would come before calls that began after it.
pub async fn newest_calls(pool: &SqlitePool) -> Result<Vec<Vec<Cdr>>, StoreError> {
    let newest: Vec<(String,)> = sqlx::query_as("SELECT guid FROM cdrs ORDER BY calldate DESC, id DESC LIMIT ?")
        .bind(SHOWN * 8)
        .fetch_all(pool)
        .await?;
    let mut guids: Vec<String> = Vec::new();
    for (guid,) in newest {
        if !guids.contains(&guid) && guids.len() < SHOWN as usize {
            guids.push(guid);
        }
    }
    let mut calls: Vec<Vec<Cdr>> = Vec::with_capacity(guids.len());
    for guid in guids {
        calls.push(
            sqlx::query_as("SELECT * FROM cdrs WHERE guid = ? ORDER BY sequence, id")
                .bind(guid)
                .fetch_all(pool)
                .await?,
        );
    }
    // A call is as new as its first leg (a later leg of an older call may be newer than it).
    calls.sort_by(|a, b| b.first().map(|l| &l.calldate).cmp(&a.first().map(|l| &l.calldate)));
    Ok(calls)
}
