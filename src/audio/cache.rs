//! Made recordings, kept while they fit: a byte-bounded cache shared by every instance (the same
//! seed, call and format always make the same bytes, so instances can share entries).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// What a cached file is made from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub seed: u64,
    pub guid: String,
    pub seconds: u32,
    /// `gsm`, `mp3`, or `gsm>mp3` for a conversion.
    pub kind: &'static str,
}

/// Files by key, least recently used out first once `capacity` bytes are held.
#[derive(Debug)]
pub struct Cache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    files: HashMap<Key, (Bytes, u64)>,
    bytes: usize,
    tick: u64,
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Inner::default()) }
    }

    pub fn get(&self, key: &Key) -> Option<Bytes> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        inner.files.get_mut(key).map(|(bytes, used)| {
            *used = tick;
            bytes.clone()
        })
    }

    /// Keeps `bytes` (unless larger than the whole cache), dropping the least recently used.
    pub fn put(&self, key: Key, bytes: Bytes) {
        if bytes.len() > self.capacity {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        inner.bytes += bytes.len();
        if let Some((old, _)) = inner.files.insert(key, (bytes, tick)) {
            inner.bytes -= old.len();
        }
        while inner.bytes > self.capacity {
            let Some(oldest) = inner.files.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((gone, _)) = inner.files.remove(&oldest) {
                inner.bytes -= gone.len();
            }
        }
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
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
}
