//! Mutual TLS (RFC 8705): what the TLS listener tells the rest of the server about the client
//! certificate of a connection.
//!
//! The TLS listener puts a [`ClientCertificate`] into the extensions of every request that
//! arrived with a client certificate; the resource-server guard compares its thumbprint with
//! the `cnf.x5t#S256` of certificate-bound tokens.

use crate::jose::sha256_b64;

/// The client certificate presented on the connection a request arrived on (DER).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate, DER-encoded.
    pub der: Vec<u8>,
}

impl ClientCertificate {
    /// The certificate's `x5t#S256` thumbprint: base64url SHA-256 of its DER encoding.
    pub fn thumbprint(&self) -> String {
        sha256_b64(&self.der)
    }
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t#S256", &self.thumbprint())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbprint_is_the_base64url_sha256_of_the_der() {
        let certificate = ClientCertificate {
            der: b"abc".to_vec(),
        };
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.
        assert_eq!(
            certificate.thumbprint(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }
}
