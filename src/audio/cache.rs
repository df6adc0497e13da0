//! Made recordings, kept while they fit: a byte-bounded cache shared by every instance (the same
//! seed, call and format always make the same bytes, so instances can share entries).
//!
//! The bound holds for files being read too: a file a response is still sending stays counted
//! (and is not evicted) until the response lets it go, and a file that would not fit beside the
//! files being read is not made ([`Refused::Busy`]): however many clients read recordings, and
//! however slowly, recordings take at most the cache's capacity. A file asked for by several
//! requests at once is made once. Making is CPU work off the async threads, in two lanes: long
//! files one at a time, shorter ones one per core, so a one-minute file never waits for hours of
//! sound to be made before it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::Semaphore;

/// A made file, shared by the cache and the responses sending it.
pub type Audio = Arc<Bytes>;

/// Files of more than this many seconds of sound are made in the long lane.
pub const LONG_SECONDS: u32 = 600;

/// What a cached file is made from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub seed: u64,
    pub guid: String,
    pub seconds: u32,
    /// `gsm`, `mp3`, or `gsm>mp3` for a conversion.
    pub kind: &'static str,
}

/// Why a file was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// It would not fit beside the files being read now: try again when they are done.
    Busy(String),
    /// Making it failed (a codec).
    Failed(String),
}

/// A file being made: where its result will be sent (requests for it subscribe).
type Making = Arc<tokio::sync::watch::Sender<Option<Result<Audio, Refused>>>>;

/// The files one client is being sent: by file, its length and how many answers send it.
type Reading = HashMap<String, (usize, usize)>;

/// Files by key, least recently used out first once `capacity` bytes are held.
#[derive(Debug)]
pub struct Cache {
    capacity: usize,
    inner: Mutex<Inner>,
    short: Semaphore,
    long: Semaphore,
    /// Files made so far (a HEAD or a range of a cached file makes none).
    made: AtomicUsize,
    /// The files each client is being sent now, by its address, with their lengths and how many
    /// answers send each (see [`Cache::lease`]).
    reading: Mutex<HashMap<IpAddr, Reading>>,
}

#[derive(Debug, Default)]
struct Inner {
    files: HashMap<Key, (Audio, u64)>,
    /// Files being made now, so a second request waits for the first's result, with the bytes
    /// set aside for each once its making began (none while it waits for its lane).
    making: HashMap<Key, (Making, usize)>,
    /// Bytes of the kept files, and set aside for those being made.
    bytes: usize,
    tick: u64,
}

impl Inner {
    fn get(&mut self, key: &Key) -> Option<Audio> {
        self.tick += 1;
        let tick = self.tick;
        self.files.get_mut(key).map(|(audio, used)| {
            *used = tick;
            Arc::clone(audio)
        })
    }

    /// Bytes that are not the cache's to drop: files being read, files being made.
    fn held(&self) -> usize {
        let evictable: usize =
            self.files.values().filter(|(audio, _)| Arc::strong_count(audio) == 1).map(|(audio, _)| audio.len()).sum();
        self.bytes.saturating_sub(evictable)
    }

    /// Drops the least recently used files no response holds until `wanted` more bytes fit, when
    /// they can be made to (nothing is dropped otherwise); answers whether they fit.
    fn make_room(&mut self, capacity: usize, wanted: usize) -> bool {
        if self.held() + wanted > capacity {
            return false;
        }
        while self.bytes + wanted > capacity {
            let oldest = self
                .files
                .iter()
                .filter(|(_, (audio, _))| Arc::strong_count(audio) == 1)
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { return false };
            if let Some((gone, _)) = self.files.remove(&oldest) {
                self.bytes -= gone.len();
            }
        }
        true
    }
}

