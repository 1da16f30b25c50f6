//! Certificates from device keys, the pinning verifier (client) and the
//! device-key verifier (server).

use crate::TransportError;
use kordon_record::{DeviceKey, PublicKey};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// DER prefix of an ed25519 SubjectPublicKeyInfo (RFC 8410), before the key.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// SHA-256 of a certificate's DER: what vehicles pin.
pub fn certificate_fingerprint(cert_der: &[u8]) -> [u8; 32] {
    Sha256::digest(cert_der).into()
}

fn key_pair(key: &DeviceKey) -> Result<rcgen::KeyPair, TransportError> {
    let pkcs8 = key.to_pkcs8_der();
    let der = PrivatePkcs8KeyDer::from(pkcs8.as_slice());
    rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_ED25519)
        .map_err(|e| TransportError::Tls(e.to_string()))
}

/// A self-signed certificate for `key`, issued to `name`.
pub fn self_signed_cert(key: &DeviceKey, name: &str) -> Result<Vec<u8>, TransportError> {
    let params = rcgen::CertificateParams::new(vec![name.to_string()])
        .map_err(|e| TransportError::Tls(e.to_string()))?;
    let cert = params
        .self_signed(&key_pair(key)?)
        .map_err(|e| TransportError::Tls(e.to_string()))?;
    Ok(cert.der().to_vec())
}

/// A device key the TLS layer signs through (the handshake, the device's
/// certificate) without ever holding its bytes: a vehicle's key stays in
/// the one locked page it lives in.
pub type SharedDeviceKey = Arc<dyn Deref<Target = DeviceKey> + Send + Sync>;

/// [`SharedDeviceKey`] as rustls's and rcgen's signer (Ed25519 only).
#[derive(Clone)]
struct DeviceSigner {
    key: SharedDeviceKey,
    public: [u8; 32],
}

impl DeviceSigner {
    fn new(key: SharedDeviceKey) -> Self {
        let public = key.public().0;
        DeviceSigner { key, public }
    }
}

impl fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceSigner({})", self.key.public().short())
    }
}

impl rustls::sign::SigningKey for DeviceSigner {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ED25519)
            .then(|| Box::new(self.clone()) as Box<dyn rustls::sign::Signer>)
    }

    fn public_key(&self) -> Option<rustls::pki_types::SubjectPublicKeyInfoDer<'_>> {
        let mut spki = ED25519_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(&self.public);
        Some(spki.into())
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ED25519
    }
}

impl rustls::sign::Signer for DeviceSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        Ok(self.key.sign_message(message).to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

impl rcgen::RemoteKeyPair for DeviceSigner {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign_message(message).to_vec())
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

/// The ed25519 device key a certificate carries, parsed properly (webpki).
pub fn device_key_of(cert_der: &[u8]) -> Option<PublicKey> {
    let der = CertificateDer::from(cert_der);
    let parsed = rustls::server::ParsedCertificate::try_from(&der).ok()?;
    let spki = parsed.subject_public_key_info();
    let bytes: &[u8] = spki.as_ref();
    let key = bytes.strip_prefix(&ED25519_SPKI_PREFIX[..])?;
    Some(PublicKey(key.try_into().ok()?))
}

/// The device key of the peer of an established connection.
pub fn peer_device_key(conn: &quinn::Connection) -> Option<PublicKey> {
    let identity = conn.peer_identity()?;
    let certs = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    device_key_of(certs.first()?.as_ref())
}

fn private_key(key: &DeviceKey) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_pkcs8_der().to_vec()))
}

/// The application protocols both sides offer, preferred first: the
/// server picks the first of its own the vehicle offers, so an older
/// vehicle or an older server still meets the other on
/// [`kordon_proto::ALPN`].
pub(crate) const PROTOCOLS: [&[u8]; 3] = [
    kordon_proto::ALPN_HELD_OFFERS,
    kordon_proto::ALPN_RECORDS_WITH_HELLO,
    kordon_proto::ALPN,
];

pub(crate) fn server_config(
    key: &DeviceKey,
    cert_der: Vec<u8>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    protocols: &[&[u8]],
) -> Result<rustls::ServerConfig, TransportError> {
    let verifier = Arc::new(DeviceCertVerifier {
        provider: provider.clone(),
    });
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TransportError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![CertificateDer::from(cert_der)], private_key(key))
        .map_err(|e| TransportError::Tls(e.to_string()))?;
    cfg.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
    // A vehicle that connected before may resume its session and send its
    // first messages with its first packet (0-RTT). The tickets are kept
    // here, in memory, and each is taken when used: one the process does
    // not hold (a replay, another process, a restart) resumes nothing and
    // the handshake is a full one. QUIC wants either no early data or
    // this maximum.
    cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(SESSIONS_KEPT);
    cfg.max_early_data_size = u32::MAX;
    Ok(cfg)
}

