//! SQLite storage of one instance (sqlx, runtime queries: the build needs no database).
//! WAL with `synchronous=NORMAL`: a committed write survives a crash of the process, which is
//! what "an answered `1` survives kill -9" needs. All writes go through one connection so
//! writers queue in the pool instead of meeting `database is locked`.

pub mod bulk;
pub mod config;
pub mod fresh;
pub mod group;
pub mod image;
pub mod lists;
pub mod overview;
pub mod recordings;
pub mod records;
pub mod schedules;
pub mod sessions;
pub mod shared;
pub mod spool;
pub mod tasks;
pub mod uploads;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// Where an instance keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Nothing is kept after the process ends.
    Memory,
    /// A SQLite file (created with its folder when missing).
    File(PathBuf),
}

impl Location {
    pub fn parse(text: &str) -> Self {
        if text == ":memory:" { Self::Memory } else { Self::File(PathBuf::from(text)) }
    }
}

/// Errors of this layer: the database failed (never caused by a client's input).
pub type StoreError = sqlx::Error;

/// The connections of one instance's database.
#[derive(Debug, Clone)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
}

/// Reader connections of an instance with a database file, opened on first use.
pub const READERS: u32 = 4;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where `sqlx` records the migrations it applied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// The schema of the migrations up to [`BASELINE`] in one script, for new databases.
const SCHEMA: &str = include_str!("schema.sql");

/// The last migration `schema.sql` holds; later ones run as migrations on new databases too.
const BASELINE: i64 = 5;

impl Store {
    /// Opens the database at `location`; a new one starts as a copy of `image` when given (a
    /// serialised database, see [`Store::image`]), which is much faster than loading fixtures.
    pub async fn open(location: &Location, image: Option<&[u8]>) -> Result<Self, StoreError> {
        let new = image.is_none()
            && match location {
                Location::Memory => true,
                Location::File(path) => !path.exists(),
            };
        let store = Self::connect(location, image).await?;
        if new {
            baseline(&store.writer).await?;
        }
        MIGRATOR.run(&store.writer).await?;
        Ok(store)
    }

    /// A new database at `location` as a copy of `image`, an image this build made (its schema is
    /// the last migration's, so the migrations are not looked at).
    pub async fn open_image(location: &Location, image: &[u8]) -> Result<Self, StoreError> {
        Self::connect(location, Some(image)).await
    }

    /// A new in-memory database that reads as `image` (an image this build made, shared: see
    /// [`shared`]), keeping a copy only of the pages it changes.
    pub async fn open_shared(image: std::sync::Arc<[u8]>) -> Result<Self, StoreError> {
        let offer = shared::offer(image)?;
        let options = SqliteConnectOptions::new()
            .filename(offer.name())
            .vfs(shared::VFS)
            .journal_mode(SqliteJournalMode::Memory)
            .pragma("temp_store", "memory");
        let pool = single_pool().connect_with(options).await?;
        // Taken by the connection: one that connects again finds no database (as `memory_pool`).
        pool.set_connect_options(SqliteConnectOptions::new().filename(LOST).read_only(true).create_if_missing(false));
        Ok(Self { reader: pool.clone(), writer: pool })
    }

    /// Reads the schema into the connection, as the first statement of an instance would.
    pub async fn warm(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT count(*) FROM sqlite_schema").execute(&self.writer).await.map(drop)
    }

    /// The connections of the database at `location`, written from `image` first when it is new.
    async fn connect(location: &Location, image: Option<&[u8]>) -> Result<Self, StoreError> {
        configure();
        if let (Location::File(path), Some(image)) = (location, image)
            && !path.exists()
        {
            create_parent(path)?;
            // Whole or not at all: a reader of the file (a token looked up) never sees half of it.
            let part = path.with_extension("part");
            write_in_wal_mode(&part, image).and_then(|()| std::fs::rename(&part, path)).map_err(StoreError::Io)?;
        }
        let store = match location {
            Location::Memory => {
                let pool = memory_pool().await?;
                if let Some(image) = image {
                    let buffer = sqlx::sqlite::SqliteOwnedBuf::try_from(image)?;
                    pool.acquire().await?.deserialize(None, buffer, false).await?;
                }
                Self { reader: pool.clone(), writer: pool }
            }
            Location::File(path) => {
                create_parent(path)?;
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30));
                let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
                // Readers connect on first use: start-up waits for the writer only.
                let reader =
                    SqlitePoolOptions::new().max_connections(READERS).connect_lazy_with(options.read_only(true));
                Self { reader, writer }
            }
        };
        Ok(store)
    }

    /// Closes every connection, waiting for those in use to be given back.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// The whole database as bytes (an in-memory database's image), to start other instances from.
    pub async fn image(&self) -> Result<Vec<u8>, StoreError> {
        let mut conn = self.writer.acquire().await?;
        Ok(conn.serialize(None).await?.to_vec())
    }

    /// For queries that change nothing.
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// For every change: one connection, so changes queue instead of failing.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Every `meta` entry, in one round trip.
    pub async fn meta_all(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        sqlx::query_as("SELECT key, value FROM meta")
            .fetch_all(&self.writer)
            .await
            .map(|rows| rows.into_iter().collect())
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

/// Writes `image` to `path` as a database in WAL mode (its header's read and write versions, bytes
/// 18 and 19, are 2): opened in WAL mode, it is in it already. An image in the rollback journal's
/// mode would be switched on its first open, through a rollback journal and four `fsync`s.
fn write_in_wal_mode(path: &Path, image: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    match (image.get(..18), image.get(20..)) {
        (Some(head), Some(rest)) => {
            file.write_all(head)?;
            file.write_all(&[2, 2])?;
            file.write_all(rest)
        }
        _ => file.write_all(image),
    }
}

/// Bytes and slots of each connection's lookaside memory (SQLite's default, 1,200 by 40, is some
/// 48 KB a connection by heaptrack: a fifth of an idle instance).
const LOOKASIDE: (i32, i32) = (256, 32);

/// Sets SQLite's process-wide options before its first use (later calls change nothing).
pub fn configure() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        // SAFETY: `SQLITE_CONFIG_LOOKASIDE` takes two ints; before `sqlite3_initialize` SQLite
        // takes it, after it answers SQLITE_MISUSE and keeps its default.
        let rc =
            unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_LOOKASIDE, LOOKASIDE.0, LOOKASIDE.1) };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(rc, "SQLite was in use before its options could be set");
        }
    });
}

