//! `ucontact-mock health [URL]`: a health check that needs no curl (Docker's HEALTHCHECK).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// Exits 0 when `GET <url>/_mock/health` answers 200.
pub fn check(url: &str) -> ExitCode {
    match probe(url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucontact-mock health: {e}");
            ExitCode::FAILURE
        }
    }
}

fn probe(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs are checked")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(|e| format!("{addr}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    write!(stream, "GET /_mock/health HTTP/1.0\r\nHost: {authority}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| e.to_string())?;
    let status = String::from_utf8_lossy(&head[..n]);
    if status.starts_with("HTTP/1.0 200") || status.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("not ready: {}", status.lines().next().unwrap_or("no answer")))
    }
}
