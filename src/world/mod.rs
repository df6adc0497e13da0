//! One simulated contact center (an instance): its configuration, its clock and seed, and every
//! business rule of the vendor's routes. Handlers parse and answer; the world decides.

pub mod agents;
pub mod auth;
pub mod base_file;
pub mod blacklist;
pub mod call_lists;
pub mod call_rows;
pub mod catalog;
pub mod cdr;
pub mod dialers;
pub mod dispositions;
pub mod error;
pub mod events;
pub mod fixtures;
pub mod history;
pub mod json;
pub mod overview;
pub mod portal;
pub mod recordings;
pub mod simulation;
pub mod supervisor;
pub mod tables;
pub mod uploads;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono_tz::Tz;

use crate::clock::{Clock, ClockMode};
use crate::entropy::Entropy;
use crate::model::config::Config;
use crate::model::lists::EntryState::{Dialing, Pending};
use crate::model::vendor_date::VendorDate;
use crate::store::{self, Location, Store, StoreError};
use call_rows::Numbering;
use catalog::Catalog;
use fixtures::FixtureSet;
use uploads::UploadStatus;

/// What an instance is made from.
#[derive(Debug, Clone)]
pub struct WorldOptions {
    pub name: String,
    pub location: Location,
    pub fixtures: FixtureSet,
    pub clock_mode: ClockMode,
    pub clock_start: VendorDate,
    pub zone: Tz,
    pub seed: u64,
    /// The seed was given (`--seed`), not drawn at start: the same options make the same world
    /// again, so its image is worth keeping on disk.
    pub seed_given: bool,
    /// Generated inbound callers (`--traffic`); off leaves the world idle but working.
    pub traffic: bool,
    /// Recordings made so far, shared by every instance.
    pub audio_cache: Arc<crate::audio::cache::Cache>,
    /// The byte budget every instance's request journal shares (`--journal-mb`).
    pub journal_budget: Arc<crate::journal::Budget>,
}

/// The rows a new world draws from its seed and clock: its history's CDRs, and its demo lists
/// when traffic is on. Drawing touches no database, so a start draws while its database opens.
struct Drawn {
    cdrs: Vec<crate::model::cdr::Cdr>,
    lists: Vec<store::spool::SpoolRow>,
}

impl Drawn {
    fn new(options: &WorldOptions, clock: &Clock, entropy: &Entropy) -> Self {
        let (config, fixtures) = (&options.fixtures.config, &options.fixtures);
        let mut calls: Vec<_> = fixtures.examples.iter().filter_map(|e| history::example(config, e)).collect();
        calls.extend(history::invent(config, fixtures.history, clock.start(), entropy));
        let mut numbering = Numbering::default();
        let cdrs = calls.iter().flat_map(|call| call.rows(&mut numbering, |t| clock.epoch(t))).collect();
        let lists = if options.traffic { history::demo_lists(config, entropy, &clock.stamp()) } else { Vec::new() };
        Self { cdrs, lists }
    }
}

/// One instance's contact center.
#[derive(Debug)]
pub struct World {
    name: String,
    store: Store,
    clock: Clock,
    entropy: Entropy,
    /// The stream tokens are drawn from, apart from every other draw (docs/contract.md, section 2).
    token_entropy: Entropy,
    catalog: Arc<Catalog>,
    config: Arc<Config>,
    background: Arc<Background>,
    engine: crate::engine::Shared,
    numbering: Mutex<Numbering>,
    journal: crate::journal::Journal,
    faults: crate::faults::Faults,
    /// Made for the first listener: most instances never have one, and its backlog is some 56 KB
    /// (heaptrack).
    events: std::sync::OnceLock<tokio::sync::broadcast::Sender<events::Event>>,
    seen: Mutex<events::Seen>,
    recordings: recordings::Policy,
    /// The seed recordings are placed and made from: the world's first, kept across restarts.
    recording_seed: u64,
    audio_cache: Arc<crate::audio::cache::Cache>,
    /// Live tokens and their users, as read from `sessions` (see `auth::token_user`).
    tokens: Mutex<auth::Tokens>,
    /// Single blacklist additions waiting for their group commit.
    blacklist_group: Arc<store::group::Group<store::records::BlacklistRow>>,
    /// Set when the instance is being evicted, reset or deleted: the engine no longer runs.
    closed: std::sync::atomic::AtomicBool,
}

impl World {
    /// Opens the instance's database, loading the fixtures into it the first time.
    pub async fn open(options: WorldOptions) -> Result<Self, StoreError> {
        Self::open_from(options, None).await
    }