/// A connection to the database file at `path` that can change nothing, for a look into an
/// instance an earlier run left on disk without opening it.
pub async fn read_only_at(path: &Path) -> Result<SqliteConnection, StoreError> {
    use sqlx::Connection;
    configure();
    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path).read_only(true)).await
}

/// Most rows per multi-row `INSERT`: 256 rows of up to 127 columns stay under SQLite's 32,766
/// parameters.
const ROWS_PER_INSERT: usize = 256;

/// Rows per statement for an insert of `rows` rows. SQLite prepares a statement in time that grows
/// with its parameters (about 2.5 ms for 256 rows of 35 columns, by `RUST_LOG=sqlx=debug`'s
/// timings), and each statement text is prepared once (sqlx caches it); each execution costs a
/// round trip to the connection's thread.
/// So a small insert (a new world's history) uses small statements and a big one (an upload's
/// batch) large ones: about 16 executions per call, between 16 and 256 rows each.
fn rows_per_insert(rows: usize) -> usize {
    (rows / 16).clamp(16, ROWS_PER_INSERT)
}

/// Inserts `rows` with a few multi-row statements instead of one per row. `head` is `INSERT INTO t (a, b, ...)`; `push`
/// binds one row's values in that order. Values are always bound, never spliced into the text.
/// See [`rows_per_insert`] for the statements' size.
pub async fn insert_many<T>(
    conn: &mut SqliteConnection,
    head: &'static str,
    rows: &[T],
    push: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, &T),
) -> Result<(), StoreError> {
    insert_many_then(conn, head, rows, push, "").await
}

/// [`insert_many`] with `tail` after the values (`ON CONFLICT ...`).
pub async fn insert_many_then<T>(
    conn: &mut SqliteConnection,
    head: &'static str,
    rows: &[T],
    mut push: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, &T),
    tail: &'static str,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(rows_per_insert(rows.len())) {
        let mut query = QueryBuilder::<Sqlite>::new(head);
        query.push(' ').push_values(chunk, |mut values, row| push(&mut values, row)).push(tail);
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The pool of an in-memory database (SQLite's own, or one over [`shared`]): one connection,
/// never replaced.
///
/// An in-memory database lives exactly as long as its connection, and a pool that loses its
/// connection opens a new one: a new, empty database where the world was. sqlx drops a connection
/// when an `acquire` is cancelled while it pings the connection it took (a client that hangs up
/// mid-request cancels its handler), so the ping is turned off: taking the idle connection is then
/// immediate, with nothing to cancel. Should the connection be lost anyway (its worker thread
/// gone), the pool's next connection fails at once ([`LOST`]) and requests are refused, instead of
/// being answered from an empty world.
fn single_pool() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
}

/// A new database in SQLite's memory, in a [`single_pool`].
async fn memory_pool() -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
    let pool = single_pool().connect_with(options).await?;
    pool.set_connect_options(SqliteConnectOptions::new().filename(LOST).read_only(true).create_if_missing(false));
    Ok(pool)
}

/// Where an in-memory pool would connect again: a path no file can have (`/dev/null` is not a
/// folder), so the connection fails instead of opening an empty database.
pub const LOST: &str = "/dev/null/in-memory-database-lost";

