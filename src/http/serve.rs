//! Serving a listener: accepting connections (through TLS when asked), with the bounds a server on
//! a shared machine needs against clients that open connections and do nothing with them.
//!
//! - A request's headers must arrive within `--header-timeout` (30 s), and a kept-alive connection
//!   that sends no new request within it is closed. The connection's own timer covers both (and the
//!   idle bound below), re-armed only when it fires; hyper's header-read timer would arm and drop
//!   one for every request.
//! - A connection on which no byte moves either way for `--idle-timeout` (120 s) is closed, even
//!   in the middle of a request (a body that stops arriving, an answer nobody reads).
//! - At most [`Connections::limit`] connections are kept: the open-file limit (raised to its hard
//!   limit at start) less what the databases need, and no more than three quarters of it. Past it,
//!   and whenever the process runs out of file descriptors, the connection idle the longest (no
//!   request in progress) is closed to make room, so a crowd of idle connections cannot keep new
//!   clients out. When every connection is busy a new one is accepted and closed at once.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use super::body::{Budget, Pace, Ticket, Timed};
use crate::app::App;

/// How long a client may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To send a request's headers, and to start the next request on a kept-alive connection.
    pub header: Duration,
    /// With no byte moving either way.
    pub idle: Duration,
    /// To send a request's body (`http::body`).
    pub body: Pace,
}

/// The address of the client that sent a request, for the routes that share something fairly
/// between clients (the recordings: `audio::cache::Cache::lease`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::IpAddr);

/// The connections of both listeners.
#[derive(Debug)]
pub struct Connections {
    limit: usize,
    /// The bytes of request bodies all connections may hold (`--body-memory-mb`).
    bodies: Arc<Budget>,
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
    started: Instant,
}

/// One connection: what it is doing, and the signal that closes it.
#[derive(Debug)]
struct Connection {
    /// When [`Connections`] began: the times below are milliseconds since.
    epoch: Instant,
    in_flight: AtomicUsize,
    /// The last byte in either direction.
    last: AtomicU64,
    /// When it last began waiting for a request's headers: when it opened, or when its last
    /// answer was done with.
    waiting: AtomicU64,
    close: Notify,
    /// Chosen to make room: it no longer counts, and is not chosen again.
    closing: AtomicBool,
    /// The client's address.
    peer: Option<std::net::IpAddr>,
    /// An answer refused a body part way and closes the connection: what the client still sends
    /// is read and dropped for a moment before the socket closes, so the client reads the answer
    /// (a socket closed with bytes unread sends a reset, which can destroy the answer in transit).
    linger: AtomicBool,
}

impl Connections {
    /// Room for `limit` connections at once, whose request bodies hold at most `body_bytes`.
    pub fn new(limit: usize, body_bytes: usize) -> Self {
        Self {
            limit: limit.max(16),
            bodies: Arc::new(Budget::new(body_bytes)),
            next: AtomicU64::new(0),
            open: Mutex::default(),
            started: Instant::now(),
        }
    }

    /// Bytes of request bodies held now.
    pub fn body_bytes(&self) -> usize {
        self.bodies.held()
    }

    /// The most connections kept at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Connections open now (those being closed to make room not counted).
    pub fn open(&self) -> usize {
        self.lock().values().filter(|c| !c.closing.load(Ordering::Relaxed)).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn add(self: &Arc<Self>, peer: Option<std::net::IpAddr>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            epoch: self.started,
            in_flight: AtomicUsize::new(0),
            last: AtomicU64::new(self.now()),
            waiting: AtomicU64::new(self.now()),
            close: Notify::new(),
            closing: AtomicBool::new(false),
            peer,
            linger: AtomicBool::new(false),
        });
        self.lock().insert(id, Arc::clone(&connection));
        Registered { connections: Arc::clone(self), id, connection }
    }

    /// Closes the connection idle the longest; answers whether there was one.
    fn close_idlest(&self) -> bool {
        let open = self.lock();
        let idlest = open
            .values()
            .filter(|c| !c.closing.load(Ordering::Relaxed) && c.in_flight.load(Ordering::Relaxed) == 0)
            .min_by_key(|c| c.last.load(Ordering::Relaxed));
        match idlest {
            Some(connection) => {
                connection.closing.store(true, Ordering::Relaxed);
                connection.close.notify_one();
                true
            }
            None => false,
        }
    }
}

