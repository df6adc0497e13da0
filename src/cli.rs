//! The command line (every flag also an environment variable `UCONTACT_MOCK_<FLAG>`).

use std::path::PathBuf;

use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::clock::ClockMode;
use crate::model::vendor_date::VendorDate;
use crate::state::AuthMode;

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
    Health {
        /// The mock's main address, as its banner prints it: `http://127.0.0.1:8085`, or
        /// `https://...` under --tls-*. The check asks `GET <URL>/_mock/health` and exits 0 on a
        /// 200, 1 otherwise (an HTTPS certificate is not verified).
        url: Option<String>,
    },
    /// Prints a running mock's contract coverage (`GET <URL>/_mock/coverage`) and exits 1 when
    /// its score is under --fail-under.
    Coverage {
        /// The mock's main address (default http://127.0.0.1:8085).
        url: Option<String>,
        /// `json`, `md` (a CI job's summary) or `junit` (one test case per branch).
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        /// Exit 1 when fewer than PCT percent of the declared branches were exercised.
        #[arg(long, value_name = "PCT", value_parser = percent)]
        fail_under: Option<f64>,
        /// Only this instance's requests.
        #[arg(long)]
        instance: Option<String>,
        /// The mock's --control-token, when it has one.
        #[arg(long, env = "UCONTACT_MOCK_CONTROL_TOKEN")]
        control_token: Option<String>,
    },
}

/// How `ucontact-mock coverage` writes the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Json,
    Md,
    Junit,
}

fn lint_id(text: &str) -> Result<String, String> {
    if crate::coverage::lint::known(text) {
        return Ok(text.to_string());
    }
    let ids: Vec<&str> = crate::coverage::lint::LINTS.iter().map(|(id, _)| *id).collect();
    Err(format!("{text:?} is no lint; the lints are {}", ids.join(", ")))
}

fn percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?}: a percentage from 0 to 100")),
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address of the Integra API (and the telephony host's recordings), `host:port`.
    #[arg(long, env = "UCONTACT_MOCK_LISTEN", default_value = "127.0.0.1:8085", value_parser = address)]
    pub listen: String,
    /// Address of the backup recordings host, `host:port`.
    #[arg(long, env = "UCONTACT_MOCK_BACKUP_LISTEN", default_value = "127.0.0.1:8086", value_parser = address)]
    pub backup_listen: String,
    /// SQLite file of the world, or `:memory:` to keep no data (a manual clock's fresh world is
    /// still cached as an image in the user's cache folder).
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
    /// The instance's time zone (IANA), such as America/Montevideo or UTC.
    #[arg(long, env = "UCONTACT_MOCK_TIMEZONE", default_value = "America/Montevideo", value_parser = zone)]
    pub timezone: Tz,
    /// `on` generates inbound callers at each campaign's rate; `off` starts the same world silent.
    #[arg(long, env = "UCONTACT_MOCK_TRAFFIC", value_enum, default_value = "on")]
    pub traffic: Switch,
    /// When set, `/_mock` (but `/_mock/health`) needs `Authorization: Bearer <token>`.
    #[arg(long, env = "UCONTACT_MOCK_CONTROL_TOKEN")]
    pub control_token: Option<String>,
    /// Write the contract coverage report to FILE when the server stops (SIGTERM, Ctrl-C):
    /// Markdown for `.md`, JUnit XML for `.xml`, else JSON. For CI that runs the mock as a service.
    #[arg(long, env = "UCONTACT_MOCK_COVERAGE_OUT", value_name = "FILE")]
    pub coverage_out: Option<PathBuf>,
    /// `off` counts nothing for `/_mock/coverage` (its report stays empty) and lints nothing; for measuring what
    /// counting costs.
    #[arg(long, env = "UCONTACT_MOCK_COVERAGE", value_enum, default_value = "on")]
    pub coverage: Switch,
    /// Lints not to report (`X-Mock-Lint`, the journal, the coverage report), by id, comma-separated:
    /// `unknown-field,content-type` (docs/contract.md, section 13).
    #[arg(long, env = "UCONTACT_MOCK_LINT_ALLOW", value_delimiter = ',', value_parser = lint_id)]
    pub lint_allow: Vec<String>,
    /// How many instances may live at once; the least recently used beyond it are evicted. An idle
    /// instance holds some 240 KB (its database's unchanged pages are shared), so 256 hold about
    /// 60 MB; with database files they take some 3,000 open files and 0.4 MB of disk each.
    #[arg(long, env = "UCONTACT_MOCK_MAX_INSTANCES", default_value_t = 256, value_parser = at_least_one)]
    pub max_instances: usize,
    /// How many `GET /_mock/events` streams stay open at once, every instance's together; past it
    /// the oldest is ended (with an `event: shed`) to make room.
    #[arg(long, env = "UCONTACT_MOCK_MAX_EVENT_STREAMS", default_value_t = 256, value_parser = at_least_one)]
    pub max_event_streams: usize,
    /// Megabytes of made recordings kept in memory, those being read included (they are remade
    /// when asked for again); at least 46, a two-hour GSM recording and its MP3. The default holds
    /// every recording of the default world (189 MB) with room to spare; one client is sent at
    /// most half of it at once.
    #[arg(long, env = "UCONTACT_MOCK_RECORDING_CACHE_MB", default_value_t = 256)]
    pub recording_cache_mb: usize,
    /// Megabytes of request journal the server keeps, every instance's together (the oldest requests of any instance go first).
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
    #[arg(long, env = "UCONTACT_MOCK_HEADER_TIMEOUT", default_value_t = 30, value_parser = seconds)]
    pub header_timeout: u64,
    /// Seconds a connection may go without a byte either way, even within a request.
    #[arg(long, env = "UCONTACT_MOCK_IDLE_TIMEOUT", default_value_t = 120, value_parser = seconds)]
    pub idle_timeout: u64,
    /// Seconds a request's body has to arrive, one more for every --body-min-rate bytes it sends;
    /// a body past its time is answered 408 and its connection closed.
    #[arg(long, env = "UCONTACT_MOCK_BODY_TIMEOUT", default_value_t = 20, value_parser = seconds)]
    pub body_timeout: u64,
    /// Bytes of a request's body that buy it one more second beyond --body-timeout (the slowest
    /// rate a long body may keep up).
    #[arg(long, env = "UCONTACT_MOCK_BODY_MIN_RATE", default_value_t = 500, value_parser = rate)]
    pub body_min_rate: u64,
    /// Megabytes of request bodies the server holds at once, every request together (at least
    /// 257: the largest upload, 256 MiB, and a megabyte beside it); a body past it is answered 503.
    #[arg(long, env = "UCONTACT_MOCK_BODY_MEMORY_MB", default_value_t = 512, value_parser = body_memory)]
    pub body_memory_mb: usize,
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

/// A listen address: `host:port`. A port alone is a common slip, answered with the address meant.
/// The host of a listen address (`127.0.0.1:8085`, `[::1]:8085`), unless it names every interface.
pub fn listen_host(address: &str) -> Option<&str> {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host).trim_matches(['[', ']']);
    (!matches!(host, "" | "0.0.0.0" | "::")).then_some(host)
}

