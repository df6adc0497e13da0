//! Isolated instances (docs/contract.md, "Instances"): many worlds at once, each with its own
//! database, clock, seed, engine and tokens, created from the fixtures on first use. Which one a
//! request names is the HTTP layer's business (`http::instance`); this is the registry.
//!
//! It is bounded: at most `--max-instances` live at once, the least recently used (never
//! `default`) evicted with their database files and their own fixtures, and no more instance files
//! than that on disk (files left by an earlier run count too). Nothing is created for a request
//! that cannot be one of the instance's own: see [`Instances::existing`].

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::store::{Location, Store, StoreError};
use crate::world::error::Failure;
use crate::world::fixtures::FixtureSet;
use crate::world::{World, WorldOptions};

/// The name every request without another gets.
pub const DEFAULT: &str = "default";

/// How many evicted names are remembered (a `DELETE` of one answers that it is gone).
const EVICTED: usize = 1024;

/// Every live instance, and how to make a new one.
#[derive(Debug)]
pub struct Instances {
    /// The options of `default`; other instances differ in name and database.
    template: WorldOptions,
    max: usize,
    live: Mutex<Live>,
    /// A fresh world's database, made once: new instances start from it (milliseconds, where
    /// loading the fixtures takes tens), those in memory sharing its pages (`store::shared`).
    image: tokio::sync::OnceCell<Arc<[u8]>>,
    /// A fresh in-memory database opened ahead of the next new instance, which takes it instead of
    /// opening one while its first request waits (a suite that gives each test an instance makes
    /// them one after another).
    spare: Arc<Spare>,
    /// The most recently used instance: a request for it needs no async lock (most servers see
    /// one instance, and a burst of requests usually goes to the same one).
    recent: std::sync::Mutex<Option<(String, Arc<World>)>>,
}

#[derive(Debug, Default)]
struct Live {
    worlds: HashMap<String, Arc<World>>,
    /// Instances given fixtures of their own (`POST /_mock/fixtures`); reset keeps them, eviction
    /// and delete forget them.
    fixtures: HashMap<String, FixtureSet>,
    /// Names, least recently used first.
    recency: Vec<String>,
    /// Names evicted lately, oldest first.
    evicted: VecDeque<String>,
    /// The instance files on disk that no live instance holds (an earlier run's), oldest first:
    /// read from the folder by the first new instance.
    idle_files: Option<Vec<(std::time::SystemTime, String)>>,
    /// Instances whose store is being closed, out of the registry: held until their files are gone.
    closing: HashMap<String, Arc<Mutex<()>>>,
}

