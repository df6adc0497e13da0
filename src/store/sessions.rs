//! SQL of login sessions (tokens). They live in the database so a token survives a restart.

use sqlx::{Connection, SqlitePool};

use super::StoreError;

pub async fn insert(pool: &SqlitePool, token: &str, username: &str, now: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token, username, created_at) VALUES (?, ?, ?)")
        .bind(token)
        .bind(username)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// The user of a live token.
pub async fn live_user<'c>(executor: impl sqlx::SqliteExecutor<'c>, token: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT username FROM sessions WHERE token = ? AND ended_at IS NULL")
        .bind(token)
        .fetch_optional(executor)
        .await
}

/// Ends a live token of `username`; true when one was ended.
pub async fn end(pool: &SqlitePool, token: &str, username: &str, now: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE sessions SET ended_at = ? WHERE token = ? AND username = ? AND ended_at IS NULL")
        .bind(now)
        .bind(token)
        .bind(username)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether `token` was a session that ended.
pub async fn ended<'c>(executor: impl sqlx::SqliteExecutor<'c>, token: &str) -> Result<bool, StoreError> {
    let ended: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE token = ? AND ended_at IS NOT NULL")
        .bind(token)
        .fetch_optional(executor)
        .await?;
    Ok(ended.is_some())
}

/// Every session, oldest first: token, user, created and ended (if it did).
pub async fn all(pool: &SqlitePool) -> Result<Vec<(String, String, String, Option<String>)>, StoreError> {
    sqlx::query_as("SELECT token, username, created_at, ended_at FROM sessions ORDER BY rowid").fetch_all(pool).await
}

/// The user of a live token in the database file at `path`, read over a connection of its own
/// that changes nothing (the instance is not opened for it).
pub async fn live_user_at(path: &std::path::Path, token: &str) -> Result<Option<String>, StoreError> {
    let mut conn = super::read_only_at(path).await?;
    let user = live_user(&mut conn, token).await;
    let _ = conn.close().await;
    user
}

/// Forgets all but the newest `kept` sessions; answers the forgotten tokens.
pub async fn keep_newest(pool: &SqlitePool, kept: usize) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(
        "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions ORDER BY rowid DESC LIMIT -1 OFFSET ?) \
         RETURNING token",
    )
    .bind(i64::try_from(kept).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use crate::store::{Location, Store};

    #[tokio::test]
    async fn only_the_newest_sessions_are_kept() {
        let store = Store::open(&Location::Memory, None).await.unwrap();
        for n in 0..30 {
            super::insert(store.writer(), &format!("t{n}"), "admin", "2026-01-05 09:00:00").await.unwrap();
        }
        let forgotten = super::keep_newest(store.writer(), 10).await.unwrap();
        assert_eq!(forgotten.len(), 20);
        assert!(forgotten.contains(&"t0".to_string()) && !forgotten.contains(&"t29".to_string()));
        assert_eq!(super::live_user(store.writer(), "t29").await.unwrap().as_deref(), Some("admin"));
        assert_eq!(super::live_user(store.writer(), "t0").await.unwrap(), None);
    }
}