fn address(text: &str) -> Result<String, String> {
    let port = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok();
    if port(text) {
        return Err(format!(
            "{text} is a port, not an address: give 127.0.0.1:{text} (this machine only) or 0.0.0.0:{text} (every network)"
        ));
    }
    match text.rsplit_once(':') {
        Some((host, p)) if !host.is_empty() && port(p) => Ok(text.to_string()),
        _ => Err(format!("{text:?} is not host:port, such as 127.0.0.1:8085")),
    }
}

/// An IANA time zone, with examples when it is not one.
fn zone(text: &str) -> Result<Tz, String> {
    text.parse::<Tz>().map_err(|_| {
        format!("{text:?} is not an IANA time zone name: for example America/Montevideo, America/Sao_Paulo, Europe/Madrid or UTC")
    })
}

/// A count of 1 or more.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text:?}: give a whole number of 1 or more (the default instance always lives)")),
    }
}

fn seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => {
            Err(format!("{text:?}: give a whole number of seconds, 1 or more (0 would close every connection at once)"))
        }
    }
}

fn rate(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text:?}: give a whole number of bytes a second, 1 or more")),
    }
}

/// The smallest `--body-memory-mb`: the largest body a route takes (an upload's 256 MiB), and the
/// megabyte it held on the heap before it moved to its map (`http::body::Buffer`).
pub const MIN_BODY_MEMORY_MB: usize = 257;

fn body_memory(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= MIN_BODY_MEMORY_MB => Ok(n),
        _ => Err(format!(
            "{text:?}: give a whole number of megabytes, {MIN_BODY_MEMORY_MB} or more (an upload alone may be 256 MiB)"
        )),
    }
}

impl ServeArgs {
    /// The defaults with `args` applied, as from a command line (tests use it).
    pub fn from_args<I: IntoIterator<Item = &'static str>>(args: I) -> Result<Self, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("ucontact-mock").chain(args))?;
        Ok(cli.serve)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn refused(args: &[&'static str]) -> String {
        ServeArgs::from_args(args.iter().copied()).expect_err("refused").to_string()
    }

    #[test]
    fn slips_are_answered_with_what_was_meant() {
        assert!(refused(&["--listen", "8085"]).contains("give 127.0.0.1:8085"));
        assert!(refused(&["--backup-listen", "localhost"]).contains("such as 127.0.0.1:8085"));
        assert!(refused(&["--timezone", "Montevideo"]).contains("for example America/Montevideo"));
        assert!(refused(&["--max-instances", "0"]).contains("1 or more"));
        assert!(refused(&["--header-timeout", "0"]).contains("seconds, 1 or more"));
        assert!(refused(&["--idle-timeout", "0"]).contains("seconds, 1 or more"));
        assert!(refused(&["--body-timeout", "0"]).contains("seconds, 1 or more"));
        assert!(refused(&["--body-min-rate", "0"]).contains("bytes a second, 1 or more"));
        assert!(refused(&["--body-memory-mb", "256"]).contains("257 or more"));
        let args = ServeArgs::from_args(["--listen", "0.0.0.0:9000", "--timezone", "UTC", "--max-instances", "1"]);
        let args = args.expect("valid flags");
        assert_eq!((args.listen.as_str(), args.timezone, args.max_instances), ("0.0.0.0:9000", chrono_tz::UTC, 1));
        assert!(ServeArgs::from_args(["--listen", "[::1]:8085"]).is_ok());
        assert_eq!(ServeArgs::from_args(std::iter::empty::<&str>()).expect("the defaults").max_instances, 256);
    }

    #[test]
    fn the_health_command_explains_its_url() {
        let mut command = Cli::command();
        let help = command.find_subcommand_mut("health").expect("a health command").render_long_help().to_string();
        assert!(help.contains("/_mock/health") && help.contains("http://127.0.0.1:8085"), "{help}");
    }
}