/// An instance taken out of the registry, its store still to close.
#[derive(Debug)]
struct Taken {
    name: String,
    world: Option<Arc<World>>,
    closing: Arc<Mutex<()>>,
    /// Held until the store is closed and the files are gone.
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

/// Why a text is not an instance name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadName(pub String);

/// An instance name: lowercased, `[a-z0-9-]{1,63}`.
pub fn valid_name(chosen: &str) -> Result<String, BadName> {
    let name = chosen.to_ascii_lowercase();
    let valid = (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid { Ok(name) } else { Err(BadName(format!("{chosen:?} is not an instance name ([a-z0-9-]{{1,63}})"))) }
}

impl Instances {
    pub fn new(template: WorldOptions, max: usize) -> Self {
        Self {
            template,
            max: max.max(1),
            live: Mutex::new(Live::default()),
            image: tokio::sync::OnceCell::new(),
            spare: Arc::default(),
            recent: std::sync::Mutex::new(None),
        }
    }

    /// The instance `name`, created from the fixtures when it does not exist yet.
    pub async fn get(&self, name: &str) -> Result<Arc<World>, StoreError> {
        match self.recent_named(name) {
            Some(world) => Ok(world),
            None => self.get_slow(name).await,
        }
    }

    /// The instance `name` if it exists: live, or kept in its database file by an earlier run
    /// (then opened). `None` for an instance that would have to be created: a request refused
    /// before it could reach one (no token can be live there, no recording made) creates nothing.
    pub async fn existing(&self, name: &str) -> Result<Option<Arc<World>>, StoreError> {
        if let Some(world) = self.recent_named(name) {
            return Ok(Some(world));
        }
        let stored = match self.location(name) {
            Location::File(path) => path.exists(),
            Location::Memory => false,
        };
        if stored || self.live.lock().await.worlds.contains_key(name) {
            self.get(name).await.map(Some)
        } else {
            Ok(None)
        }
    }

    /// [`Instances::existing`] for a request that needs a live token: an instance an earlier run left
    /// on disk is opened only when `token` is live in it (read from its file without opening it), so
    /// a refused request changes nothing there.
    pub async fn existing_for_token(&self, name: &str, token: Option<&str>) -> Result<Option<Arc<World>>, StoreError> {
        if let Some(world) = self.recent_named(name) {
            return Ok(Some(world));
        }
        if self.live.lock().await.worlds.contains_key(name) {
            return self.get(name).await.map(Some);
        }
        let (Location::File(path), Some(token)) = (self.location(name), token) else { return Ok(None) };
        if !path.exists() {
            return Ok(None);
        }
        // A file that cannot be read for it holds no live token that can be proven: 401, not 500.
        // The token as sent, or as the real server decodes it (`World::credential_user`).
        let lenient = crate::model::token::leniently_decoded(token);
        let found = match crate::store::sessions::live_user_at(&path, token).await {
            Ok(None) if lenient.is_some() => {
                crate::store::sessions::live_user_at(&path, lenient.as_deref().unwrap_or_default()).await
            }
            other => other,
        };
        match found {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(instance = name, error = %e, "could not look a token up in an instance file");
                return Ok(None);
            }
        }
        self.get(name).await.map(Some)
    }

    /// Instance `name` if it is live now: an instance only kept on disk is not opened for it.
    pub async fn live(&self, name: &str) -> Option<Arc<World>> {
        match self.recent_named(name) {
            Some(world) => Some(world),
            None => self.live.lock().await.worlds.get(name).cloned(),
        }
    }

    /// The database file an earlier run left for instance `name`, when it is not live.
    async fn stored(&self, name: &str) -> Option<std::path::PathBuf> {
        match self.location(name) {
            Location::File(path) if path.exists() && self.live(name).await.is_none() => Some(path),
            _ => None,
        }
    }

    /// Instance `name` for a login of `user` with `password`: one that does not exist yet is
    /// created, and one an earlier run left on disk is opened, only when the account is there (read
    /// from its file without opening it), so a refused login changes nothing.
    pub async fn for_login(&self, name: &str, user: &str, password: &str) -> Result<Arc<World>, Failure> {
        if let Some(world) = self.live(name).await {
            return Ok(world);
        }
        match self.stored(name).await {
            Some(path) => match crate::store::config::user_at(&path, user).await {
                Ok(found) => {
                    crate::world::auth::check_account(found.as_ref(), user, password)?;
                }
                // Opening it tells what is wrong with it.
                Err(e) => {
                    tracing::warn!(instance = name, error = %e, "could not look an account up in an instance file")
                }
            },
            None => {
                crate::world::auth::account(&self.template.fixtures.config, user, password)?;
            }
        }
        Ok(self.get(name).await?)
    }

    /// Instance `name` for an `EndSession` of `user`'s `token`: one an earlier run left on disk is
    /// opened only when that session is live there (read from its file without opening it).
    pub async fn for_end_session(&self, name: &str, user: &str, token: &str) -> Result<Option<Arc<World>>, StoreError> {
        if let Some(world) = self.live(name).await {
            return Ok(Some(world));
        }
        let Some(path) = self.stored(name).await else { return Ok(None) };
        match crate::store::sessions::live_user_at(&path, token).await {
            Ok(Some(owner)) if owner == user => self.get(name).await.map(Some),
            Ok(_) => Ok(None),
            Err(e) => {
                tracing::warn!(instance = name, error = %e, "could not look a token up in an instance file");
                Ok(None)
            }
        }
    }

    /// Instance `name` if it is the one last used (found without the async lock).
    pub fn recent_named(&self, name: &str) -> Option<Arc<World>> {
        match &*self.recent() {
            Some((recent, world)) if recent == name => Some(Arc::clone(world)),
            _ => None,
        }
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, Option<(String, Arc<World>)>> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The registry, once no store of instance `name` is still closing (its files go when it has
    /// closed, and a new instance of that name must not meet them).
    async fn settled(&self, name: &str) -> tokio::sync::MutexGuard<'_, Live> {
        loop {
            let live = self.live.lock().await;
            let Some(closing) = live.closing.get(name).cloned() else { return live };
            drop(live);
            drop(closing.lock().await);
        }
    }

    async fn get_slow(&self, name: &str) -> Result<Arc<World>, StoreError> {
        let mut live = self.settled(name).await;
        if let Some(world) = live.worlds.get(name).cloned() {
            if live.recency.last().is_none_or(|n| n != name) {
                live.recency.retain(|n| n != name);
                live.recency.push(name.to_string());
            }
            // Set under the lock, so a removal cannot slip in between.
            *self.recent() = Some((name.to_string(), Arc::clone(&world)));
            return Ok(world);
        }
        // The new instance opens before any other is evicted for it: an open that fails (no file
        // descriptor, no disk) costs no other instance its world.
        let fresh = match self.location(name) {
            Location::Memory => true,
            Location::File(path) => !path.exists(),
        };
        let world = Arc::new(self.open(&live, name, fresh).await?);
        live.recency.retain(|n| n != name);
        live.recency.push(name.to_string());
        live.worlds.insert(name.to_string(), Arc::clone(&world));
        live.evicted.retain(|n| n != name);
        *self.recent() = Some((name.to_string(), Arc::clone(&world)));
        let mut evicted = Vec::new();
        while live.worlds.len() > self.max {
            let Some(oldest) =
                live.recency.iter().find(|n| *n != name && *n != DEFAULT && live.worlds.contains_key(*n)).cloned()
            else {
                break;
            };
            evicted.push(self.take(&mut live, &oldest));
            live.evicted.push_back(oldest);
            if live.evicted.len() > EVICTED {
                live.evicted.pop_front();
            }
        }
        if fresh {
            self.prune_files(&mut live, name);
        }
        drop(live);
        for taken in evicted {
            self.finish(taken).await;
        }
        Ok(world)
    }

    /// Opens instance `name`'s world: from its own fixtures, a fresh world's image, or its file.
    async fn open(&self, live: &Live, name: &str, fresh: bool) -> Result<World, StoreError> {
        let mut options = self.options(name);
        let image = match live.fixtures.get(name).cloned() {
            Some(fixtures) => {
                options.fixtures = fixtures;
                None
            }
            // A world whose image is not kept, drawn in its own database at start: making an image
            // for instances that may never come would cost the start a copy and an open.
            None if fresh && name == DEFAULT && !World::image_is_kept(&options) && self.image.get().is_none() => {
                return World::open_drawn(options).await;
            }
            None if fresh => Some(
                self.image
                    .get_or_try_init(|| async { World::fresh_image(&self.template).await.map(Arc::from) })
                    .await?,
            ),
            None => None,
        };
        match image {
            Some(image) if options.location == Location::Memory => {
                // The default instance opens at start, whose time is not to be shared with a spare.
                let store = self.spare.take_or_open(image, name != DEFAULT).await?;
                Ok(World::with_image_store(options, store, image))
            }
            image => World::open_from(options, image).await,
        }
    }

    /// Takes instance `name` out of the registry: its world, its own fixtures and (once
    /// [`Instances::finish`] has closed its store, outside the registry's lock) its database files.
    /// Requests still holding the world are answered 503 with `Retry-After` from then on.
    fn take(&self, live: &mut Live, name: &str) -> Taken {
        live.recency.retain(|n| n != name);
        live.fixtures.remove(name);
        let world = live.worlds.remove(name);
        // Out of the fast path first, so no new request reaches a store being closed.
        {
            let mut recent = self.recent();
            if recent.as_ref().is_some_and(|(n, _)| n == name) {
                *recent = None;
            }
        }
        let closing = Arc::new(Mutex::new(()));
        let guard = Arc::clone(&closing).try_lock_owned().expect("a new lock is free");
        live.closing.insert(name.to_string(), Arc::clone(&closing));
        Taken { name: name.to_string(), world, closing, _guard: guard }
    }

    /// Closes a taken instance's store (waiting for the connections in use) and deletes its files:
    /// SQLite deletes a database's WAL files by name when its last connection closes, which would
    /// hit a new instance's files of the same name, so that name waits meanwhile. Answers whether
    /// the instance existed (live or on disk).
    async fn finish(&self, taken: Taken) -> bool {
        let existed = taken.world.is_some();
        if let Some(world) = &taken.world {
            world.close().await;
        }
        let removed = match self.location(&taken.name) {
            Location::File(path) => remove_database(&path),
            Location::Memory => false,
        };
        let mut live = self.live.lock().await;
        if live.closing.get(&taken.name).is_some_and(|c| Arc::ptr_eq(c, &taken.closing)) {
            live.closing.remove(&taken.name);
        }
        if let Some(idle) = live.idle_files.as_mut() {
            idle.retain(|(_, n)| *n != taken.name);
        }
        existed | removed
    }

    /// Keeps the instance files on disk within `--max-instances` before instance `name` gets a new
    /// one: files that no live instance holds (an earlier run's) go, the oldest first.
    /// The folder is read once: later, an idle file only goes (this registry deletes the files of
    /// the instances it evicts), so a new instance costs no read of a folder of thousands.
    fn prune_files(&self, live: &mut Live, name: &str) {
        let Location::File(default) = &self.template.location else { return };
        let idle = live.idle_files.get_or_insert_with(|| {
            let mut files = instance_files(default);
            files.sort();
            files
        });
        idle.retain(|(_, n)| n != name && !live.worlds.contains_key(n));
        // Live instances (default among them, and the new one) take their places first.
        let room = self.max.saturating_sub(live.worlds.len());
        if idle.len() <= room {
            return;
        }
        let excess = idle.len() - room;
        for (_, old) in idle.drain(..excess) {
            if let Location::File(path) = self.location(&old) {
                remove_database(&path);
            }
        }
    }

    /// Forgets instance `name`, its data and its own fixtures; it comes back fresh from the server's
    /// fixtures on next use. Answers whether it existed (live, on disk, or evicted lately).
    pub async fn delete(&self, name: &str) -> bool {
        let mut live = self.settled(name).await;
        let evicted = live.evicted.iter().any(|n| n == name);
        live.evicted.retain(|n| n != name);
        let taken = self.take(&mut live, name);
        drop(live);
        self.finish(taken).await || evicted
    }

    /// Replaces instance `name` with a fresh world from its fixtures.
    pub async fn reset(&self, name: &str) -> Result<Arc<World>, StoreError> {
        let mut live = self.settled(name).await;
        let own = live.fixtures.remove(name);
        let taken = self.take(&mut live, name);
        if let Some(own) = own {
            live.fixtures.insert(name.to_string(), own);
        }
        drop(live);
        self.finish(taken).await;
        self.get(name).await
    }

    /// Replaces instance `name` with a fresh world made from `fixtures` (kept across resets).
    pub async fn load(&self, name: &str, fixtures: FixtureSet) -> Result<Arc<World>, StoreError> {
        let mut live = self.settled(name).await;
        let taken = self.take(&mut live, name);
        live.fixtures.insert(name.to_string(), fixtures);
        drop(live);
        self.finish(taken).await;
        match self.get(name).await {
            Ok(world) => Ok(world),
            Err(e) => {
                // Fixtures that cannot make a world are forgotten: the instance stays usable.
                self.delete(name).await;
                Err(e)
            }
        }
    }

    /// Is instance `name` live (created and not evicted)?
    pub async fn is_live(&self, name: &str) -> bool {
        self.live.lock().await.worlds.contains_key(name)
    }

    /// Every live instance, by name.
    pub async fn all(&self) -> Vec<Arc<World>> {
        let live = self.live.lock().await;
        let mut worlds: Vec<Arc<World>> = live.worlds.values().cloned().collect();
        worlds.sort_by(|a, b| a.name().cmp(b.name()));
        worlds
    }

    /// The recordings made so far, shared by every instance.
    pub fn audio_cache(&self) -> &Arc<crate::audio::cache::Cache> {
        &self.template.audio_cache
    }

    /// How many sets of fixtures of their own instances hold (they go with their instance).
    pub async fn own_fixtures(&self) -> usize {
        self.live.lock().await.fixtures.len()
    }

    /// Where instance `name` keeps its data: `data/mock.db` keeps `acme` in `data/mock.acme.db`.
    fn location(&self, name: &str) -> Location {
        match &self.template.location {
            Location::Memory => Location::Memory,
            Location::File(path) if name == DEFAULT => Location::File(path.clone()),
            Location::File(path) => {
                let (stem, ext) = stem_and_extension(path);
                Location::File(path.with_file_name(format!("{stem}.{name}{ext}")))
            }
        }
    }

    fn options(&self, name: &str) -> WorldOptions {
        WorldOptions { name: name.to_string(), location: self.location(name), ..self.template.clone() }
    }
}

/// The in-memory database kept open for the next new instance.
#[derive(Debug, Default)]
struct Spare {
    ready: std::sync::Mutex<Option<Store>>,
    opening: std::sync::atomic::AtomicBool,
}

impl Spare {
    /// The database opened ahead, or one opened now; with `ahead`, the next one opens meanwhile, in
    /// the background.
    async fn take_or_open(self: &Arc<Self>, image: &Arc<[u8]>, ahead: bool) -> Result<Store, StoreError> {
        // Taken, and the next one's opening claimed, under one lock: the task that opens the next
        // publishes it and gives up its claim under it too, so no taker finds neither.
        let (ready, claimed) = {
            let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            let claimed = ahead && !self.opening.swap(true, std::sync::atomic::Ordering::AcqRel);
            (ready.take(), claimed)
        };
        let store = match ready {
            Some(store) => store,
            None => Store::open_shared(Arc::clone(image)).await?,
        };
        if claimed {
            let (spare, image) = (Arc::clone(self), Arc::clone(image));
            tokio::spawn(async move {
                // Read the schema now, which the instance's first statement would otherwise do.
                let opened = match Store::open_shared(image).await {
                    Ok(store) => store.warm().await.map(|()| store),
                    Err(e) => Err(e),
                };
                let mut ready = spare.ready.lock().unwrap_or_else(|e| e.into_inner());
                match opened {
                    Ok(store) => *ready = Some(store),
                    // Only a speed-up: the next instance opens its own.
                    Err(e) => tracing::debug!(error = %e, "could not open a database ahead"),
                }
                spare.opening.store(false, std::sync::atomic::Ordering::Release);
            });
        }
        Ok(store)
    }
}

/// `data/mock.db` is `("mock", ".db")`.
fn stem_and_extension(path: &Path) -> (String, String) {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "mock".into());
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    (stem, ext)
}

/// The instance databases beside `default` (`mock.<name>.db`), with when each was last written.
fn instance_files(default: &Path) -> Vec<(std::time::SystemTime, String)> {
    let (stem, ext) = stem_and_extension(default);
    let folder = match default.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&folder) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file = entry.file_name().into_string().ok()?;
            let name = file.strip_prefix(&format!("{stem}."))?.strip_suffix(&ext)?;
            let name = valid_name(name).ok().filter(|n| n == name && n != DEFAULT)?;
            let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
            Some((modified, name))
        })
        .collect()
}

/// Deletes a database and its WAL files; answers whether the database was there.
fn remove_database(path: &Path) -> bool {
    let existed = path.exists();
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.to_path_buf().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    existed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercased_and_checked() {
        assert_eq!(valid_name("Team-7"), Ok("team-7".into()));
        for bad in ["", "a_b", "a.b", &"x".repeat(64), "ñandú"] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
    }
}
