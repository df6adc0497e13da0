//! ucontact-mock: a stateful emulator of the uContact Integra telephony API.
//!
//! A guided tour, in the order a request travels:

/// The router and the layers every request passes (CORS, background settling, tracing).
pub mod app;
/// Call audio: synthesised speech, GSM 06.10 and MP3.
pub mod audio;
/// The command line: flags and their environment variables.
pub mod cli;
/// The instance's clock.
pub mod clock;
/// The test-double API under `/_mock`.
pub mod control;
/// Contract coverage: which answers and fields of each route clients exercised.
pub mod coverage;
/// The simulated contact center: queues, agents, calls (pure, driven by the world).
pub mod engine;
/// The instance's seeded randomness.
pub mod entropy;
/// Faults on demand: latency, forced answers, dropped connections.
pub mod faults;
/// The open-file budget: connections, instances with database files, the process's own.
pub mod files;
/// The HTTP edge: the vendor's answers, its form, the token check, CORS.
pub mod http;
/// Isolated instances: which world a request talks to.
pub mod instances;
/// The request journal of an instance: what clients sent and what they were answered.
pub mod journal;
/// Plain data every layer shares: vendor dates, configuration, calls, CDRs, forms.
pub mod model;
/// The vendor's routes, one module per path segment; thin handlers.
pub mod routes;
/// Starting the server: world, listeners, banner.
pub mod server;
/// Bounded room for answers that stay open (event streams), the oldest shed for the newest.
pub mod slots;
/// What every handler can reach: the instances and the server-wide settings.
pub mod state;
/// SQLite storage (sqlx), one module per group of tables.
pub mod store;
/// HTTPS: certificates from files or made at start (rustls).
pub mod tls;
/// The pages: the dashboard and the agent-portal emulator (embedded HTML, CSS, JavaScript).
pub mod web;
/// One simulated contact center: configuration and every business rule.
pub mod world;

pub use app::app;
pub use server::{Running, start};
pub use state::AppState;
