//! The instance's one source of randomness (docs/contract.md, section 1): tokens, guids and fixture
//! history all draw from it, so the same `--seed` answers the same.

use std::sync::Mutex;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A seeded, portable random stream shared by everything in one instance.
#[derive(Debug)]
pub struct Entropy {
    rng: Mutex<ChaCha8Rng>,
}

impl Entropy {
    /// The stream of instance `name` under the server's `seed`; `generation` counts restarts of a
    /// persistent database so a restarted server does not hand out the tokens it already gave.
    pub fn new(seed: u64, name: &str, generation: u64) -> Self {
        Self { rng: Mutex::new(ChaCha8Rng::seed_from_u64(derive_seed(seed, name, generation))) }
    }

    pub fn next_u64(&self) -> u64 {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).next_u64()
    }

    /// A uniform float in [0, 1).
    pub fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `low..=high`.
    pub fn between(&self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high - low) as u64 + 1;
        low + (self.next_u64() % span) as i64
    }

    /// A lowercase UUID v4 in text, drawn from the stream.
    pub fn guid(&self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
    }
}

/// A seed for when the user gave none: different on every start.
pub fn unseeded() -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    splitmix(nanos ^ (u64::from(std::process::id()) << 32))
}

fn derive_seed(seed: u64, name: &str, generation: u64) -> u64 {
    // FNV-1a over the name, then mixed: stable across platforms and releases.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(seed ^ splitmix(hash ^ splitmix(generation)))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_names_differ() {
        let a = Entropy::new(7, "default", 1);
        let b = Entropy::new(7, "default", 1);
        let c = Entropy::new(7, "acme", 1);
        let first = a.guid();
        assert_eq!(first, b.guid());
        assert_ne!(first, c.guid());
        assert_eq!(first.len(), 36);
        assert_eq!(&first[14..15], "4");
    }
}
