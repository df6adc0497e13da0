//! The byte budget every instance's journal shares (`--journal-mb`): the server keeps that much
//! of request history in all, and past it the oldest entries of any instance go first, so many
//! instances cost no more than one.
//!
//! Each journal keeps its own entries; the budget keeps the order they were recorded in, as
//! `(journal, seq)` pairs. An entry its journal dropped already (cleared, past [`super::CAPACITY`],
//! or the journal gone with its instance) is skipped when its turn comes; the order is compacted
//! when such leftovers outnumber the live entries, so it stays within twice what is kept.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::Inner;

/// A journal's entries as the budget reaches them.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub(super) inner: Mutex<Inner>,
    /// The `seq` of the oldest entry kept (past the last when none is): older pairs are leftovers.
    pub(super) first: AtomicU64,
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The budget the journals of one server share.
#[derive(Debug)]
pub struct Budget {
    max: usize,
    bytes: AtomicUsize,
    entries: AtomicUsize,
    order: Mutex<VecDeque<(Weak<Shared>, u64)>>,
}

/// Leftovers the order may hold besides the live entries before it is compacted.
const SLACK: usize = 1024;

impl Budget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self { max, bytes: AtomicUsize::new(0), entries: AtomicUsize::new(0), order: Mutex::default() })
    }

    /// What the entries of every journal keep alive now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// How many entries every journal keeps now.
    pub fn entries(&self) -> usize {
        self.entries.load(Ordering::Acquire)
    }

    /// How many `(journal, seq)` pairs the order holds, leftovers included.
    #[cfg(test)]
    pub(super) fn order_len(&self) -> usize {
        self.order().len()
    }

    fn order(&self) -> std::sync::MutexGuard<'_, VecDeque<(Weak<Shared>, u64)>> {
        self.order.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an entry of `size` bytes that `journal` keeps as `seq`. Called with the journal's
    /// lock held, so one journal's pairs are in its own order.
    pub(super) fn kept(&self, journal: &Arc<Shared>, seq: u64, size: usize) {
        self.bytes.fetch_add(size, Ordering::AcqRel);
        let live = self.entries.fetch_add(1, Ordering::AcqRel) + 1;
        let mut order = self.order();
        order.push_back((Arc::downgrade(journal), seq));
        if order.len() > 2 * live + SLACK {
            order.retain(|(journal, seq)| journal.upgrade().is_some_and(|j| *seq >= j.first.load(Ordering::Acquire)));
        }
    }

    /// Uncounts `count` entries of `size` bytes in all that a journal dropped.
    pub(super) fn dropped(&self, count: usize, size: usize) {
        self.bytes.fetch_sub(size, Ordering::AcqRel);
        self.entries.fetch_sub(count, Ordering::AcqRel);
    }

    /// Drops the oldest entries of any journal until what is kept fits the budget; the newest
    /// entry of all stays, however large. Called with no journal's lock held.
    pub(super) fn trim(&self) {
        while self.bytes() > self.max {
            let Some((journal, seq)) = ({
                let mut order = self.order();
                if order.len() > 1 { order.pop_front() } else { None }
            }) else {
                return;
            };
            if let Some(journal) = journal.upgrade() {
                journal.lock().drop_oldest_through(seq, &journal, self);
            }
        }
    }
}
