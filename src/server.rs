//! Starting a server: open the world, bind both listeners, serve until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::{app, backup_app};
use crate::audio::cache::Cache;
use crate::cli::{ServeArgs, Switch};
use crate::clock::ClockMode;
use crate::entropy;
use crate::files::Budget;
use crate::http::body::Pace;
use crate::http::serve::{self, Connections, Timeouts};
use crate::instances::{self, Instances};
use crate::state::AppState;
use crate::store::Location;
use crate::world::WorldOptions;
use crate::world::fixtures::FixtureSet;

/// A server that is listening.
#[derive(Debug)]
pub struct Running {
    pub main: SocketAddr,
    pub backup: SocketAddr,
    /// The certificate both listeners present (PEM), when they speak HTTPS.
    pub certificate_pem: Option<String>,
    pub state: AppState,
    pub task: JoinHandle<()>,
}

impl Running {
    /// The line the binary prints first: scripts read the real ports from it.
    pub fn banner(&self) -> String {
        let scheme = if self.certificate_pem.is_some() { "https" } else { "http" };
        format!("listening main={scheme}://{} backup={scheme}://{}", self.main, self.backup)
    }
}

/// Opens the world and starts serving both listeners in the background.
pub async fn start(args: &ServeArgs) -> Result<Running, String> {
    let fixtures = match &args.fixtures {
        Some(dir) => FixtureSet::load(dir)?,
        None => FixtureSet::embedded(),
    };
    let options = WorldOptions {
        name: instances::DEFAULT.into(),
        location: Location::parse(&args.db),
        fixtures,
        clock_mode: args.clock,
        clock_start: args.clock_start,
        zone: args.timezone,
        seed: args.seed.unwrap_or_else(entropy::unseeded),
        seed_given: args.seed.is_some(),
        traffic: args.traffic == Switch::On,
        audio_cache: Arc::new(Cache::new(args.recording_cache_mb.saturating_mul(1 << 20))),
        journal_budget: crate::journal::Budget::new(args.journal_mb.saturating_mul(1 << 20)),
    };
    // Descriptors: the databases' files first (as many instances as the limit holds), connections
    // after.
    let budget = Budget::new(serve::raise_open_file_limit(), args.max_instances, args.db != ":memory:");
    if let Some(why) = &budget.lowered {
        tracing::warn!("{why}");
    }
    let main =
        TcpListener::bind(&args.listen).await.map_err(|e| format!("could not listen on {}: {e}", args.listen))?;
    let backup = TcpListener::bind(&args.backup_listen)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", args.backup_listen))?;
    let (main_addr, backup_addr) = (local(&main)?, local(&backup)?);
    if args.control_token.as_deref().is_none_or(str::is_empty) {
        for addr in [main_addr, backup_addr].iter().filter(|a| !a.ip().is_loopback()) {
            tracing::warn!(
                "{addr} is reachable from other machines and the control API (/_mock: reset, fixtures, faults, \
                 the journal) needs no token there: pass --control-token to guard it"
            );
        }
    }
    let state = AppState {
        instances: Arc::new(Instances::new(options, budget.max_instances)),
        settings: Arc::new(crate::state::Settings {
            auth: args.auth,
            cors: args.cors.clone(),
            control_token: args.control_token.clone().filter(|t| !t.is_empty()),
            backup_port: backup_addr.port(),
            listen_hosts: [&args.listen, &args.backup_listen]
                .into_iter()
                .filter_map(|a| crate::cli::listen_host(a).map(str::to_string))
                .collect(),
        }),
        event_streams: Arc::new(crate::slots::Slots::new(args.max_event_streams)),
        coverage: Arc::new(crate::coverage::Coverage::new(
            args.coverage == crate::cli::Switch::On,
            args.lint_allow.clone(),
        )),
    };
    // The routers are built while the default instance opens (that is mostly waiting for
    // SQLite's thread): the open goes first, up to its first wait, then the routers are built on
    // this thread (a blocking thread of their own started late on two busy cores). Nothing is
    // served before both are done. The default instance opens at start, so a broken database is
    // an error now, not later.
    let (world, (main_app, backup_app)) = tokio::join!(state.instances.get(instances::DEFAULT), async {
        (app(state.clone()), backup_app(state.clone()))
    });
    world.map_err(|e| format!("could not open the world in {}: {e}", args.db))?;
    if args.clock != ClockMode::Manual {
        tokio::spawn(keep_time(state.clone()));
    }
    let tls = tls(args)?;
    let certificate_pem = tls.as_ref().map(|t| t.certificate_pem.clone());
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
    let timeouts = Timeouts {
        header: Duration::from_secs(args.header_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        body: Pace { timeout: Duration::from_secs(args.body_timeout), min_rate: args.body_min_rate },
    };
    let body_bytes = args.body_memory_mb.saturating_mul(1 << 20);
    let connections = Arc::new(Connections::new(budget.connections, body_bytes));
    let task = tokio::spawn(async move {
        tokio::join!(
            serve::serve(main, acceptor.clone(), main_app, Arc::clone(&connections), timeouts),
            serve::serve(backup, acceptor, backup_app, connections, timeouts),
        );
    });
    Ok(Running { main: main_addr, backup: backup_addr, certificate_pem, state, task })
}

/// The TLS settings of the flags: none, files, or a certificate made now (written beside the
/// database, or to the temporary folder for `:memory:`, so clients can trust it).
fn tls(args: &ServeArgs) -> Result<Option<crate::tls::Tls>, String> {
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        return crate::tls::from_files(cert, key).map(Some);
    }
    if !args.tls_self_signed {
        return Ok(None);
    }
    let made = crate::tls::self_signed(&[&args.listen, &args.backup_listen])?;
    let path = match Location::parse(&args.db) {
        Location::File(db) => db.with_extension("self-signed.pem"),
        Location::Memory => std::env::temp_dir().join(format!("ucontact-mock-{}.self-signed.pem", std::process::id())),
    };
    match std::fs::write(&path, &made.certificate_pem) {
        Ok(()) => tracing::info!(path = %path.display(), "the self-signed certificate, for clients to trust"),
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not write the self-signed certificate"),
    }
    Ok(Some(made))
}

fn local(listener: &TcpListener) -> Result<SocketAddr, String> {
    listener.local_addr().map_err(|e| format!("no local address: {e}"))
}

/// Under a moving clock the world lives on its own: the engine runs a few times a second.
async fn keep_time(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        for world in state.instances.all().await {
            match world.engine().await {
                // Evicted, reset or deleted since it was listed: nothing is lost.
                Err(_) if world.is_closed() => {}
                Err(e) => tracing::error!(instance = world.name(), error = ?e, "the engine could not store its calls"),
                Ok(_) => {}
            }
        }
    }
}
