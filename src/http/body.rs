//! Request bodies against slow and greedy clients (docs/contract.md, section 1):
//!
//! - A body must keep coming: it has `--body-timeout` seconds (20) to arrive, and every
//!   `--body-min-rate` bytes (500) that arrive give it one more second, as Apache's
//!   `mod_reqtimeout` counts. A body a byte a second is cut after about 20 s, answered 408, and its
//!   connection closed; a 256 MiB upload at a megabyte a second is never cut.
//! - The bodies being received or held by the server's forms share one budget of bytes,
//!   `--body-memory-mb` (512). A body that would take more is refused as it arrives (503 with
//!   `Retry-After`, connection closed), before it is buffered, whatever its declared size.
//!
//! [`Timed`] wraps each request's body on its connection (`http::serve`); [`Ticket`] is the
//! request's share of the budget, in its extensions for the form extractor to take on.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// How slowly a body may arrive.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Time for a body to arrive before the bytes it sent extend it.
    pub timeout: Duration,
    /// Bytes that buy one more second.
    pub min_rate: u64,
}

impl Pace {
    /// When a body that began at `started` and has sent `received` bytes must be done by.
    fn deadline(&self, started: Instant, received: u64) -> Instant {
        let earned = Duration::from_secs(received / self.min_rate.max(1));
        started + self.timeout.saturating_add(earned)
    }
}

/// Bytes of request bodies the whole server holds at most.
#[derive(Debug)]
pub struct Budget {
    capacity: usize,
    held: AtomicUsize,
}

impl Budget {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, held: AtomicUsize::new(0) }
    }

    /// Bytes held now by every request.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes `bytes` more, if they fit.
    fn take(&self, bytes: usize) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                held.checked_add(bytes).filter(|&total| total <= self.capacity)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// One request's share of the [`Budget`]: the most bytes its body has needed so far (received, or
/// set aside by the form that reads it), given back when the last holder lets it go.
#[derive(Debug, Clone)]
pub struct Ticket(Arc<TicketInner>);

#[derive(Debug)]
struct TicketInner {
    budget: Arc<Budget>,
    bytes: Mutex<usize>,
}

/// Why a body was cut part way.
#[derive(Debug, Clone)]
pub enum Cut {
    /// It came too slowly (408).
    TooSlow(String),
    /// It would pass the server's budget of body bytes, or the system had no memory for it (503).
    OverBudget(String),
}

impl Cut {
    pub fn reason(&self) -> &str {
        match self {
            Self::TooSlow(reason) | Self::OverBudget(reason) => reason,
        }
    }
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for Cut {}

impl Ticket {
    pub fn new(budget: Arc<Budget>) -> Self {
        Self(Arc::new(TicketInner { budget, bytes: Mutex::new(0) }))
    }

    /// Holds at least `bytes` in all, taking the difference from the budget.
    pub fn hold(&self, bytes: usize) -> Result<(), Cut> {
        let mut held = self.0.bytes.lock().unwrap_or_else(|e| e.into_inner());
        if bytes <= *held {
            return Ok(());
        }
        if !self.0.budget.take(bytes - *held) {
            let budget = &self.0.budget;
            return Err(Cut::OverBudget(format!(
                "request bodies in progress hold {} of the server's {} bytes (--body-memory-mb); this one would \
                 need {bytes}: try again shortly",
                budget.held(),
                budget.capacity()
            )));
        }
        *held = bytes;
        Ok(())
    }

    /// Holds no more than `bytes` in all, giving the rest back.
    pub fn release_to(&self, bytes: usize) {
        let mut held = self.0.bytes.lock().unwrap_or_else(|e| e.into_inner());
        if bytes < *held {
            self.0.budget.give_back(*held - bytes);
            *held = bytes;
        }
    }
}

impl Drop for TicketInner {
    fn drop(&mut self) {
        let held = *self.bytes.get_mut().unwrap_or_else(|e| e.into_inner());
        self.budget.give_back(held);
    }
}

/// A request body held to a [`Pace`] and counted against a [`Ticket`].
pub struct Timed<B> {
    inner: B,
    pace: Pace,
    ticket: Ticket,
    started: Instant,
    received: u64,
    /// Armed the first time the body keeps the reader waiting; re-armed only when it fires.
    timer: Option<Pin<Box<Sleep>>>,
    failed: bool,
}

impl<B> Timed<B> {
    pub fn new(inner: B, pace: Pace, ticket: Ticket) -> Self {
        Self { inner, pace, ticket, started: Instant::now(), received: 0, timer: None, failed: false }
    }