/// Sessions a server process keeps for resumption: a ticket a vehicle
/// holds beyond these is not honoured (a full handshake instead). About
/// a kilobyte each with the vehicle's certificate.
const SESSIONS_KEPT: usize = 8_192;

pub(crate) fn client_config(
    key: SharedDeviceKey,
    pinned: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
    protocols: &[&[u8]],
    tickets: Option<&crate::resumption::SessionTickets>,
) -> Result<rustls::ClientConfig, TransportError> {
    let signer = DeviceSigner::new(key);
    let cert = rcgen::CertificateParams::new(vec!["kordon-device".to_string()])
        .and_then(|params| {
            params.self_signed(&rcgen::KeyPair::from_remote(Box::new(signer.clone()))?)
        })
        .map_err(|e| TransportError::Tls(e.to_string()))?;
    let certified = rustls::sign::CertifiedKey::new(
        vec![CertificateDer::from(cert.der().to_vec())],
        Arc::new(signer),
    );
    let verifier = Arc::new(PinnedServerVerifier {
        pinned,
        provider: provider.clone(),
    });
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TransportError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    cfg.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
    match tickets {
        Some(tickets) => {
            cfg.resumption = rustls::client::Resumption::store(tickets.store());
            cfg.enable_early_data = true;
        }
        None => cfg.resumption = rustls::client::Resumption::disabled(),
    }
    Ok(cfg)
}

/// Both verifiers: TLS 1.2 is never negotiated (QUIC is TLS 1.3 only).
fn refuse_tls12() -> Result<HandshakeSignatureValid, rustls::Error> {
    Err(rustls::Error::General("TLS 1.2 is not accepted".into()))
}

/// Both verifiers: the handshake signature, checked with the peer
/// certificate's key.
fn verify_tls13(
    provider: &rustls::crypto::CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(
        message,
        cert,
        dss,
        &provider.signature_verification_algorithms,
    )
}

/// Accepts the server only if its certificate is the pinned one.
#[derive(Debug)]
struct PinnedServerVerifier {
    pinned: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found = certificate_fingerprint(end_entity.as_ref());
        if found == self.pinned {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "server certificate {} is not the one pinned at enrollment ({})",
                hex::encode(&found[..8]),
                hex::encode(&self.pinned[..8])
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        refuse_tls12()
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13(&self.provider, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Requires a client certificate carrying an ed25519 key and proof of
/// possession (TLS CertificateVerify). Authorisation happens after the
/// handshake, with the key, against the enrollment register.
#[derive(Debug)]
struct DeviceCertVerifier {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ClientCertVerifier for DeviceCertVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match device_key_of(end_entity.as_ref()) {
            Some(_) => Ok(ClientCertVerified::assertion()),
            None => Err(rustls::Error::General(
                "client certificate does not carry an ed25519 device key".into(),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        refuse_tls12()
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13(&self.provider, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_carries_the_device_key() {
        let key = DeviceKey::generate();
        let cert = self_signed_cert(&key, "kordon-device").expect("cert");
        assert_eq!(device_key_of(&cert), Some(key.public()));
        assert_eq!(device_key_of(b"not a certificate"), None);
    }

    #[test]
    fn a_client_presents_its_device_certificate_and_signs_through_the_shared_key() {
        let key = DeviceKey::from_seed(&[4; 32]);
        let shared: SharedDeviceKey = Arc::new(Box::new(DeviceKey::from_seed(&[4; 32])));
        let cfg =
            client_config(shared, [0; 32], crate::provider(), &PROTOCOLS, None).expect("config");
        let certified = cfg
            .client_auth_cert_resolver
            .resolve(&[], &[SignatureScheme::ED25519])
            .expect("a certificate");
        // The same certificate as one made from the key's bytes.
        let cert = self_signed_cert(&key, "kordon-device").expect("cert");
        assert_eq!(certified.cert.len(), 1);
        assert_eq!(certified.cert[0].as_ref(), cert.as_slice());
        assert_eq!(
            device_key_of(certified.cert[0].as_ref()),
            Some(key.public())
        );
        assert!(certified.keys_match().is_ok());
        // Ed25519 only; the handshake's message signed as given.
        assert!(certified
            .key
            .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
            .is_none());
        let signer = certified
            .key
            .choose_scheme(&[SignatureScheme::RSA_PSS_SHA256, SignatureScheme::ED25519])
            .expect("ed25519");
        assert_eq!(signer.scheme(), SignatureScheme::ED25519);
        let signature = signer
            .sign(b"TLS 1.3, client CertificateVerify")
            .expect("sign");
        assert_eq!(
            signature,
            key.sign_message(b"TLS 1.3, client CertificateVerify")
                .to_vec()
        );
    }
}