impl Cache {
    /// A cache of `capacity` bytes (at least [`Cache::MIN`]: the largest making must fit).
    pub fn new(capacity: usize) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Self {
            capacity: capacity.max(Self::MIN),
            inner: Mutex::new(Inner::default()),
            short: Semaphore::new(cores),
            long: Semaphore::new(1),
            made: AtomicUsize::new(0),
            reading: Mutex::default(),
        }
    }

    /// The smallest capacity: what the largest making holds, a two-hour GSM converted to MP3.
    pub const MIN: usize = super::mp3::len_of(super::MAX_SECONDS as usize * super::RATE as usize)
        + super::gsm::len_of(super::MAX_SECONDS as usize * super::RATE as usize);

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &Key) -> Option<Audio> {
        self.lock().get(key)
    }

    /// The file of `key`, `len` bytes long: from the cache, or from the making already under way,
    /// or made now by `make` on a blocking thread in its lane. Room for it is set aside when its
    /// making begins; `Busy` when it would not fit beside the files being read and made. A making
    /// nobody waits for any more when its turn comes is dropped.
    pub async fn get_or_make(
        self: &Arc<Self>,
        key: Key,
        len: usize,
        make: impl FnOnce() -> Result<Bytes, String> + Send + 'static,
    ) -> Result<Audio, Refused> {
        let mut waiting = {
            let mut inner = self.lock();
            if let Some(audio) = inner.get(&key) {
                return Ok(audio);
            }
            match inner.making.get(&key) {
                Some((making, _)) => making.subscribe(),
                None => {
                    if inner.held() + len > self.capacity {
                        return Err(self.busy(&inner));
                    }
                    let (done, waiting) = tokio::sync::watch::channel(None);
                    let making = Arc::new(done);
                    inner.making.insert(key.clone(), (Arc::clone(&making), 0));
                    tokio::spawn(Arc::clone(self).make(key, len, make, making));
                    waiting
                }
            }
        };
        match waiting.wait_for(Option::is_some).await {
            Ok(result) => result.clone().unwrap_or_else(|| Err(Refused::Failed("no result".into()))),
            Err(_) => Err(Refused::Failed("the audio task ended without a result".into())),
        }
    }

    fn busy(&self, inner: &Inner) -> Refused {
        Refused::Busy(format!(
            "recordings being read or made hold the cache ({} of {} bytes): try again when they are done",
            inner.held(),
            self.capacity
        ))
    }

    /// Makes the file of `key` in its lane once it fits, keeps it, and tells the requests waiting.
    async fn make(
        self: Arc<Self>,
        key: Key,
        len: usize,
        make: impl FnOnce() -> Result<Bytes, String> + Send + 'static,
        done: Making,
    ) {
        let lane = if key.seconds > LONG_SECONDS { &self.long } else { &self.short };
        let permit = lane.acquire().await;
        let ready = {
            let mut inner = self.lock();
            if done.receiver_count() == 0 {
                // Everybody who asked went away while it waited for its lane.
                inner.making.remove(&key);
                return;
            }
            if inner.make_room(self.capacity, len) {
                inner.bytes += len;
                if let Some(entry) = inner.making.get_mut(&key) {
                    entry.1 = len;
                }
                Ok(())
            } else {
                Err(self.busy(&inner))
            }
        };
        let result = match (permit, ready) {
            (Err(e), _) => Err(Refused::Failed(e.to_string())),
            (_, Err(busy)) => Err(busy),
            (Ok(_permit), Ok(())) => {
                self.made.fetch_add(1, Ordering::Relaxed);
                match tokio::task::spawn_blocking(make).await {
                    Ok(Ok(bytes)) => Ok(Arc::new(bytes)),
                    Ok(Err(e)) => Err(Refused::Failed(e)),
                    Err(e) => Err(Refused::Failed(format!("the audio task failed: {e}"))),
                }
            }
        };
        {
            let mut inner = self.lock();
            if let Some((_, reserved)) = inner.making.remove(&key) {
                inner.bytes -= reserved;
            }
            if let Ok(audio) = &result {
                inner.tick += 1;
                inner.bytes += audio.len();
                let tick = inner.tick;
                if let Some((old, _)) = inner.files.insert(key, (Arc::clone(audio), tick)) {
                    inner.bytes -= old.len();
                }
                inner.make_room(self.capacity, 0);
            }
        }
        let _ = done.send(Some(result));
    }

    /// The most one client may be sent at once: half the cache, so one slow client reading long
    /// files leaves the other half to everyone else (and never less than the largest file needs).
    pub fn share(&self) -> usize {
        (self.capacity / 2).max(Self::MIN)
    }

    /// Room for `reader` to be sent the file `file` of `len` bytes, within its
    /// [`Cache::share`]; held until the [`Lease`] is dropped (when its answer is done with). A file
    /// the reader is being sent already takes no more room (ranges of one file share it). A
    /// reader of no known address has no share to keep within.
    pub fn lease(self: &Arc<Self>, reader: Option<IpAddr>, file: &str, len: usize) -> Result<Lease, Refused> {
        if let Some(reader) = reader {
            let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
            let files = reading.entry(reader).or_default();
            let held: usize = files.values().map(|(len, _)| len).sum();
            let more = if files.contains_key(file) { 0 } else { len };
            if held > 0 && held + more > self.share() {
                return Err(Refused::Busy(format!(
                    "this client ({reader}) is being sent {held} bytes of recordings already, and may be sent \
                     {} at once (half the cache, --recording-cache-mb): try again when those are done",
                    self.share()
                )));
            }
            files.entry(file.to_string()).or_insert((len, 0)).1 += 1;
        }
        Ok(Lease { cache: Arc::clone(self), reader, file: file.to_string() })
    }

    /// Bytes held now (kept, being read, being made).
    pub fn held(&self) -> usize {
        self.lock().bytes
    }

    /// Files made since the start.
    pub fn made(&self) -> usize {
        self.made.load(Ordering::Relaxed)
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// A client's room for one file being sent ([`Cache::lease`]).
#[derive(Debug)]
pub struct Lease {
    cache: Arc<Cache>,
    reader: Option<IpAddr>,
    file: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(reader) = self.reader else { return };
        let mut reading = self.cache.reading.lock().unwrap_or_else(|e| e.into_inner());
        let Some(files) = reading.get_mut(&reader) else { return };
        if let Some((_, leases)) = files.get_mut(&self.file) {
            *leases -= 1;
            if *leases == 0 {
                files.remove(&self.file);
            }
        }
        if files.is_empty() {
            reading.remove(&reader);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(n: u32, seconds: u32) -> Key {
        Key { seed: 1, guid: format!("g{n}"), seconds, kind: "gsm" }
    }

    /// Makes file `n` of `size` bytes, right away.
    async fn file(cache: &Arc<Cache>, n: u32, size: usize) -> Result<Audio, Refused> {
        cache.get_or_make(key(n, 60), size, move || Ok(Bytes::from(vec![0; size]))).await
    }

    #[test]
    fn a_client_is_sent_at_most_its_share_at_once() {
        let cache = Arc::new(Cache::new(4 * Cache::MIN));
        let (a, b) = ("127.0.0.2".parse().ok(), "127.0.0.3".parse().ok());
        let share = cache.share();
        assert_eq!(share, 2 * Cache::MIN);
        let first = cache.lease(a, "f1", share - 10).unwrap();
        assert!(matches!(cache.lease(a, "f2", 11), Err(Refused::Busy(_))), "past its share");
        let again = cache.lease(a, "f1", share - 10).unwrap();
        let second = cache.lease(a, "f2", 10).unwrap();
        let other = cache.lease(b, "f3", share).unwrap();
        assert!(cache.lease(None, "f4", 10 * share).is_ok(), "no address, no share");
        drop((first, second));
        assert!(matches!(cache.lease(a, "f5", 11), Err(Refused::Busy(_))), "f1 is still being sent once");
        drop(again);
        // A lone file larger than the share is still sent to a client that is sent nothing else.
        assert!(cache.lease(a, "f6", 3 * share).is_ok());
        drop(other);
        assert!(cache.reading.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn keeps_within_its_bound_dropping_the_least_recently_used() {
        let cache = Arc::new(Cache::new(0));
        let third = Cache::MIN / 3 + 1;
        drop(file(&cache, 1, third).await.unwrap());
        drop(file(&cache, 2, third).await.unwrap());
        assert!(cache.get(&key(1, 60)).is_some());
        drop(file(&cache, 3, third).await.unwrap());
        assert!(cache.get(&key(2, 60)).is_none(), "the least recently used went");
        assert!(cache.get(&key(1, 60)).is_some() && cache.get(&key(3, 60)).is_some());
        assert_eq!((cache.held(), cache.made()), (2 * third, 3));
    }

    #[tokio::test]
    async fn files_being_read_stay_counted_and_nothing_is_made_past_them() {
        let cache = Arc::new(Cache::new(0));
        let half = Cache::MIN / 2;
        let read_1 = file(&cache, 1, half).await.unwrap();
        let read_2 = file(&cache, 2, half).await.unwrap();
        // Both are being sent: a third file does not fit, and neither is evicted for it.
        assert!(matches!(file(&cache, 3, half).await, Err(Refused::Busy(_))));
        assert_eq!((cache.held(), cache.made()), (2 * half, 2));
        drop(read_1);
        assert!(file(&cache, 3, half).await.is_ok(), "a file no longer read makes room");
        assert!(cache.get(&key(1, 60)).is_none() && cache.get(&key(2, 60)).is_some());
        drop(read_2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_file_is_not_made_behind_a_long_one() {
        let cache = Arc::new(Cache::new(0));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let long = {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move {
                let make = move || {
                    wait.recv().ok();
                    Ok(Bytes::from_static(b"hours"))
                };
                cache.get_or_make(key(1, 7200), 5, make).await
            })
        };
        while cache.made() == 0 {
            tokio::task::yield_now().await;
        }
        // The long lane is taken and its file waits; a minute of sound is made beside it.
        assert_eq!(file(&cache, 2, 10).await.unwrap().len(), 10);
        release.send(()).unwrap();
        assert_eq!(long.await.unwrap().unwrap().as_ref(), &Bytes::from_static(b"hours"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_asked_for_at_once_is_made_once() {
        let cache = Arc::new(Cache::new(0));
        let made = Arc::new(AtomicUsize::new(0));
        let asks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, made) = (Arc::clone(&cache), Arc::clone(&made));
                tokio::spawn(async move {
                    cache
                        .get_or_make(key(7, 60), 5, move || {
                            made.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(100));
                            Ok(Bytes::from_static(b"audio"))
                        })
                        .await
                })
            })
            .collect();
        for ask in asks {
            assert_eq!(ask.await.unwrap().unwrap().as_ref(), &Bytes::from_static(b"audio"));
        }
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert!(cache.get(&key(7, 60)).is_some());
    }

    #[tokio::test]
    async fn room_is_made_only_when_it_suffices() {
        let cache = Arc::new(Cache::new(0));
        let third = Cache::MIN / 3;
        let read = file(&cache, 1, third).await.unwrap();
        drop(file(&cache, 2, third).await.unwrap());
        // Two thirds held, one of them read: a file one byte more than the rest cannot fit, and
        // evicts nothing.
        assert!(matches!(file(&cache, 3, Cache::MIN - third + 1).await, Err(Refused::Busy(_))));
        assert!(cache.get(&key(2, 60)).is_some(), "nothing was dropped for a refusal");
        drop(read);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_making_nobody_waits_for_is_dropped() {
        let cache = Arc::new(Cache::new(0));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move {
                cache
                    .get_or_make(key(1, 7200), 5, move || {
                        wait.recv().ok();
                        Ok(Bytes::from_static(b"first"))
                    })
                    .await
            })
        };
        while cache.made() == 0 {
            tokio::task::yield_now().await;
        }
        // A second long file waits for the lane; its client goes away.
        let second = {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.get_or_make(key(2, 7200), 5, || Ok(Bytes::from_static(b"second"))).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        second.abort();
        // Gone for good (its receiver dropped) before the lane frees: an abort only asks.
        assert!(second.await.unwrap_err().is_cancelled());
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(cache.made(), 1, "the second file was not made");
        assert!(cache.get(&key(2, 7200)).is_none());
    }
}