    /// The database image of a fresh world made from `options`: new instances start as copies.
    /// One made before by this build from the same options is read from disk instead.
    pub async fn fresh_image(options: &WorldOptions) -> Result<Vec<u8>, StoreError> {
        let key = Self::image_key(options);
        if let Some(image) = key.as_deref().and_then(store::image::load) {
            return Ok(image);
        }
        let store = Store::open_image(&Location::Memory, &Self::base_image(options).await?).await?;
        Self::draw(&store, options, None, false).await?;
        let image = store.image().await?;
        store.close().await;
        if let Some(key) = key {
            store::image::save(&key, &image);
        }
        Ok(image)
    }

    /// Whether a fresh world of `options` has its image kept on disk, to be read by later starts.
    pub fn image_is_kept(options: &WorldOptions) -> bool {
        Self::image_key(options).is_some()
    }

    /// A new instance made in its own database, drawn where it serves instead of copied from an
    /// image: the world [`World::fresh_image`] would hold, without making, copying and opening one
    /// (for a world whose image is not kept: a start under a real clock or without `--seed`).
    pub async fn open_drawn(options: WorldOptions) -> Result<Self, StoreError> {
        // Drawn on another thread while the database opens.
        let drawing = tokio::task::spawn_blocking({
            let options = options.clone();
            move || {
                let clock = Clock::new(options.clock_mode, options.zone, options.clock_start);
                Drawn::new(&options, &clock, &Self::history_entropy(&options))
            }
        });
        let base = Self::base_image(&options).await?;
        let store = match &options.location {
            Location::Memory => Store::open_shared(Arc::from(base)).await?,
            file => Store::open_image(file, &base).await?,
        };
        let drawn = drawing.await.ok();
        // A file's new world is written without waiting for the disk (the WAL's header would be
        // synced, and the folder, for it): a crash loses no answer, a power cut the world at most,
        // as SQLite's `synchronous = NORMAL` risks for every commit since the last checkpoint.
        let unsynced = matches!(options.location, Location::File(_));
        let legs = Self::draw(&store, &options, drawn, unsynced).await?;
        let config = options.fixtures.config.clone();
        let recordings = recordings::Policy { spread: options.fixtures.recordings.spread, pinned: Vec::new() };
        let seed = options.seed;
        Ok(Self::assemble(options, store, 1, config, seed, recordings, legs))
    }

    /// Draws a fresh world into `store`, a copy of the fixtures' base image: its history and demo
    /// lists, then what an instance made from its image would write first (its generation and its
    /// CDR legs, [`store::fresh::write_new`]), all in one transaction. Answers the legs.
    async fn draw(
        store: &Store,
        options: &WorldOptions,
        drawn: Option<Drawn>,
        unsynced: bool,
    ) -> Result<i64, StoreError> {
        let clock = Clock::new(options.clock_mode, options.zone, options.clock_start);
        let drawn = drawn.unwrap_or_else(|| Drawn::new(options, &clock, &Self::history_entropy(options)));
        let mut conn = store.writer().acquire().await?;
        // Generation 1: what the instance's own draws start from (the history was generation 0).
        store::fresh::write_new(&mut conn, &Self::fresh_rows(options, &clock, &drawn), 1, unsynced).await
    }

    /// The stream a fresh world's history is drawn from (generation 0): the instance's draws from
    /// then on (generation 1 and up) never repeat its guids.
    fn history_entropy(options: &WorldOptions) -> Entropy {
        Entropy::new(options.seed, &options.name, 0)
    }

    /// The image of a new store with the schema and the fixtures' configuration: what every fresh
    /// world of these fixtures starts from, whatever its seed and clock. Made once per build and
    /// fixtures and read from the image folder after (the migrations were most of an unseeded
    /// start); made anew when there is no folder.
    async fn base_image(options: &WorldOptions) -> Result<Vec<u8>, StoreError> {
        let key = store::image::build_identity()
            .map(|build| store::image::key(&format!("base {} {build}", options.fixtures.digest)));
        if let Some(image) = key.as_deref().and_then(store::image::load) {
            return Ok(image);
        }
        let store = Store::open(&Location::Memory, None).await?;
        let mut tx = store.writer().begin().await?;
        store::config::insert(&mut tx, &options.fixtures.config).await?;
        tx.commit().await?;
        let image = store.image().await?;
        store.close().await;
        if let Some(key) = key {
            store::image::save(&key, &image);
        }
        Ok(image)
    }

