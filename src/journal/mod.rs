//! The request journal of one instance: every Integra request with its form, the headers that
//! matter, the answer and its `X-Mock-Reason`. Tests ask it what a client sent.
//!
//! It is bounded twice: at most [`CAPACITY`] entries, and at most the byte budget every
//! instance's journal shares ([`Budget`], `--journal-mb`), the oldest going first; each entry is bounded on its own (values clipped, a
//! long body kept as its size, its digest and its first fields). Recording is on every request's
//! path and reading is rare, so a request is kept as its raw parts ([`Recorded`]) and rendered
//! into an [`Entry`] only when read. Tokens are masked when rendered.

mod budget;
mod entry;
mod pattern;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono_tz::Tz;
use serde_json::{Map, Value};
use tokio::sync::Notify;

pub use budget::Budget;
pub use entry::{BodyDigest, CLIP, Entry, Facts, FormRecord, HEADERS, Recorded, clip};
pub use pattern::Pattern;

/// How many requests an instance remembers at most.
pub const CAPACITY: usize = 10_000;
/// The default byte budget of every instance's journal together (`--journal-mb`).
pub const DEFAULT_BYTES: usize = 64 << 20;

/// The journal of one instance.
#[derive(Debug)]
pub struct Journal {
    instance: String,
    zone: Tz,
    budget: Arc<Budget>,
    shared: Arc<budget::Shared>,
    /// Entries rendered so far (the waiter test counts the work a wait does).
    #[cfg(test)]
    renders: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct Inner {
    /// The `seq` of the last entry recorded.
    last: u64,
    entries: VecDeque<Arc<Recorded>>,
    /// What the entries keep alive, by [`Recorded::size`].
    bytes: usize,
    /// `requests/wait` calls waiting now: each new entry is matched against them, and a waiter
    /// is woken only when its count is reached, so waiting costs nothing in between.
    waiters: Vec<Arc<Waiter>>,
}

/// One `requests/wait` call waiting.
#[derive(Debug)]
struct Waiter {
    pattern: Pattern,
    wanted: usize,
    matched: AtomicUsize,
    done: Notify,
}

impl Journal {
    /// The journal of instance `instance`, whose clock runs in `zone`, within `budget`.
    pub fn new(instance: &str, zone: Tz, budget: Arc<Budget>) -> Self {
        Self {
            instance: instance.to_string(),
            zone,
            budget,
            shared: Arc::default(),
            #[cfg(test)]
            renders: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// Records a request (its `seq` is given here), dropping the oldest beyond the bounds: this
    /// journal's past [`CAPACITY`], any journal's past the shared budget.
    /// Keeps `recorded`; answers its sequence number.
    pub fn record(&self, mut recorded: Recorded) -> u64 {
        let size = recorded.size();
        let (recorded, waiters) = {
            let mut inner = self.lock();
            inner.last += 1;
            recorded.seq = inner.last;
            inner.bytes += size;
            let recorded = Arc::new(recorded);
            inner.entries.push_back(Arc::clone(&recorded));
            self.budget.kept(&self.shared, recorded.seq, size);
            while inner.entries.len() > CAPACITY {
                inner.drop_oldest(&self.shared, &self.budget);
            }
            inner.mark_first(&self.shared);
            (recorded, inner.waiters.clone())
        };
        self.budget.trim();
        for waiter in waiters {
            if waiter.pattern.matches(&recorded, self.zone)
                && waiter.matched.fetch_add(1, Ordering::AcqRel) + 1 == waiter.wanted
            {
                waiter.done.notify_one();
            }
        }
        recorded.seq
    }

    /// Empties the journal; a waiter counts from nothing again.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.drop_all(&self.shared, &self.budget);
        for waiter in &inner.waiters {
            waiter.matched.store(0, Ordering::Release);
        }
    }

    /// The bytes this journal's entries keep alive now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// How many entries this journal keeps now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether this journal keeps no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries recorded after `seq`, oldest first (shared, not copied).
    pub fn after(&self, seq: u64) -> Vec<Arc<Recorded>> {
        self.page(seq, usize::MAX)
    }

    /// At most `max` entries recorded after `seq`, oldest first.
    pub fn page(&self, seq: u64, max: usize) -> Vec<Arc<Recorded>> {
        let inner = self.lock();
        let start = inner.entries.partition_point(|r| r.seq <= seq);
        inner.entries.range(start..).take(max).cloned().collect()
    }

    /// The `seq` of the last entry recorded.
    pub fn last(&self) -> u64 {
        self.lock().last
    }

    /// An entry as `GET /_mock/requests` shows it.
    pub fn render(&self, recorded: &Recorded) -> Entry {
        #[cfg(test)]
        self.renders.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        recorded.render(&self.instance, self.zone)
    }

    /// Whether `recorded` matches `pattern` (only what the pattern names is looked at).
    pub fn matches(&self, pattern: &Pattern, recorded: &Recorded) -> bool {
        pattern.matches(recorded, self.zone)
    }

    /// How many entries match.
    pub fn count(&self, pattern: &Pattern) -> usize {
        self.after(0).iter().filter(|r| self.matches(pattern, r)).count()
    }

    /// The recorded request closest to `pattern` and how it differs (fewest differences, newest
    /// first). Only what the pattern names is compared; only the closest is rendered.
    pub fn closest(&self, pattern: &Pattern) -> Option<Value> {
        let (differences, recorded) = self
            .after(0)
            .into_iter()
            .rev()
            .map(|r| (pattern.differences(&pattern.facts(&r, self.zone)), r))
            .min_by_key(|(d, _)| d.len())?;
        let entry = self.render(&recorded);
        let mut out = Map::new();
        out.insert("request".into(), serde_json::to_value(&entry).unwrap_or(Value::Null));
        out.insert("differences".into(), Value::from(differences));
        Some(Value::Object(out))
    }

    /// Waits until at least `count` entries match or `timeout` passes; answers the last count.
    /// The journal is read once; after that the waiter sleeps, and each new entry is matched
    /// against it as it is recorded (see [`Journal::record`]).
    pub async fn wait(&self, pattern: &Pattern, count: usize, timeout: std::time::Duration) -> usize {
        let waiter = {
            let mut inner = self.lock();
            let matched = inner.entries.iter().filter(|r| self.matches(pattern, r)).count();
            if matched >= count {
                return matched;
            }
            let waiter = Arc::new(Waiter {
                pattern: pattern.clone(),
                wanted: count,
                matched: AtomicUsize::new(matched),
                done: Notify::new(),
            });
            inner.waiters.push(Arc::clone(&waiter));
            waiter
        };
        // A wake given before this waits is kept (notify_one leaves a permit).
        let _ = tokio::time::timeout(timeout, waiter.done.notified()).await;
        self.lock().waiters.retain(|w| !Arc::ptr_eq(w, &waiter));
        waiter.matched.load(Ordering::Acquire)
    }

    /// How many `requests/wait` calls are waiting now.
    pub fn waiting(&self) -> usize {
        self.lock().waiters.len()
    }
}

impl Drop for Journal {
    /// An instance gone gives its share of the budget back.
    fn drop(&mut self) {
        self.lock().drop_all(&self.shared, &self.budget);
    }
}

impl Inner {
    /// Drops the oldest entry, counting it out of the budget.
    fn drop_oldest(&mut self, shared: &budget::Shared, budget: &Budget) {
        if let Some(gone) = self.entries.pop_front() {
            self.bytes -= gone.size();
            budget.dropped(1, gone.size());
            self.mark_first(shared);
        }
    }

