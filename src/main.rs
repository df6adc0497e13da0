//! The `ucontact-mock` binary: parse the flags, serve, print where.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ucontact_mock::cli::{Cli, Command, LogFormat};

mod coverage_cli;
mod health;

/// mimalloc: under load a third of the CPU went to glibc's malloc and its arena locks (requests
/// are freed on another worker thread than the one that allocated them).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where `health` and `coverage` look without a URL: the default `--listen`.
const DEFAULT_URL: &str = "http://127.0.0.1:8085";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Health { url }) => return health::check(url.as_deref().unwrap_or(DEFAULT_URL)),
        Some(Command::Coverage { url, format, fail_under, instance, control_token }) => {
            let url = url.as_deref().unwrap_or(DEFAULT_URL);
            return coverage_cli::run(url, format, fail_under, instance.as_deref(), control_token.as_deref());
        }
        None => {}
    }
    init_logging(cli.serve.log_format);
    let running = match ucontact_mock::start(&cli.serve).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("ucontact-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", running.banner());
    let _ = stdout.flush();
    let stopped = tokio::select! {
        _ = shutdown_signal() => ExitCode::SUCCESS,
        _ = running.task => ExitCode::FAILURE,
    };
    if let Some(path) = &cli.serve.coverage_out {
        write_coverage(&running.state, path);
    }
    stopped
}

/// `--coverage-out`: the report as the server stops, in the format the file name asks for.
fn write_coverage(state: &ucontact_mock::AppState, path: &std::path::Path) {
    let format = ucontact_mock::control::coverage::Format::of_file(path);
    let (text, _) = format.render(&state.coverage.report(None));
    match std::fs::write(path, text) {
        Ok(()) => eprintln!("ucontact-mock: wrote the coverage report to {}", path.display()),
        Err(e) => eprintln!("ucontact-mock: could not write the coverage report to {}: {e}", path.display()),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
