//! HTTPS on both listeners (`--tls-self-signed`, `--tls-cert`/`--tls-key`), checked with a rustls
//! client that trusts the server's certificate (and one that does not), and the health command.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(extra: &[&'static str]) -> Result<ucontact_mock::Running, String> {
    ucontact_mock::start(&crate::helpers::ci_args(extra).map_err(|e| e.to_string())?).await
}

/// A client that trusts exactly the certificates of `pem`.
fn trusting(pem: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(certificate.expect("a PEM certificate")).expect("a usable certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Sends one HTTP/1.1 request over TLS to `addr` as `host`; the whole answer, or the TLS error.
async fn https(
    client: &tokio_rustls::TlsConnector,
    addr: std::net::SocketAddr,
    host: &'static str,
    request: &str,
) -> Result<String, std::io::Error> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = ServerName::try_from(host).expect("a server name");
    let mut tls = client.connect(name, tcp).await?;
    tls.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

const HEALTH: &str = "GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn a_self_signed_certificate_serves_both_listeners() {
    let running = start(&["--tls-self-signed"]).await.expect("the mock starts");
    assert!(running.banner().starts_with("listening main=https://127.0.0.1:"), "{}", running.banner());
    let pem = running.certificate_pem.clone().expect("the certificate");
    let client = trusting(&pem);
    for (addr, host) in [(running.main, "localhost"), (running.backup, "localhost"), (running.main, "127.0.0.1")] {
        let answer = https(&client, addr, host, HEALTH).await.expect("a trusted handshake");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with(r#"{"status":"ok"}"#), "{answer}");
    }
    // The Integra API over HTTPS: a token, as the vendor's cloud answers it.
    let body = "user=admin&password=admin";
    let login = format!(
        "POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = https(&client, running.main, "localhost", &login).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.contains(r#"[{"user":"admin","#), "{answer}");
    // A recording from the backup host over HTTPS.
    let record = "GET /records/20160118/7e4e7db9-f080-494e-b04b-7c8e47711558.gsm HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nRange: bytes=0-32\r\n\r\n";
    let answer = https(&client, running.backup, "localhost", record).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{answer}");

    // A client that trusts another certificate refuses the handshake; plain HTTP gets no answer.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let error = https(&trusting(&other.cert.pem()), running.main, "localhost", HEALTH).await.unwrap_err();
    assert!(error.to_string().contains("certificate"), "{error}");
    let mut plain = tokio::net::TcpStream::connect(running.main).await.unwrap();
    plain.write_all(HEALTH.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "plain HTTP is not served on an HTTPS listener");
    running.task.abort();
}

#[tokio::test]
async fn a_certificate_from_files_and_the_health_command() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let cert: &'static str = Box::leak(cert.to_str().unwrap().to_string().into_boxed_str());
    let key: &'static str = Box::leak(key.to_str().unwrap().to_string().into_boxed_str());
    let running = start(&["--tls-cert", cert, "--tls-key", key]).await.expect("the mock starts");
    assert_eq!(running.certificate_pem.as_deref(), Some(made.cert.pem().as_str()));
    let answer = https(&trusting(&made.cert.pem()), running.backup, "localhost", HEALTH).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");

    // `ucontact-mock health` speaks HTTPS too (Docker's health check under --tls-*).
    let health = |url: String| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ucontact-mock")).args(["health", &url]).output().unwrap()
    };
    let main = running.main;
    let ok = tokio::task::spawn_blocking(move || health(format!("https://{main}"))).await.unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let plain = tokio::task::spawn_blocking(move || health(format!("http://{main}"))).await.unwrap();
    assert!(!plain.status.success(), "HTTP against an HTTPS listener is not ready");

    // Wrong files: a clear error at start, nothing served.
    let missing = start(&["--tls-cert", "/nonexistent/cert.pem", "--tls-key", key]).await.unwrap_err();
    assert!(missing.contains("could not read --tls-cert /nonexistent/cert.pem"), "{missing}");
    let swapped = start(&["--tls-cert", key, "--tls-key", cert]).await.unwrap_err();
    assert!(swapped.contains("--tls-cert"), "{swapped}");
    let alone = start(&["--tls-cert", cert]).await.unwrap_err();
    assert!(alone.contains("--tls-key"), "{alone}");
    let both = start(&["--tls-cert", cert, "--tls-key", key, "--tls-self-signed"]).await.unwrap_err();
    assert!(both.contains("cannot be used with"), "{both}");
    running.task.abort();
}