    /// Drops the oldest entry if it is `seq` (the budget's turn for it), else nothing: it is gone.
    fn drop_oldest_through(&mut self, seq: u64, shared: &budget::Shared, budget: &Budget) {
        if self.entries.front().is_some_and(|r| r.seq == seq) {
            self.drop_oldest(shared, budget);
        }
    }

    /// Drops every entry.
    fn drop_all(&mut self, shared: &budget::Shared, budget: &Budget) {
        budget.dropped(self.entries.len(), self.bytes);
        self.entries.clear();
        self.bytes = 0;
        self.mark_first(shared);
    }

    /// Tells the budget which of this journal's pairs are leftovers.
    fn mark_first(&self, shared: &budget::Shared) {
        let first = self.entries.front().map_or(self.last + 1, |r| r.seq);
        shared.first.store(first, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method};

    use super::*;

    fn entry(path: &str, l1: &str) -> Recorded {
        let mut recorded = Recorded::new(Method::POST, path, &HeaderMap::new(), 1_767_603_600_000);
        let body = format!("l1={}", form_urlencoded::byte_serialize(l1.as_bytes()).collect::<String>());
        recorded.form = FormRecord::of(None, body.as_bytes(), false);
        recorded.answered(200, Some(&Bytes::from_static(b"1")), None);
        recorded
    }

    fn journal() -> Journal {
        Journal::new("default", chrono_tz::UTC, Budget::new(DEFAULT_BYTES))
    }

    #[test]
    fn counts_matches_and_names_the_closest_miss() {
        let journal = journal();
        journal.record(entry("/a", "Venta"));
        journal.record(entry("/a", "No contesta"));
        let pattern = Pattern {
            path: Some("/a".into()),
            form: [("l1".to_string(), "Venta".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(journal.count(&pattern), 1);
        let wanted = Pattern { form: [("l1".to_string(), "Otro".to_string())].into(), ..pattern };
        assert_eq!(journal.count(&wanted), 0);
        let closest = journal.closest(&wanted).unwrap();
        assert_eq!(closest["differences"][0], "form.l1: expected \"Otro\", got \"No contesta\"");
    }

    #[test]
    fn the_oldest_entries_go_first() {
        let journal = journal();
        for _ in 0..CAPACITY + 5 {
            journal.record(entry("/a", "x"));
        }
        let all = journal.after(0);
        assert_eq!((all.len(), all[0].seq), (CAPACITY, 6));
        assert!(clip(&"é".repeat(5000)).ends_with("(10000 bytes)"));
        let first = journal.render(&all[0]);
        assert_eq!((first.clock_time.as_str(), first.instance.as_str()), ("2026-01-05 09:00:00", "default"));
        assert_eq!(journal.after(CAPACITY as u64 + 3).len(), 2);
    }

    #[test]
    fn the_journal_keeps_within_its_byte_budget() {
        let journal = Journal::new("default", chrono_tz::UTC, Budget::new(1 << 20));
        // Requests of 1 MiB each, every field under the clip: each one alone would fill the budget.
        let body: String = (0..1000).map(|i| format!("f{i}={}&", "v".repeat(1024))).collect();
        for _ in 0..200 {
            let mut recorded = Recorded::new(Method::POST, "/a", &HeaderMap::new(), 0);
            recorded.form = FormRecord::of(None, body.as_bytes(), false);
            recorded.answered(200, Some(&Bytes::from(vec![b'x'; 1 << 20])), None);
            journal.record(recorded);
        }
        assert!(journal.bytes() <= 1 << 20, "{} bytes kept", journal.bytes());
        let kept = journal.after(0).len();
        assert!(kept > 20, "{kept} entries fit in 1 MiB");
        let sizes: usize = journal.after(0).iter().map(|r| r.size()).sum();
        assert_eq!(sizes, journal.bytes(), "the count is the sum of what is kept");
        journal.clear();
        assert_eq!(journal.bytes(), 0);
    }

    #[test]
    fn instances_share_one_budget_and_the_oldest_of_any_go_first() {
        let size = entry("/a", "x").size();
        let budget = Budget::new(100 * size);
        let (first, second) = (
            Journal::new("a", chrono_tz::UTC, Arc::clone(&budget)),
            Journal::new("b", chrono_tz::UTC, Arc::clone(&budget)),
        );
        for _ in 0..80 {
            first.record(entry("/a", "x"));
        }
        for _ in 0..50 {
            second.record(entry("/a", "x"));
        }
        // The budget holds 100: the 30 oldest went, and they were all the first instance's.
        assert_eq!((first.len(), second.len(), budget.entries(), budget.bytes()), (50, 50, 100, 100 * size));
        assert_eq!(first.after(0)[0].seq, 31);
        // A journal cleared or gone gives its share back, and its leftovers are skipped in turn.
        first.clear();
        assert_eq!((budget.entries(), budget.bytes()), (50, 50 * size));
        for _ in 0..60 {
            second.record(entry("/a", "x"));
        }
        assert_eq!((second.len(), second.after(0)[0].seq), (100, 11));
        drop(second);
        assert_eq!((budget.entries(), budget.bytes()), (0, 0));
        // Leftovers never pile up: the order is compacted past twice what is kept.
        let third = Journal::new("c", chrono_tz::UTC, Arc::clone(&budget));
        for _ in 0..20 {
            for _ in 0..500 {
                third.record(entry("/a", "x"));
            }
            third.clear();
        }
        assert!(budget.order_len() <= 2 * budget.entries() + 1024 + 1, "{} pairs kept", budget.order_len());
    }

    #[test]
    fn the_newest_entry_stays_however_large() {
        let journal = Journal::new("default", chrono_tz::UTC, Budget::new(1));
        journal.record(entry("/a", "x"));
        journal.record(entry("/a", "y"));
        assert_eq!(journal.len(), 1);
        assert_eq!(journal.after(0)[0].seq, 2);
    }

    #[tokio::test]
    async fn a_waiter_is_woken_by_new_entries_and_counts_only_them() {
        let journal = Arc::new(journal());
        for _ in 0..1000 {
            journal.record(entry("/a", "Otro"));
        }
        let pattern = Pattern { form: [("l1".to_string(), "Venta".to_string())].into(), ..Default::default() };
        let waiter = {
            let (journal, pattern) = (Arc::clone(&journal), pattern.clone());
            tokio::spawn(async move { journal.wait(&pattern, 3, std::time::Duration::from_secs(10)).await })
        };
        for l1 in ["Venta", "Otro", "Venta", "Venta"] {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            journal.record(entry("/a", l1));
        }
        assert_eq!(waiter.await.unwrap(), 3);
        let renders = journal.renders.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(renders, 0, "a wait renders nothing: it matches what its pattern names");
        assert_eq!(journal.waiting(), 0, "a wait that ended is forgotten");
        journal.clear();
        let timed_out = journal.wait(&pattern, 1, std::time::Duration::from_millis(50)).await;
        assert_eq!(timed_out, 0, "a cleared journal counts from nothing");
    }

    #[tokio::test]
    async fn two_hundred_waiters_cost_the_requests_nothing_but_a_match() {
        let journal = Arc::new(journal());
        let pattern = Pattern { path: Some("/never".into()), ..Default::default() };
        let waiters: Vec<_> = (0..200)
            .map(|_| {
                let (journal, pattern) = (Arc::clone(&journal), pattern.clone());
                tokio::spawn(async move { journal.wait(&pattern, 1, std::time::Duration::from_millis(300)).await })
            })
            .collect();
        while journal.waiting() < 200 {
            tokio::task::yield_now().await;
        }
        for _ in 0..1000 {
            journal.record(entry("/a", "Venta"));
        }
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), 0);
        }
        let renders = journal.renders.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(renders, 0, "1,000 requests past 200 waiters rendered {renders} entries");
        assert_eq!(journal.waiting(), 0);
    }
}