    /// Whether the body is past its deadline now; re-arms the timer for the deadline otherwise.
    fn late(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.pace.deadline(self.started, self.received);
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            // Fired: the bytes that came since it was armed may have bought more time.
            let deadline = self.pace.deadline(self.started, self.received);
            if Instant::now() >= deadline {
                return true;
            }
            timer.as_mut().reset(deadline);
        }
    }
}

impl<B> Body for Timed<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                    let received = usize::try_from(self.received).unwrap_or(usize::MAX);
                    if let Err(over) = self.ticket.hold(received) {
                        self.failed = true;
                        return Poll::Ready(Some(Err(over.into())));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if !self.late(cx) {
                    return Poll::Pending;
                }
                self.failed = true;
                let (timeout, rate, received) = (self.pace.timeout.as_secs(), self.pace.min_rate, self.received);
                Poll::Ready(Some(Err(Cut::TooSlow(format!(
                    "the body came too slowly: {received} bytes in {} s (a body has {timeout} s, and one more \
                     second per {rate} bytes it sends: --body-timeout, --body-min-rate)",
                    self.started.elapsed().as_secs()
                ))
                .into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A body over this many bytes is received into an anonymous memory map instead of the heap.
pub const MAPPED_FROM: usize = 1 << 20;

/// A body being received, whole in one piece: on the heap while small, then in an anonymous
/// memory map of its declared size (or its route's limit) that the kernel fills page by page as
/// it arrives. A map never moves, so a big body is never copied while it grows (the heap would
/// hold the old buffer and the new one at once, and keep both after), and its memory goes back
/// to the system the moment it is dropped.
#[derive(Debug)]
pub enum Buffer {
    Heap(Vec<u8>),
    Mapped { map: memmap2::MmapMut, len: usize },
}

impl Buffer {
    /// An empty buffer with room for `capacity` bytes on the heap.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::Heap(Vec::with_capacity(capacity.min(MAPPED_FROM)))
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Heap(vec) => vec.len(),
            Self::Mapped { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes it takes now (the heap buffer's capacity; a map takes what has been written).
    pub fn footprint(&self) -> usize {
        match self {
            Self::Heap(vec) => vec.capacity(),
            Self::Mapped { len, .. } => *len,
        }
    }

    /// Appends `data`, moving to a larger home first when it does not fit: a heap buffer of
    /// `declared` bytes or the next power of two up to [`MAPPED_FROM`], else a map of `declared`
    /// (when it holds `len + data`) or `max` bytes. `hold` is told the bytes the buffer will take
    /// (the old home and the new one while the body moves) before they are taken; its refusal
    /// stops the append.
    pub fn extend<E>(
        &mut self,
        data: &[u8],
        declared: usize,
        max: usize,
        mut hold: impl FnMut(usize) -> Result<(), E>,
    ) -> Result<(), Grow<E>> {
        let wanted = self.len() + data.len();
        match self {
            Self::Heap(vec) if wanted <= vec.capacity() => vec.extend_from_slice(data),
            Self::Heap(vec) if wanted <= MAPPED_FROM => {
                let room = if declared >= wanted && declared <= MAPPED_FROM {
                    declared
                } else {
                    wanted.next_power_of_two().min(MAPPED_FROM)
                };
                hold(room + vec.capacity()).map_err(Grow::Refused)?;
                vec.reserve_exact(room - vec.len());
                vec.extend_from_slice(data);
            }
            Self::Heap(vec) => {
                let size = if declared >= wanted { declared } else { max.max(wanted) };
                hold(vec.capacity() + wanted).map_err(Grow::Refused)?;
                let mut map = memmap2::MmapMut::map_anon(size).map_err(Grow::NoMemory)?;
                map[..vec.len()].copy_from_slice(vec);
                map[vec.len()..wanted].copy_from_slice(data);
                *self = Self::Mapped { map, len: wanted };
            }
            Self::Mapped { map, len } => {
                if wanted > map.len() {
                    return Err(Grow::NoMemory(std::io::Error::other("the body is longer than it declared")));
                }
                hold(wanted).map_err(Grow::Refused)?;
                map[*len..wanted].copy_from_slice(data);
                *len = wanted;
            }
        }
        Ok(())
    }

    /// The body received, as one shared piece.
    pub fn into_bytes(self) -> Bytes {
        match self {
            Self::Heap(vec) => Bytes::from(vec),
            Self::Mapped { map, len } => Bytes::from_owner(Mapped { map, len }),
        }
    }
}

/// Why a [`Buffer`] could not take more.
#[derive(Debug)]
pub enum Grow<E> {
    /// The holder refused the room.
    Refused(E),
    /// The system gave no memory for it.
    NoMemory(std::io::Error),
}

/// A map's first `len` bytes, as the owner of a [`Bytes`].
struct Mapped {
    map: memmap2::MmapMut,
    len: usize,
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

/// Finds an error of type `E` in `error`'s chain of sources.
pub fn find<'a, E: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a E> {
    let mut source = Some(error);
    while let Some(e) = source {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        source = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_and_given_back() {
        let budget = Arc::new(Budget::new(100));
        let a = Ticket::new(Arc::clone(&budget));
        let b = Ticket::new(Arc::clone(&budget));
        a.hold(60).unwrap();
        a.hold(40).unwrap();
        assert!(b.hold(41).is_err(), "60 + 41 is over 100");
        b.hold(40).unwrap();
        assert_eq!(budget.held(), 100);
        b.release_to(10);
        assert_eq!(budget.held(), 70);
        b.hold(40).unwrap();
        let kept = a.clone();
        drop(a);
        assert_eq!(budget.held(), 100, "a clone still holds it");
        drop(kept);
        assert_eq!(budget.held(), 40);
        drop(b);
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn every_rate_bytes_buy_a_second() {
        let pace = Pace { timeout: Duration::from_secs(20), min_rate: 500 };
        let start = Instant::now();
        assert_eq!(pace.deadline(start, 0), start + Duration::from_secs(20));
        assert_eq!(pace.deadline(start, 1_499), start + Duration::from_secs(22));
        assert_eq!(pace.deadline(start, 5_000_000), start + Duration::from_secs(10_020));
    }

    #[test]
    fn a_buffer_moves_to_a_map_once_and_keeps_every_byte() {
        let mut buffer = Buffer::with_capacity(0);
        let mut held = Vec::new();
        let piece: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        for _ in 0..10 {
            let hold = |n| {
                held.push(n);
                Ok::<_, ()>(())
            };
            buffer.extend(&piece, 0, 8 << 20, hold).unwrap();
        }
        assert!(matches!(buffer, Buffer::Mapped { .. }), "3 MB is past {MAPPED_FROM}");
        assert_eq!(buffer.len(), 3_000_000);
        assert!(held.iter().all(|&n| n <= 3_000_000 + MAPPED_FROM), "{held:?}");
        let bytes = buffer.into_bytes();
        assert_eq!(bytes.len(), 3_000_000);
        assert!(bytes.chunks(300_000).all(|c| c == piece.as_slice()));
        // A refusal leaves the buffer as it was.
        let mut small = Buffer::with_capacity(16);
        small.extend(b"0123456789", 0, 100, |_| Ok::<_, ()>(())).unwrap();
        assert!(matches!(small.extend(&[0; 20], 0, 100, |_| Err("full")), Err(Grow::Refused("full"))));
        assert_eq!(small.into_bytes().as_ref(), b"0123456789");
    }

    /// A body of `count` one-byte frames, one every `every`.
    fn dripping(count: usize, every: Duration) -> impl Body<Data = Bytes, Error = std::convert::Infallible> + Unpin {
        let frames = futures_util::stream::unfold(count, move |left| async move {
            if left == 0 {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(Frame::data(Bytes::from_static(b"x"))), left - 1))
        });
        http_body_util::StreamBody::new(Box::pin(frames))
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_and_a_steady_body_is_not() {
        use http_body_util::BodyExt;
        let pace = Pace { timeout: Duration::from_secs(5), min_rate: 10 };
        let budget = Arc::new(Budget::new(1 << 20));
        // A byte a second: cut once the first 5 s are gone (5 bytes bought no second).
        let started = Instant::now();
        let mut timed = Timed::new(dripping(100, Duration::from_secs(1)), pace, Ticket::new(Arc::clone(&budget)));
        let error = loop {
            match timed.frame().await {
                Some(Ok(_)) => {}
                Some(Err(e)) => break e,
                None => panic!("the trickle ended"),
            }
        };
        assert!(matches!(find::<Cut>(error.as_ref()), Some(Cut::TooSlow(_))), "{error}");
        assert_eq!(started.elapsed().as_secs(), 5, "cut when its time was out");
        drop(timed);
        // 20 bytes a second, twice the least rate, for 10 s: it arrives whole.
        let steady = Timed::new(dripping(200, Duration::from_millis(50)), pace, Ticket::new(Arc::clone(&budget)));
        assert_eq!(steady.collect().await.unwrap().to_bytes().len(), 200);
        assert_eq!(budget.held(), 0, "a body done with holds nothing");
    }
}