    /// What a fresh world's image is made from, hashed: the fixtures, the seed, the clock's start
    /// and zone, the traffic, the instance's name and this build. `None` but under a manual clock
    /// (a real clock dates the history from the moment of the start, an accelerated one has moved
    /// while the world was made) and a given seed (a seed drawn at start is not drawn again), or
    /// when this build cannot be told apart.
    fn image_key(options: &WorldOptions) -> Option<String> {
        if options.clock_mode != ClockMode::Manual || !options.seed_given {
            return None;
        }
        let inputs = format!(
            "{} {} {} {} {} {} {}",
            options.fixtures.digest,
            options.seed,
            options.clock_start,
            options.zone,
            options.traffic,
            options.name,
            store::image::build_identity()?
        );
        Some(store::image::key(&inputs))
    }

    /// Opens the instance's database (a new one as a copy of `image` when given, else loaded from
    /// the fixtures).
    pub async fn open_from(options: WorldOptions, image: Option<&Arc<[u8]>>) -> Result<Self, StoreError> {
        match image {
            Some(image) => Self::open_image(options, image).await,
            None => Self::open_stored(options).await,
        }
    }

    /// A new instance as a copy of a fresh world's image ([`World::fresh_image`]): what the image
    /// holds besides the rows is known from the options it was made from, so nothing is read back
    /// (a start's few milliseconds were mostly these reads).
    async fn open_image(options: WorldOptions, image: &Arc<[u8]>) -> Result<Self, StoreError> {
        let store = match &options.location {
            Location::Memory => Store::open_shared(Arc::clone(image)).await?,
            file => Store::open_image(file, image).await?,
        };
        Ok(Self::with_image_store(options, store, image))
    }

    /// A new instance around `store`, a database that reads as `image` (opened ahead of it, say).
    pub fn with_image_store(options: WorldOptions, store: Store, image: &[u8]) -> Self {
        let legs = image.get(60..64).map_or(0, |v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
        let config = options.fixtures.config.clone();
        // As `load_fixtures` stores them: the pins went into the recordings table.
        let recordings = recordings::Policy { spread: options.fixtures.recordings.spread, pinned: Vec::new() };
        let seed = options.seed;
        Self::assemble(options, store, 1, config, seed, recordings, i64::from(legs))
    }

    /// An instance from its database: an existing one, or a new one loaded from the fixtures.
    async fn open_stored(options: WorldOptions) -> Result<Self, StoreError> {
        let store = Store::open(&options.location, None).await?;
        let mut meta = store.meta_all().await?;
        let generation = meta.get("generation").and_then(|g| g.parse::<u64>().ok()).unwrap_or(0) + 1;
        store.set_meta("generation", &generation.to_string()).await?;
        let clock = Clock::new(options.clock_mode, options.zone, options.clock_start);
        if !meta.contains_key("world") {
            // The history is drawn as a fresh world's image draws it.
            Self::load_fixtures(&store, &options, &clock, &Self::history_entropy(&options)).await?;
            meta = store.meta_all().await?;
        } else {
            // Uploads a crash interrupted never finish: say so.
            let unfinished = [UploadStatus::Queued.as_str(), UploadStatus::Parsing.as_str()];
            let (failed, stamp) = (UploadStatus::Failed.as_str(), clock.stamp());
            store::uploads::finish_unfinished(store.writer(), unfinished, failed, uploads::INTERRUPTED, &stamp).await?;
            store::lists::move_state(store.writer(), Dialing.as_str(), Pending.as_str()).await?;
        }
        let config = store::config::load(store.writer()).await?;
        let recording_seed = match meta.get("recording_seed").and_then(|s| s.parse::<u64>().ok()) {
            Some(seed) => seed,
            None => {
                store.set_meta("recording_seed", &options.seed.to_string()).await?;
                options.seed
            }
        };
        let recordings = meta
            .get("recordings")
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| options.fixtures.recordings.clone());
        let legs = store::records::count_cdrs(store.writer()).await?;
        Ok(Self::assemble(options, store, generation, Arc::new(config), recording_seed, recordings, legs))
    }

    /// The world around its opened store.
    fn assemble(
        options: WorldOptions,
        store: Store,
        generation: u64,
        config: Arc<Config>,
        recording_seed: u64,
        recordings: recordings::Policy,
        legs: i64,
    ) -> Self {
        let clock = Clock::new(options.clock_mode, options.zone, options.clock_start);
        let entropy = Entropy::new(options.seed, &options.name, generation);
        let token_entropy = Entropy::new(options.seed, &format!("{}/tokens", options.name), generation);
        let engine_rng = Entropy::new(options.seed, &format!("{}/engine", options.name), generation);
        let engine = simulation::build_engine(&config, &clock, engine_rng, options.traffic);
        let journal = crate::journal::Journal::new(&options.name, options.zone, Arc::clone(&options.journal_budget));
        Self {
            name: options.name,
            store,
            clock,
            entropy,
            token_entropy,
            catalog: options.fixtures.catalog,
            config,
            background: Arc::default(),
            engine: crate::engine::Shared::new(engine),
            numbering: Mutex::new(Numbering::starting_at(legs as u64 * 2)),
            journal,
            faults: Default::default(),
            events: std::sync::OnceLock::new(),
            seen: Mutex::new(events::Seen::default()),
            recordings,
            recording_seed,
            audio_cache: options.audio_cache,
            tokens: Mutex::default(),
            blacklist_group: Arc::default(),
            closed: Default::default(),
        }
    }

