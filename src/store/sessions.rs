//! SQL of login sessions (tokens). They live in the database so a token survives a restart.

use sqlx::SqlitePool;

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
pub async fn live_user(pool: &SqlitePool, token: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT username FROM sessions WHERE token = ? AND ended_at IS NULL")
        .bind(token)
        .fetch_optional(pool)
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

/// Every session, oldest first: token, user, created and ended (if it did).
pub async fn all(pool: &SqlitePool) -> Result<Vec<(String, String, String, Option<String>)>, StoreError> {
    sqlx::query_as("SELECT token, username, created_at, ended_at FROM sessions ORDER BY rowid").fetch_all(pool).await
}
