//! The HTTPS listener (`sandbank serve --tls`): a local certificate authority kept in the
//! store, a server certificate it signs at every start, and rustls set up to ask for — but not
//! require — client certificates (RFC 8705 mutual TLS).
//!
//! - The CA (an ECDSA P-256 key and a self-signed certificate) is created on the very first
//!   start and kept in the store's `auth_state` under [`kinds::TLS_CA`], so restarts and other
//!   instances sharing the database present certificates from the same CA: a client trusts it
//!   once.
//! - The server certificate names `localhost`, `127.0.0.1` and `::1` (plus any extra names
//!   asked for, such as the host of `--public-url`); its key lives only in memory.
//! - Any syntactically valid client certificate chain is accepted during the handshake, issued
//!   by a CA or self-signed, and the handshake signature is verified with the certificate's
//!   key: which certificate authenticates which client is decided later, per client, by
//!   [`crate::client_auth`]. The certificate reaches handlers as a
//!   [`ClientCertificate`](crate::mtls::ClientCertificate) request extension.
//!
//! One crypto provider across the project: rustls runs on aws-lc-rs.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use axum::Router;
use chrono::{DateTime, Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName as RootHint, ServerConfig,
};
use serde::{Deserialize, Serialize};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::state::{AuthServer, forever, kinds};

/// Why the TLS listener could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("TLS: {0}")]
pub struct TlsError(pub String);

fn err(message: impl std::fmt::Display) -> TlsError {
    TlsError(message.to_string())
}

/// The store key of the CA under [`kinds::TLS_CA`].
const CA_KEY: &str = "v1";
/// Subject common name of the local CA.
pub const CA_NAME: &str = "Sandbank local development CA";

/// The CA as the store keeps it (PEM).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredCa {
    certificate: String,
    private_key: String,
}

/// The local certificate authority of the TLS listener.
#[derive(Clone)]
pub struct LocalCa {
    /// The CA certificate, PEM: what clients trust.
    pub certificate_pem: String,
    private_key_pem: String,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa").finish_non_exhaustive()
    }
}

fn offset_time(at: DateTime<Utc>) -> Result<time::OffsetDateTime, TlsError> {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp()).map_err(err)
}

