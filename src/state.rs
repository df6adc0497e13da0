//! What every handler can reach: the instances and the server-wide settings. Below the routers, so
//! the HTTP edge, the routes and the control API all take it from here.

use std::sync::Arc;

use crate::instances::Instances;

/// Whether Integra routes need a live token (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// Every route but `auth/*` needs `Authorization: Basic <token>`.
    Strict,
    /// Every request is accepted without a token.
    Off,
}

/// Server-wide settings that shape answers.
#[derive(Debug, Clone)]
pub struct Settings {
    pub auth: AuthMode,
    /// Origins allowed by CORS; empty allows every origin.
    pub cors: Vec<String>,
    /// The bearer token `/_mock` needs, when set.
    pub control_token: Option<String>,
    /// The backup recordings host's port, for the pages' links to its files.
    pub backup_port: u16,
    /// The host names of `--listen` and `--backup-listen` (not `0.0.0.0`): a page served under one
    /// of them is the server's own (see `http::cors`).
    pub listen_hosts: Vec<String>,
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub instances: Arc<Instances>,
    pub settings: Arc<Settings>,
    /// The open `GET /_mock/events` streams, every instance's together (`--max-event-streams`).
    pub event_streams: Arc<crate::slots::Slots>,
    /// What clients' requests exercised of each route, every instance's together and apart.
    pub coverage: Arc<crate::coverage::Coverage>,
}
