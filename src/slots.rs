//! Bounded room for answers that stay open (the event streams of `GET /_mock/events`): a server
//! can keep only so many, and a crowd of them must not fill the file descriptors. Past the bound,
//! the oldest is shed to make room for the newest: a client that opened a stream last is the one
//! most likely still looking at it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// At most `max` slots held at once.
#[derive(Debug)]
pub struct Slots {
    max: usize,
    next: AtomicU64,
    held: Mutex<VecDeque<(u64, Arc<Notify>)>>,
}

/// One slot, given back when dropped. `shed` is notified when a newer one needs its room.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    pub shed: Arc<Notify>,
}

impl Slots {
    pub fn new(max: usize) -> Self {
        Self { max: max.max(1), next: AtomicU64::new(0), held: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(u64, Arc<Notify>)>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot, shedding the oldest when all are held.
    pub fn take(self: &Arc<Self>) -> Slot {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let shed = Arc::new(Notify::new());
        let mut held = self.lock();
        while held.len() >= self.max {
            if let Some((_, oldest)) = held.pop_front() {
                // A permit: the holder learns of it even if it is not waiting right now.
                oldest.notify_one();
            }
        }
        held.push_back((id, Arc::clone(&shed)));
        Slot { slots: Arc::clone(self), id, shed }
    }

    /// Slots held now.
    pub fn held(&self) -> usize {
        self.lock().len()
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.lock().retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_oldest_is_shed_for_the_newest() {
        let slots = Arc::new(Slots::new(2));
        let first = slots.take();
        let second = slots.take();
        let third = slots.take();
        assert_eq!(slots.held(), 2);
        // The first was told (a permit waits for it), the others were not.
        tokio::time::timeout(std::time::Duration::from_millis(100), first.shed.notified()).await.unwrap();
        assert!(tokio::time::timeout(std::time::Duration::from_millis(50), second.shed.notified()).await.is_err());
        drop(first);
        assert_eq!(slots.held(), 2, "a shed slot no longer counts");
        drop((second, third));
        assert_eq!(slots.held(), 0);
    }
}