    /// Fills a new database from the fixtures: configuration, invented history, demo lists.
    async fn load_fixtures(
        store: &Store,
        options: &WorldOptions,
        clock: &Clock,
        entropy: &Entropy,
    ) -> Result<(), StoreError> {
        let mut tx = store.writer().begin().await?;
        store::config::insert(&mut tx, &options.fixtures.config).await?;
        Self::load_drawn(&mut tx, options, clock, entropy).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a new world draws from its seed and clock (its history, the demo lists) and the rest
    /// of its fixtures besides the configuration, within the caller's transaction.
    async fn load_drawn(
        tx: &mut sqlx::SqliteConnection,
        options: &WorldOptions,
        clock: &Clock,
        entropy: &Entropy,
    ) -> Result<(), StoreError> {
        let drawn = Drawn::new(options, clock, entropy);
        store::fresh::insert(tx, &Self::fresh_rows(options, clock, &drawn)).await
    }

    /// What a new world writes besides its configuration: what it drew, its pinned recordings,
    /// and its `meta` (when it was made, where its recordings go).
    fn fresh_rows<'a>(options: &'a WorldOptions, clock: &Clock, drawn: &'a Drawn) -> store::fresh::Rows<'a> {
        let policy = &options.fixtures.recordings;
        let pins = policy
            .pinned
            .iter()
            .map(|pin| {
                [pin.guid.as_str(), pin.place.host.as_str(), pin.place.folder.as_str(), pin.place.format.as_str()]
            })
            .collect();
        let policy = recordings::Policy { spread: policy.spread, pinned: Vec::new() };
        let meta = vec![
            ("world", clock.stamp()),
            ("recording_seed", options.seed.to_string()),
            ("recordings", serde_json::to_string(&policy).unwrap_or_default()),
        ];
        store::fresh::Rows { cdrs: &drawn.cdrs, lists: &drawn.lists, pins, meta }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the instance for good (it is evicted, reset or deleted): the engine stops, once a
    /// step it is taking has stored its calls, then the database's connections close. Requests
    /// that still hold the world are answered 503 from then on.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        drop(self.engine.lock().await);
        self.store.close().await;
    }

    /// Whether [`World::close`] began.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub fn entropy(&self) -> &Entropy {
        &self.entropy
    }

    /// The stream of the instance's tokens.
    pub fn token_entropy(&self) -> &Entropy {
        &self.token_entropy
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// What clients sent this instance.
    pub fn journal(&self) -> &crate::journal::Journal {
        &self.journal
    }

    /// The faults armed on this instance.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    /// Starts work that goes on after the answer (upload parsing). It counts as running from now
    /// until it ends (or panics, or is cancelled).
    pub(crate) fn spawn_background(&self, work: impl Future<Output = ()> + Send + 'static) {
        let running = Running::start(&self.background);
        tokio::spawn(async move {
            let _running = running;
            work.await;
        });
    }

    /// Whether [`World::settle`] has nothing to wait for: the clock is not manual, or no
    /// background work is running.
    pub fn is_settled(&self) -> bool {
        self.clock.mode() != ClockMode::Manual || self.background.running.load(Ordering::SeqCst) == 0
    }

    /// Waits for background work: under the manual clock it finishes before the next answer
    /// (docs/contract.md, section 1), so a test sees an upload's result without polling. Work that other
    /// background work starts is waited for too.
    pub async fn settle(&self) {
        if self.clock.mode() != ClockMode::Manual {
            return;
        }
        loop {
            let ended = self.background.ended.notified();
            tokio::pin!(ended);
            // Registered before the count is read, so an end in between is not missed.
            ended.as_mut().enable();
            if self.background.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            ended.await;
        }
    }
}

/// The instance's background work: how much is running, and a signal each time some ends.
#[derive(Debug, Default)]
struct Background {
    running: AtomicUsize,
    ended: tokio::sync::Notify,
}

/// One piece of background work, counted from its start until this is dropped.
struct Running(Arc<Background>);

impl Running {
    fn start(background: &Arc<Background>) -> Self {
        background.running.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(background))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        self.0.ended.notify_waiters();
    }
}