impl Connection {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// When it is to be closed unless something happens first: `idle` after the last byte, and,
    /// while no request is in progress, `header` after it began waiting for one.
    fn deadline(&self, timeouts: Timeouts) -> u64 {
        let idle = self.last.load(Ordering::Relaxed).saturating_add(millis(timeouts.idle));
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return idle;
        }
        idle.min(self.waiting.load(Ordering::Relaxed).saturating_add(millis(timeouts.header)))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A connection's place in [`Connections`], given up when dropped.
struct Registered {
    connections: Arc<Connections>,
    id: u64,
    connection: Arc<Connection>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}

/// Serves `app` on `listener` for as long as the process lives.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: App,
    connections: Arc<Connections>,
    timeouts: Timeouts,
) {
    let mut warned: Option<Instant> = None;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok((stream, peer)) => (stream, peer.ip()),
            Err(e) if !out_of_resources(&e) => {
                // A client that gave up before it was accepted, say.
                tracing::debug!(error = %e, "a connection could not be accepted");
                continue;
            }
            Err(e) => {
                // Out of descriptors: make room and try again soon; the client waits in the kernel's
                // queue. Out of memory: a short pause, so a failure that persists cannot spin.
                if !(out_of_files(&e) && connections.close_idlest())
                    && warned.is_none_or(|at| at.elapsed() > Duration::from_secs(10))
                {
                    tracing::warn!(error = %e, "accepting connections failed (every connection busy?)");
                    warned = Some(Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        if connections.open() >= connections.limit() && !connections.close_idlest() {
            // Every connection is busy: this one is turned away rather than queued forever.
            drop(stream);
            continue;
        }
        let registered = connections.add(Some(peer));
        let (app, tls) = (app.clone(), tls.clone());
        tokio::spawn(async move { connection(stream, tls, app, registered, timeouts).await });
    }
}

/// Too many open files, in the process or the system.
fn out_of_files(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(code) if code == 24 || code == 23) // EMFILE, ENFILE
}

/// Out of files or of memory for sockets: waiting may help, retrying at once would spin.
fn out_of_resources(error: &io::Error) -> bool {
    out_of_files(error) || matches!(error.raw_os_error(), Some(code) if code == 105 || code == 12) // ENOBUFS, ENOMEM
}

/// Serves one connection until it ends, idles out or is closed to make room.
async fn connection(stream: TcpStream, tls: Option<TlsAcceptor>, app: App, registered: Registered, timeouts: Timeouts) {
    let _ = stream.set_nodelay(true);
    let watched = Watched { inner: stream, at: registered.connection.clone(), lingering: None };
    let service = Tracked {
        app,
        connection: Arc::clone(&registered.connection),
        pace: timeouts.body,
        bodies: Arc::clone(&registered.connections.bodies),
    };
    match tls {
        None => drive(TokioIo::new(watched), service, &registered, timeouts).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(timeouts.header, acceptor.accept(watched));
            tokio::select! {
                secured = handshake => match secured {
                    Ok(Ok(secured)) => drive(TokioIo::new(secured), service, &registered, timeouts).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "a TLS handshake failed"),
                    Err(_) => tracing::debug!("a TLS handshake took longer than --header-timeout"),
                },
                () = registered.connection.close.notified() => {}
            }
        }
    }
}

