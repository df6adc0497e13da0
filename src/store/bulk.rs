//! Bulk inserts through SQLite's own prepared statements, on the connection sqlx holds. Binding a
//! wide row through sqlx's arguments cost several times what SQLite's own work did (timed by hand
//! for a new world's 508 CDRs; `cargo bench --bench shipping` prints the start it shortens); one
//! statement prepared once and stepped per row costs what SQLite does. The connection's handle is locked out of sqlx's worker thread meanwhile, and the
//! rows join whatever transaction the connection is in.

use std::borrow::Cow;

use sqlx::SqliteConnection;
use sqlx::error::{DatabaseError, ErrorKind};

use super::StoreError;

/// Runs `insert` once per row of `rows` on `db`, in whatever transaction it is in.
pub fn insert_rows<T>(
    db: &rusqlite::Connection,
    insert: &str,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, &T) -> rusqlite::Result<usize>,
) -> rusqlite::Result<()> {
    let mut statement = db.prepare(insert)?;
    for row in rows {
        bind(&mut statement, row)?;
    }
    Ok(())
}

/// Runs `work` on the connection sqlx holds, as SQLite's own: several statements in one go cost
/// one lock of the handle instead of a round trip to sqlx's worker thread each.
pub async fn with_sqlite<R>(
    conn: &mut SqliteConnection,
    work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R>,
) -> Result<R, StoreError> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    let run = || {
        // SAFETY: the handle is sqlx's, locked out of its worker thread until `handle` drops; a
        // connection made with `from_handle` never closes it, and it is dropped before `handle`.
        let db = unsafe { rusqlite::Connection::from_handle(raw) }.map_err(failure)?;
        work(&db).map_err(failure)
    };
    // SQLite works on this thread now, not on sqlx's: a long insert (the engine's finished calls
    // after a manual clock's jump of hours) must not hold up the runtime's other tasks meanwhile.
    let blocking = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let result = if blocking { tokio::task::block_in_place(run) } else { run() };
    drop(handle);
    result
}

/// SQLite's error as sqlx gives it, so [`super::scarcity`] reads its code the same way.
fn failure(error: rusqlite::Error) -> StoreError {
    let code = error.sqlite_error().map_or(1, |e| e.extended_code);
    StoreError::Database(Box::new(Failure { code, message: error.to_string() }))
}

#[derive(Debug)]
struct Failure {
    code: i32,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for Failure {}

impl DatabaseError for Failure {
    fn message(&self) -> &str {
        &self.message
    }

    /// The extended result code, as sqlx's own SQLite errors give it.
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    async fn insert<T>(
        conn: &mut SqliteConnection,
        sql: &str,
        rows: &[T],
        bind: impl Fn(&mut rusqlite::Statement<'_>, &T) -> rusqlite::Result<usize>,
    ) -> Result<(), StoreError> {
        with_sqlite(conn, |db| insert_rows(db, sql, rows, bind)).await
    }

    async fn connection() -> SqliteConnection {
        crate::store::configure();
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL, s TEXT)").execute(&mut conn).await.unwrap();
        conn
    }

    fn bind(statement: &mut rusqlite::Statement<'_>, row: &(Option<i64>, &str)) -> rusqlite::Result<usize> {
        statement.execute(rusqlite::params![row.0, row.1])
    }

    #[tokio::test]
    async fn rows_join_the_connections_transaction_and_sqlx_reads_them_after() {
        let mut conn = connection().await;
        let mut tx = conn.begin().await.unwrap();
        insert(&mut tx, "INSERT INTO t (n, s) VALUES (?, ?)", &[(Some(1), "a"), (Some(2), "b")], bind).await.unwrap();
        tx.rollback().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut conn).await.unwrap();
        assert_eq!(count, 0, "rolled back with the transaction");
        let mut tx = conn.begin().await.unwrap();
        insert(&mut tx, "INSERT INTO t (n, s) VALUES (?, ?)", &[(Some(1), "a"), (Some(2), "é")], bind).await.unwrap();
        tx.commit().await.unwrap();
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT n, s FROM t ORDER BY rowid").fetch_all(&mut conn).await.unwrap();
        assert_eq!(rows, [(1, "a".to_string()), (2, "é".to_string())]);
    }

    #[tokio::test]
    async fn sqlites_errors_keep_their_extended_code() {
        let mut conn = connection().await;
        let error = insert(&mut conn, "INSERT INTO t (n, s) VALUES (?, ?)", &[(None, "a")], bind).await.unwrap_err();
        let StoreError::Database(error) = error else { panic!("{error:?}") };
        // SQLITE_CONSTRAINT_NOTNULL, as sqlx's own errors give it.
        assert_eq!(error.code().as_deref(), Some("1299"), "{}", error.message());
        let error = insert(&mut conn, "INSERT INTO nowhere VALUES (?, ?)", &[(Some(1), "a")], bind).await.unwrap_err();
        assert!(error.to_string().contains("no such table: nowhere"), "{error}");
        // The connection is sqlx's again, whole.
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut conn).await.unwrap();
        assert_eq!(count, 0);
    }
}
