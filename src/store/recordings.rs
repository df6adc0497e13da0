//! SQL of recordings: what a call's CDR legs say about its recording (when it began, how long the
//! customer talked), the pins that place a call's file, and the conversions made.

use sqlx::{SqliteConnection, SqlitePool};

use super::StoreError;

/// A call as its recording sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallAudio {
    pub guid: String,
    /// The first leg's `calldate`.
    pub first: String,
    /// The end of the whole call.
    pub finish: String,
    /// The customer leg's `billsec` (0: nobody answered, no recording).
    pub seconds: i64,
    pub pin_host: Option<String>,
    pub pin_folder: Option<String>,
    pub pin_format: Option<String>,
    pub converted_at: Option<String>,
}

/// What tells the customer's leg of a call (the world's rule): the leg whose `lastapp` is `dial` when
/// there is one (an outbound call: its `billsec` is 0 when the customer did not answer, even when the
/// agent did), else the leg whose disposition is `answered` (an inbound call's queue leg).
#[derive(Debug, Clone, Copy)]
pub struct CustomerLeg<'a> {
    pub dial: &'a str,
    pub answered: &'a str,
}

/// `?1` the dial application, `?2` the answered disposition.
macro_rules! calls {
    () => {
        "SELECT c.guid AS guid, MIN(c.calldate) AS first, MAX(c.finishtime) AS finish,
       CASE WHEN SUM(c.lastapp = ?1) > 0
            THEN COALESCE(MAX(CASE WHEN c.lastapp = ?1 AND c.disposition = ?2 THEN c.billsec END), 0)
            ELSE COALESCE(MAX(CASE WHEN c.disposition = ?2 THEN c.billsec END), 0) END AS seconds,
       p.host AS pin_host, p.folder AS pin_folder, p.format AS pin_format, v.converted_at AS converted_at
  FROM cdrs c
  LEFT JOIN recording_pins p ON p.guid = c.guid
  LEFT JOIN recording_conversions v ON v.guid = c.guid"
    };
}

/// The call `guid`, when it has CDR legs.
pub async fn call(pool: &SqlitePool, leg: CustomerLeg<'_>, guid: &str) -> Result<Option<CallAudio>, StoreError> {
    sqlx::query_as(concat!(calls!(), " WHERE c.guid = ?3 GROUP BY c.guid"))
        .bind(leg.dial)
        .bind(leg.answered)
        .bind(guid)
        .fetch_optional(pool)
        .await
}

/// Every call with a recording, oldest first.
pub async fn calls(pool: &SqlitePool, leg: CustomerLeg<'_>) -> Result<Vec<CallAudio>, StoreError> {
    sqlx::query_as(concat!(calls!(), " GROUP BY c.guid HAVING seconds > 0 ORDER BY first, c.guid"))
        .bind(leg.dial)
        .bind(leg.answered)
        .fetch_all(pool)
        .await
}

/// Places the file of `guid` (a pin replaces an earlier one); `moved` forgets its conversion (the
/// GSM it was made from is elsewhere now).
pub async fn pin(
    conn: &mut SqliteConnection,
    guid: &str,
    host: &str,
    folder: &str,
    format: &str,
    moved: bool,
) -> Result<(), StoreError> {
    super::bulk::with_sqlite(conn, |db| pin_in(db, guid, host, folder, format, moved)).await
}

/// [`pin`] on SQLite's own connection, in its transaction.
pub fn pin_in(
    db: &rusqlite::Connection,
    guid: &str,
    host: &str,
    folder: &str,
    format: &str,
    moved: bool,
) -> rusqlite::Result<()> {
    db.execute(
        "INSERT OR REPLACE INTO recording_pins (guid, host, folder, format) VALUES (?, ?, ?, ?)",
        rusqlite::params![guid, host, folder, format],
    )?;
    if moved {
        db.execute("DELETE FROM recording_conversions WHERE guid = ?", [guid])?;
    }
    Ok(())
}

/// Records that an MP3 was made beside the GSM of `guid`; the first conversion's time stays.
/// Whether this was the first.
pub async fn converted(pool: &SqlitePool, guid: &str, at: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("INSERT OR IGNORE INTO recording_conversions (guid, converted_at) VALUES (?, ?)")
        .bind(guid)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
