//! A new world's drawn rows (its history's CDRs, its demo lists, its pinned recordings and its
//! `meta`), written on SQLite's own connection ([`super::bulk::with_sqlite`]): a start writes them
//! in one lock of the connection instead of a round trip to sqlx's worker thread per statement.

use sqlx::SqliteConnection;

use super::StoreError;
use crate::model::cdr::Cdr;
use crate::store::spool::SpoolRow;

/// What a new world writes besides its configuration.
pub struct Rows<'a> {
    pub cdrs: &'a [Cdr],
    pub lists: &'a [SpoolRow],
    /// Recordings pinned to a place: guid, host, folder, format.
    pub pins: Vec<[&'a str; 4]>,
    pub meta: Vec<(&'static str, String)>,
}

/// Writes `rows` within the transaction `conn` is in.
pub async fn insert(conn: &mut SqliteConnection, rows: &Rows<'_>) -> Result<(), StoreError> {
    super::bulk::with_sqlite(conn, |db| insert_in(db, rows)).await
}

fn insert_in(db: &rusqlite::Connection, rows: &Rows<'_>) -> rusqlite::Result<()> {
    super::records::insert_cdrs_in(db, rows.cdrs)?;
    super::spool::insert_spool_in(db, rows.lists)?;
    for &[guid, host, folder, format] in &rows.pins {
        super::recordings::pin_in(db, guid, host, folder, format, true)?;
    }
    let mut meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")?;
    for (key, value) in &rows.meta {
        meta.execute(rusqlite::params![key, value])?;
    }
    Ok(())
}

/// Writes `rows` into a copy of the base image, in one transaction with what an instance made
/// from a world's image would write first: its `generation`, and how many CDR legs it holds, in
/// SQLite's `user_version` (read straight from an image's header). With `unsynced`, a file's
/// first world is written without waiting for the disk, then `synchronous` is `NORMAL` again.
/// Answers the legs.
pub async fn write_new(
    conn: &mut SqliteConnection,
    rows: &Rows<'_>,
    generation: u64,
    unsynced: bool,
) -> Result<i64, StoreError> {
    super::bulk::with_sqlite(conn, |db| {
        if unsynced {
            db.execute_batch("PRAGMA synchronous = OFF")?;
        }
        let written = (|| -> rusqlite::Result<i64> {
            let tx = db.unchecked_transaction()?;
            insert_in(db, rows)?;
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', ?)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [generation.to_string()],
            )?;
            let legs: i64 = db.query_row("SELECT count(*) FROM cdrs", [], |row| row.get(0))?;
            // An integer, formatted here: pragmas take no bound parameters.
            db.execute_batch(&format!("PRAGMA user_version = {}", u32::try_from(legs).unwrap_or(u32::MAX)))?;
            tx.commit()?;
            Ok(legs)
        })();
        // Back to `NORMAL` whatever happened; the write's own error, if any, is the one told.
        let restored = if unsynced { db.execute_batch("PRAGMA synchronous = NORMAL") } else { Ok(()) };
        let legs = written?;
        restored?;
        Ok(legs)
    })
    .await
}