async fn drive<I>(io: TokioIo<I>, service: Tracked, registered: &Registered, timeouts: Timeouts)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // No timer for hyper: with one it would also read headers against a default 30 s of its own.
    let builder = Builder::new(TokioExecutor::new());
    let served = builder.serve_connection_with_upgrades(io, hyper_util::service::TowerToHyperService::new(service));
    tokio::pin!(served);
    let connection = &registered.connection;
    loop {
        let now = connection.now();
        let deadline = connection.deadline(timeouts);
        if deadline <= now {
            tracing::debug!("a connection went past --header-timeout or --idle-timeout");
            return;
        }
        // The end of a request in progress brings the header deadline nearer than the one just
        // read: look again within a header timeout.
        let mut wake = deadline - now;
        if connection.in_flight.load(Ordering::Relaxed) > 0 {
            wake = wake.min(millis(timeouts.header));
        }
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "a connection ended with an error");
                }
                return;
            }
            () = connection.close.notified() => {
                // Chosen while idle; a request that began since is answered first.
                if connection.in_flight.load(Ordering::Relaxed) == 0 {
                    return;
                }
                served.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(Duration::from_millis(wake)) => {}
        }
    }
}

/// The app as a connection's service: it counts the connection's requests in progress, from the
/// request until its answer's body is done with, and holds each request's body to its pace and
/// to the server's budget of body bytes (`http::body`).
#[derive(Clone)]
struct Tracked {
    app: App,
    connection: Arc<Connection>,
    pace: Pace,
    bodies: Arc<Budget>,
}

impl Service<Request<Incoming>> for Tracked {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request<Body>>::poll_ready(&mut self.app, cx)
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        self.connection.in_flight.fetch_add(1, Ordering::Relaxed);
        let guard = InFlight(Arc::clone(&self.connection));
        let request = if http_body::Body::is_end_stream(request.body()) {
            request.map(Body::new)
        } else {
            let ticket = Ticket::new(Arc::clone(&self.bodies));
            let mut request = request.map(|body| Body::new(Timed::new(body, self.pace, ticket.clone())));
            request.extensions_mut().insert(ticket);
            request
        };
        let mut request = request;
        if let Some(peer) =
            self.connection.peer.filter(|_| request.uri().path().trim_start_matches('/').starts_with("records"))
        {
            request.extensions_mut().insert(Peer(peer));
        }
        let answer = self.app.call(request);
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            let response = answer.await?;
            if response.headers().get(axum::http::header::CONNECTION).is_some_and(|v| v == "close") {
                connection.linger.store(true, Ordering::Relaxed);
            }
            Ok(response.map(|body| TrackedBody { body, _guard: guard }))
        })
    }
}

/// A request in progress on its connection.
struct InFlight(Arc<Connection>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.waiting.store(self.0.now(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An answer's body, with the request it answers counted as in progress until it is dropped.
struct TrackedBody {
    body: Body,
    _guard: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// How long a closing connection reads and drops what its client still sends (see
/// `Connection::linger`).
const LINGER: Duration = Duration::from_secs(2);

/// A socket that notes when a byte last moved on it, and lingers when it closes after a refused
/// body.
struct Watched {
    inner: TcpStream,
    at: Arc<Connection>,
    /// Set when the closing began to linger.
    lingering: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Watched {
    fn moved(&self) {
        self.at.last.store(self.at.now(), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.moved();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shut = Pin::new(&mut self.inner).poll_shutdown(cx);
        if !matches!(shut, Poll::Ready(Ok(()))) || !self.at.linger.load(Ordering::Relaxed) {
            return shut;
        }
        // Our side is shut; read and drop the rest of the body until the client stops or LINGER
        // passes.
        let this = &mut *self;
        let timer = this.lingering.get_or_insert_with(|| Box::pin(tokio::time::sleep(LINGER)));
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let mut buffer = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buffer) {
                Poll::Ready(Ok(())) if !buffer.filled().is_empty() => continue,
                Poll::Ready(_) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    return if timer.as_mut().poll(cx).is_ready() { Poll::Ready(Ok(())) } else { Poll::Pending };
                }
            }
        }
    }
}

/// Raises the soft open-file limit to the hard one; answers the limit now in force.
pub fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::Resource::NOFILE.get().map(|(soft, _)| soft).unwrap_or(1024)
        }
    }
}
