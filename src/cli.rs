//! The command line (every flag also an environment variable `UCONTACT_MOCK_<FLAG>`).

use std::path::PathBuf;

use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::AuthMode;
use crate::clock::ClockMode;
use crate::world::vendor_date::VendorDate;

#[derive(Debug, Parser)]
#[command(name = "ucontact-mock", version, args_override_self = true)]
#[command(about = "A stateful emulator of the uContact Integra telephony API")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exits 0 when a mock answers ready at URL (default http://127.0.0.1:8085); for health checks.
    Health { url: Option<String> },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address of the Integra API (and the telephony host's recordings).
    #[arg(long, env = "UCONTACT_MOCK_LISTEN", default_value = "127.0.0.1:8085")]
    pub listen: String,
    /// Address of the backup recordings host.
    #[arg(long, env = "UCONTACT_MOCK_BACKUP_LISTEN", default_value = "127.0.0.1:8086")]
    pub backup_listen: String,
    /// SQLite file of the world, or `:memory:` to keep nothing.
    #[arg(long, env = "UCONTACT_MOCK_DB", default_value = "data/mock.db")]
    pub db: String,
    /// A folder with `world.json` (and optionally `messages.json`); default: the embedded world.
    #[arg(long, env = "UCONTACT_MOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// `strict` needs a token on every Integra route but auth/*; `off` accepts every request.
    #[arg(long, env = "UCONTACT_MOCK_AUTH", value_enum, default_value = "strict")]
    pub auth: AuthMode,
    /// Seed of every random draw (tokens, guids, history); default: a new one each start.
    #[arg(long, env = "UCONTACT_MOCK_SEED")]
    pub seed: Option<u64>,
    /// `real` follows the system clock; `manual` holds still at --clock-start until moved; `xN` runs
    /// N times faster than real time from --clock-start.
    #[arg(long, env = "UCONTACT_MOCK_CLOCK", default_value = "real")]
    pub clock: ClockMode,
    /// Where a manual clock starts, `yyyy-MM-dd HH:mm:ss` in --timezone.
    #[arg(long, env = "UCONTACT_MOCK_CLOCK_START", default_value = "2026-01-05 09:00:00")]
    pub clock_start: VendorDate,
    /// The instance's time zone (IANA).
    #[arg(long, env = "UCONTACT_MOCK_TIMEZONE", default_value = "America/Montevideo")]
    pub timezone: Tz,
    /// `on` generates inbound callers at each campaign's rate; `off` starts the same world silent.
    #[arg(long, env = "UCONTACT_MOCK_TRAFFIC", value_enum, default_value = "on")]
    pub traffic: Switch,
    /// When set, `/_mock` (but `/_mock/health`) needs `Authorization: Bearer <token>`.
    #[arg(long, env = "UCONTACT_MOCK_CONTROL_TOKEN")]
    pub control_token: Option<String>,
    /// How many instances may live at once; the least recently used beyond it are evicted.
    #[arg(long, env = "UCONTACT_MOCK_MAX_INSTANCES", default_value_t = 64)]
    pub max_instances: usize,
    /// Megabytes of made recordings kept in memory, those being read included (they are remade
    /// when asked for again); at least 36, one two-hour MP3.
    #[arg(long, env = "UCONTACT_MOCK_RECORDING_CACHE_MB", default_value_t = 64)]
    pub recording_cache_mb: usize,
    /// Megabytes of request journal kept per instance (the oldest requests go first).
    #[arg(long, env = "UCONTACT_MOCK_JOURNAL_MB", default_value_t = 64)]
    pub journal_mb: usize,
    /// Origins allowed by CORS, comma-separated; default: every origin.
    #[arg(long, env = "UCONTACT_MOCK_CORS", value_delimiter = ',')]
    pub cors: Vec<String>,
    /// HTTPS on both listeners with this PEM certificate chain (with --tls-key).
    #[arg(long, env = "UCONTACT_MOCK_TLS_CERT", requires = "tls_key", conflicts_with = "tls_self_signed")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "UCONTACT_MOCK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// HTTPS on both listeners with a certificate made at start (for localhost, the loopback
    /// addresses and the listen host); its PEM is written beside the database.
    #[arg(long, env = "UCONTACT_MOCK_TLS_SELF_SIGNED")]
    pub tls_self_signed: bool,
    /// Seconds a client has to send a request's headers (and to start the next request on a
    /// kept-alive connection) before its connection is closed.
    #[arg(long, env = "UCONTACT_MOCK_HEADER_TIMEOUT", default_value_t = 30)]
    pub header_timeout: u64,
    /// Seconds a connection may go without a byte either way, even within a request.
    #[arg(long, env = "UCONTACT_MOCK_IDLE_TIMEOUT", default_value_t = 120)]
    pub idle_timeout: u64,
    /// Log lines on stderr as `pretty` text or `json`.
    #[arg(long, env = "UCONTACT_MOCK_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl ServeArgs {
    /// The defaults with `args` applied, as from a command line (tests use it).
    pub fn from_args<I: IntoIterator<Item = &'static str>>(args: I) -> Result<Self, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("ucontact-mock").chain(args))?;
        Ok(cli.serve)
    }
}
