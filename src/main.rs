//! The `ucontact-mock` binary: parse the flags, serve, print where.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ucontact_mock::cli::{Cli, Command, LogFormat};

mod health;

/// mimalloc: under load a third of the CPU went to glibc's malloc and its arena locks (requests
/// are freed on another worker thread than the one that allocated them).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Health { url }) = cli.command {
        return health::check(url.as_deref().unwrap_or("http://127.0.0.1:8085"));
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
    tokio::select! {
        _ = shutdown_signal() => ExitCode::SUCCESS,
        _ = running.task => ExitCode::FAILURE,
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
