//! Made recordings, kept while they fit: a byte-bounded cache shared by every instance (the same
//! seed, call and format always make the same bytes, so instances can share entries). A file asked
//! for by several requests at once is made once, and at most one file per core is made at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::{OnceCell, Semaphore};

/// What a cached file is made from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub seed: u64,
    pub guid: String,
    pub seconds: u32,
    /// `gsm`, `mp3`, or `gsm>mp3` for a conversion.
    pub kind: &'static str,
}

type Making = Arc<OnceCell<Result<Bytes, String>>>;

/// Files by key, least recently used out first once `capacity` bytes are held.
#[derive(Debug)]
pub struct Cache {
    capacity: usize,
    inner: Mutex<Inner>,
    /// One permit per core: making audio is CPU work off the async threads.
    workers: Semaphore,
}

#[derive(Debug, Default)]
struct Inner {
    files: HashMap<Key, (Bytes, u64)>,
    /// Files being made now, so a second request waits for the first's result.
    making: HashMap<Key, Making>,
    bytes: usize,
    tick: u64,
}

impl Inner {
    fn get(&mut self, key: &Key) -> Option<Bytes> {
        self.tick += 1;
        let tick = self.tick;
        self.files.get_mut(key).map(|(bytes, used)| {
            *used = tick;
            bytes.clone()
        })
    }

    fn put(&mut self, capacity: usize, key: Key, bytes: Bytes) {
        if bytes.len() > capacity {
            return;
        }
        self.tick += 1;
        self.bytes += bytes.len();
        if let Some((old, _)) = self.files.insert(key, (bytes, self.tick)) {
            self.bytes -= old.len();
        }
        while self.bytes > capacity {
            let Some(oldest) = self.files.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((gone, _)) = self.files.remove(&oldest) {
                self.bytes -= gone.len();
            }
        }
    }
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Self { capacity, inner: Mutex::new(Inner::default()), workers: Semaphore::new(cores) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &Key) -> Option<Bytes> {
        self.lock().get(key)
    }

    /// Keeps `bytes` (unless larger than the whole cache), dropping the least recently used.
    pub fn put(&self, key: Key, bytes: Bytes) {
        self.lock().put(self.capacity, key, bytes);
    }

    /// The file of `key`: from the cache, or from the making already under way, or made now by
    /// `make` on a blocking thread.
    pub async fn get_or_make(
        &self,
        key: Key,
        make: impl FnOnce() -> Result<Bytes, String> + Send + 'static,
    ) -> Result<Bytes, String> {
        let making = {
            let mut inner = self.lock();
            if let Some(bytes) = inner.get(&key) {
                return Ok(bytes);
            }
            Arc::clone(inner.making.entry(key.clone()).or_default())
        };
        let result = making
            .get_or_init(|| async {
                let _permit = self.workers.acquire().await.map_err(|e| e.to_string())?;
                tokio::task::spawn_blocking(make).await.map_err(|e| format!("the audio task failed: {e}"))?
            })
            .await
            .clone();
        let mut inner = self.lock();
        if inner.making.get(&key).is_some_and(|m| Arc::ptr_eq(m, &making)) {
            inner.making.remove(&key);
            if let Ok(bytes) = &result {
                inner.put(self.capacity, key, bytes.clone());
            }
        }
        result
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(n: u32) -> Key {
        Key { seed: 1, guid: format!("g{n}"), seconds: n, kind: "gsm" }
    }

    #[test]
    fn keeps_within_its_bound_dropping_the_least_recently_used() {
        let cache = Cache::new(100);
        cache.put(key(1), Bytes::from(vec![0; 40]));
        cache.put(key(2), Bytes::from(vec![0; 40]));
        assert!(cache.get(&key(1)).is_some());
        cache.put(key(3), Bytes::from(vec![0; 40]));
        assert!(cache.get(&key(2)).is_none(), "the least recently used went");
        assert!(cache.get(&key(1)).is_some() && cache.get(&key(3)).is_some());
        assert_eq!(cache.held(), 80);
        cache.put(key(4), Bytes::from(vec![0; 101]));
        assert!(cache.get(&key(4)).is_none(), "larger than the cache: not kept");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_asked_for_at_once_is_made_once() {
        let cache = Arc::new(Cache::new(1 << 20));
        let made = Arc::new(AtomicUsize::new(0));
        let asks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, made) = (Arc::clone(&cache), Arc::clone(&made));
                tokio::spawn(async move {
                    cache
                        .get_or_make(key(7), move || {
                            made.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(100));
                            Ok(Bytes::from_static(b"audio"))
                        })
                        .await
                })
            })
            .collect();
        for ask in asks {
            assert_eq!(ask.await.unwrap().unwrap(), Bytes::from_static(b"audio"));
        }
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert!(cache.get(&key(7)).is_some());
    }
}