impl LocalCa {
    /// The CA kept in the server's store, created on the very first start. When another
    /// instance is creating it at the same moment, waits for that one's.
    pub async fn load_or_create(server: &AuthServer) -> Result<LocalCa, TlsError> {
        if let Some(ca) = Self::load(server).await? {
            return Ok(ca);
        }
        let now = server.now();
        let claimed = server
            .auth()
            .remember_once(kinds::TLS_CA, CA_KEY, now, now + forever())
            .await
            .map_err(err)?;
        if !claimed {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                if let Some(ca) = Self::load(server).await? {
                    return Ok(ca);
                }
            }
            // The instance that claimed the creation died before storing the CA: take over.
            tracing::warn!("the local CA was claimed but never stored; creating it here");
        }
        let ca = Self::generate(now)?;
        let stored = StoredCa {
            certificate: ca.certificate_pem.clone(),
            private_key: ca.private_key_pem.clone(),
        };
        server
            .write(kinds::TLS_CA, CA_KEY, &stored, forever())
            .await
            .map_err(err)?;
        tracing::info!("created the local certificate authority of the TLS listener");
        Ok(ca)
    }

    async fn load(server: &AuthServer) -> Result<Option<LocalCa>, TlsError> {
        // A claimed but not yet written entry holds `null`.
        let stored: Option<Option<StoredCa>> =
            server.read(kinds::TLS_CA, CA_KEY).await.map_err(err)?;
        Ok(stored.flatten().map(|stored| LocalCa {
            certificate_pem: stored.certificate,
            private_key_pem: stored.private_key,
        }))
    }

    /// A new CA, valid from a day before `now` for 20 years.
    pub fn generate(now: DateTime<Utc>) -> Result<LocalCa, TlsError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, CA_NAME);
        name.push(DnType::OrganizationName, "Sandbank");
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = offset_time(now - Duration::days(1))?;
        params.not_after = offset_time(now + Duration::days(20 * 365))?;
        let certificate = params.self_signed(&key).map_err(err)?;
        Ok(LocalCa {
            certificate_pem: certificate.pem(),
            private_key_pem: key.serialize_pem(),
        })
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> Result<CertificateDer<'static>, TlsError> {
        let (label, der) = pem_block(&self.certificate_pem)?;
        if label != "CERTIFICATE" {
            return Err(err("the stored CA certificate is not a certificate"));
        }
        Ok(CertificateDer::from(der))
    }

    /// A fresh server certificate for `localhost`, `127.0.0.1`, `::1` and `extra_names` (DNS
    /// names or IP addresses), valid from a day before `now` for a year: the certificate (PEM)
    /// and its private key (PKCS #8 DER).
    pub fn issue_server_certificate(
        &self,
        now: DateTime<Utc>,
        extra_names: &[String],
    ) -> Result<(CertificateDer<'static>, PrivatePkcs8KeyDer<'static>), TlsError> {
        let ca_key = KeyPair::from_pem(&self.private_key_pem).map_err(err)?;
        let issuer = Issuer::from_ca_cert_pem(&self.certificate_pem, ca_key).map_err(err)?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "localhost");
        params.distinguished_name = name;
        let mut sans = vec![
            SanType::DnsName("localhost".try_into().map_err(err)?),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ];
        for extra in extra_names {
            let san = match extra.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(extra.as_str().try_into().map_err(err)?),
            };
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
        params.subject_alt_names = sans;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = offset_time(now - Duration::days(1))?;
        params.not_after = offset_time(now + Duration::days(365))?;
        let certificate = params.signed_by(&key, &issuer).map_err(err)?;
        Ok((
            certificate.der().clone(),
            PrivatePkcs8KeyDer::from(key.serialize_der()),
        ))
    }

    /// The rustls configuration of the listener: a new server certificate (see
    /// [`LocalCa::issue_server_certificate`]), the CA in the chain, client certificates asked
    /// for but optional ([`AnyClientCertificate`]), HTTP/2 and HTTP/1.1.
    pub fn server_config(
        &self,
        now: DateTime<Utc>,
        extra_names: &[String],
    ) -> Result<Arc<ServerConfig>, TlsError> {
        let (certificate, key) = self.issue_server_certificate(now, extra_names)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = AnyClientCertificate::new(&provider);
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(err)?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(
                vec![certificate, self.certificate_der()?],
                PrivateKeyDer::Pkcs8(key),
            )
            .map_err(err)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The label and contents of the first PEM block of `text`.
fn pem_block(text: &str) -> Result<(String, Vec<u8>), TlsError> {
    use base64::Engine;
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .find_map(|line| {
            line.strip_prefix("-----BEGIN ")
                .and_then(|rest| rest.strip_suffix("-----"))
        })
        .ok_or_else(|| err("no PEM block"))?
        .to_owned();
    let body: String = lines
        .take_while(|line| !line.starts_with("-----END "))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(err)?;
    Ok((label, der))
}

/// A client-certificate verifier that asks every client for a certificate, lets clients
/// without one through, and accepts any chain whose certificates parse as X.509 — issued by a
/// CA or self-signed — after checking the handshake signature against the end-entity
/// certificate's key. Who the certificate authenticates is the authorization server's decision
/// per client, not the handshake's.
#[derive(Debug)]
pub struct AnyClientCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCertificate {
    /// A verifier checking handshake signatures with `provider`'s algorithms.
    pub fn new(provider: &CryptoProvider) -> AnyClientCertificate {
        AnyClientCertificate {
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[RootHint] {
        // No hints: a client sends whatever certificate it has.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        for der in std::iter::once(end_entity).chain(intermediates) {
            match X509Certificate::from_der(der) {
                Ok(([], _)) => {}
                _ => {
                    return Err(rustls::Error::InvalidCertificate(
                        CertificateError::BadEncoding,
                    ));
                }
            }
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Serves `app` over HTTPS on `listener` with `config` until `shutdown` completes (then
/// finishes the requests in flight, for at most `grace`). Every request that arrived with a
/// client certificate carries it as a [`ClientCertificate`](crate::mtls::ClientCertificate)
/// extension. `http` configures the HTTP/1 and HTTP/2 connections (hyper's limits).
pub async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    config: Arc<ServerConfig>,
    http: impl FnOnce(&mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>),
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(grace));
    });
    let app = app.layer(axum::middleware::from_fn(crate::mtls::client_certificate));
    let mut server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(config),
    )?;
    http(server.http_builder());
    server.handle(handle).serve(app.into_make_service()).await
}
