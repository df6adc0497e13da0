//! HTTPS like the real instance's (`--tls-cert`/`--tls-key`, or `--tls-self-signed` for a
//! certificate made at start), on both listeners, through rustls with the `ring` provider.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server's TLS settings and the certificate it presents (PEM), for clients to trust.
#[derive(Clone)]
pub struct Tls {
    pub config: Arc<ServerConfig>,
    pub certificate_pem: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// The names a self-signed certificate is valid for: the loopback, plus the host the server was
/// asked to listen on. (`*.localhost` would not help: verifiers refuse a wildcard over one label,
/// so over HTTPS an instance is named by `X-Mock-Instance`.)
fn self_signed_names(listen: &[&str]) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    for address in listen {
        if let Some(host) = crate::cli::listen_host(address)
            && !names.iter().any(|n| n == host)
        {
            names.push(host.to_string());
        }
    }
    names
}

/// A certificate and key made now, valid for the loopback names and the listen hosts.
pub fn self_signed(listen: &[&str]) -> Result<Tls, String> {
    let made = rcgen::generate_simple_self_signed(self_signed_names(listen))
        .map_err(|e| format!("could not make a self-signed certificate: {e}"))?;
    let certificate_pem = made.cert.pem();
    let key = PrivateKeyDer::try_from(made.signing_key.serialize_der())
        .map_err(|e| format!("the self-signed key is unusable: {e}"))?;
    Ok(Tls { config: config(vec![made.cert.der().clone()], key)?, certificate_pem })
}

/// The certificate chain and key of PEM files (`--tls-cert`, `--tls-key`).
pub fn from_files(cert: &Path, key: &Path) -> Result<Tls, String> {
    let certificate_pem =
        std::fs::read_to_string(cert).map_err(|e| format!("could not read --tls-cert {}: {e}", cert.display()))?;
    let chain = CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--tls-cert {} is not PEM certificates: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("--tls-cert {} holds no certificate", cert.display()));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("--tls-key {}: no private key: {e}", key.display()))?;
    Ok(Tls { config: config(chain, key)?, certificate_pem })
}

fn config(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key do not make a TLS server: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_self_signed_certificate_names_the_loopback_and_the_listen_hosts() {
        let names = super::self_signed_names(&["0.0.0.0:8085", "mock.internal:8086", "[::1]:8085"]);
        assert_eq!(names, ["localhost", "127.0.0.1", "::1", "mock.internal"]);
        assert!(super::self_signed(&["127.0.0.1:0"]).is_ok());
    }
}
