//! `ucontact-mock health [URL]`: a health check that needs no curl (Docker's HEALTHCHECK). It asks
//! `GET <url>/_mock/health` over HTTP, or HTTPS for an `https://` URL (the certificate is not
//! verified: the probe asks whether the local server is ready, not who it is).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

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
    match get(url, "/_mock/health", None)? {
        (200, _) => Ok(()),
        (status, _) => Err(format!("not ready: HTTP {status}")),
    }
}

/// `GET <url><path>` (with `Authorization: Bearer <bearer>` when given): the status and the body.
pub fn get(url: &str, path: &str, bearer: Option<&str>) -> Result<(u16, Vec<u8>), String> {
    let (secure, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (false, rest),
        (_, Some(rest)) => (true, rest),
        _ => return Err("only http:// and https:// URLs are asked".into()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(|e| format!("{addr}: {e}"))?;
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(3)));
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n{auth}\r\n");
    let mut answer = Vec::new();
    if secure {
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h).trim_matches(['[', ']']);
        let mut tls = client(host)?;
        let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
        exchange(&mut stream, &request, &mut answer)?;
    } else {
        exchange(&mut tcp, &request, &mut answer)?;
    }
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no complete answer")?;
    let head = String::from_utf8_lossy(&answer[..end]);
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("not HTTP: {head}"))?;
    Ok((status, answer[end + 4..].to_vec()))
}

/// Sends the request and reads the answer to its end (an HTTP/1.0 answer closes the connection).
fn exchange(stream: &mut impl ReadWrite, request: &str, answer: &mut Vec<u8>) -> Result<(), String> {
    /// More than any answer asked for here.
    const MOST: u64 = 64 * 1024 * 1024;
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    match (&mut *stream).take(MOST).read_to_end(answer) {
        Ok(_) => Ok(()),
        // A TLS peer that closes without close_notify: what was read is the answer.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn client(host: &str) -> Result<rustls::ClientConnection, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
    rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())
}

/// Accepts the server's certificate (checking its handshake signatures): readiness, not identity.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