/// Why a database error is the machine's lack of a resource (descriptors, memory, disk, the one
/// connection busy for too long) rather than a fault of the mock: such a request is answered
/// 503 with `Retry-After` and may succeed when asked again.
pub fn scarcity(error: &StoreError) -> Option<&'static str> {
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;
    const ENOMEM: i32 = 12;
    match error {
        StoreError::PoolTimedOut => Some("the instance's database is busy"),
        StoreError::Io(e) if matches!(e.raw_os_error(), Some(EMFILE | ENFILE)) => Some("out of file descriptors"),
        StoreError::Io(e) if e.raw_os_error() == Some(ENOMEM) => Some("out of memory"),
        StoreError::Database(e) => {
            // SQLite's primary result codes: SQLITE_NOMEM, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
            let code = e.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
            match code {
                Some(7) => Some("out of memory"),
                Some(10) | Some(14) => Some("a file could not be opened or written (out of file descriptors?)"),
                Some(13) => Some("the disk is full"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Gives a new database the schema of `schema.sql` and records the migrations it holds as applied,
/// as `sqlx` records those it runs (with their checksums), in one transaction. Running the
/// migrations themselves took about 3 ms more (by `RUST_LOG=sqlx=debug`'s timings): each
/// `ALTER TABLE` makes SQLite read the whole schema again.
async fn baseline(pool: &SqlitePool) -> Result<(), StoreError> {
    use sqlx::migrate::Migrate;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;
    tx.ensure_migrations_table(MIGRATIONS_TABLE).await?;
    for migration in MIGRATOR.iter().filter(|m| m.version <= BASELINE) {
        tx.skip(MIGRATIONS_TABLE, migration).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn create_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(StoreError::Io),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn memory() -> SqlitePool {
        configure();
        SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap()
    }

    /// An image written to a file is a database in WAL mode as it stands: a plain connection finds
    /// it so, with its rows, and opening it as the store does changes no mode.
    #[tokio::test]
    async fn an_image_is_written_as_a_database_in_wal_mode() {
        let store = Store::open(&Location::Memory, None).await.unwrap();
        store.set_meta("world", "kept").await.unwrap();
        let image = store.image().await.unwrap();
        assert_eq!(&image[18..20], [1, 1], "an in-memory database's image is in the rollback journal's mode");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        write_in_wal_mode(&path, &image).unwrap();
        let mut conn = read_only_at(&path).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap();
        assert_eq!(mode, "wal");
        let kept: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'world'").fetch_one(&mut conn).await.unwrap();
        assert_eq!(kept, "kept");
    }

    /// Every column, index (with its columns) and foreign key, as SQLite reports them.
    async fn describe(pool: &SqlitePool) -> Vec<String> {
        const QUERIES: [&str; 3] = [
            "SELECT m.name || ' ' || p.cid || ' ' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' \
             || quote(p.dflt_value) || ' ' || p.pk || ' ' || p.hidden \
             FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid",
            "SELECT m.name || ' ' || l.name || ' ' || l.\"unique\" || ' ' || l.origin || ' ' || l.partial || ' ' \
             || i.seqno || ' ' || quote(i.name) || ' ' || i.desc || ' ' || quote(i.coll) || ' ' || i.key \
             FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) i \
             WHERE m.type = 'table' ORDER BY m.name, l.name, i.seqno",
            "SELECT m.name || ' ' || f.id || ' ' || f.seq || ' ' || f.\"table\" || ' ' || f.\"from\" || ' ' \
             || quote(f.\"to\") || ' ' || f.on_update || ' ' || f.on_delete \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' \
             ORDER BY m.name, f.id, f.seq",
        ];
        let mut all = Vec::new();
        for query in QUERIES {
            all.extend(sqlx::query_scalar::<_, String>(query).fetch_all(pool).await.unwrap());
        }
        all
    }

    #[tokio::test]
    async fn a_database_of_an_earlier_version_gets_the_later_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        configure();
        let old = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        MIGRATOR.run_to(3, &old).await.unwrap();
        old.close().await;
        let store = Store::open(&Location::File(path), None).await.unwrap();
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as("EXPLAIN QUERY PLAN SELECT max(contact) FROM spool")
            .fetch_all(store.writer())
            .await
            .unwrap();
        assert!(plan.iter().any(|p| p.3.contains("spool_contact")), "{plan:?}");
        let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.writer())
            .await
            .unwrap();
        assert_eq!(versions, [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn the_one_script_schema_is_the_schema_the_migrations_make() {
        let migrated = memory().await;
        MIGRATOR.run(&migrated).await.unwrap();
        let baselined = memory().await;
        baseline(&baselined).await.unwrap();
        MIGRATOR.run(&baselined).await.unwrap();
        let described = describe(&migrated).await;
        assert!(described.len() > 150, "{described:?}");
        assert_eq!(describe(&baselined).await, described);
        let applied = "SELECT version || ' ' || description || ' ' || success || ' ' || hex(checksum) \
                       FROM _sqlx_migrations ORDER BY version";
        let applied = |pool| sqlx::query_scalar::<_, String>(applied).fetch_all(pool);
        assert_eq!(applied(&baselined).await.unwrap(), applied(&migrated).await.unwrap());
    }
}
