//! PKCS#10 certification requests (RFC 2986) as sent in a DRS join's
//! `CertificateRequest.Data` (PROTOCOLS.md §4.1).
//!
//! The CSR only carries the device key and proves possession of it: the server replaces
//! the subject (clients send the placeholder `CN=7E980AD9-B86D-4306-9425-9AC066FB014A`)
//! and ignores requested extensions, except the optional DRS nonce of HBS (OID
//! 1.2.840.113556.1.5.284.2.1), which is handed back to the caller.
//!
//! Accepted: version 0, an `rsaEncryption` key of at least [`MIN_RSA_BITS`] bits, and a
//! self-signature with RSA PKCS#1 v1.5 over SHA-256, SHA-384, SHA-512 or (legacy) SHA-1
//! that verifies with that key. Everything else is refused with a message naming the
//! reason; nothing panics, whatever the bytes.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::error::{CryptoError, Result};
use crate::rsa::{MIN_RSA_BITS, RsaPublicKey, significant_bits};
use crate::x509_verify::{RsaSignatureAlgorithm, require_canonical_outer, rsa_algorithm};

/// Largest DER CSR accepted. An RSA-8192 CSR with a few extensions is about 2.5 KiB.
pub const MAX_CSR_LEN: usize = 16 * 1024;

/// The extension (in the CSR's extensionRequest) that carries the DRS nonce (HBS §3.2).
pub const OID_DRS_NONCE_EXTENSION: &str = "1.2.840.113556.1.5.284.2.1";

const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// A CSR whose self-signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationRequest {
    /// The key to certify.
    pub public_key: RsaPublicKey,
    /// That key's SubjectPublicKeyInfo in canonical DER (`rsaEncryption`, NULL
    /// parameters), re-encoded from the parsed key rather than copied from the request.
    pub spki_der: Vec<u8>,
    /// The requested subject as text (`CN=7E980AD9-…`); informational only.
    pub subject: String,
    /// The algorithm of the self-signature.
    pub signature_algorithm: RsaSignatureAlgorithm,
    /// The raw `extnValue` of extension 1.2.840.113556.1.5.284.2.1, if requested.
    pub nonce_extension: Option<Vec<u8>>,
}

/// Parses a DER PKCS#10 request and verifies its self-signature.
pub fn parse_and_verify_csr(der: &[u8]) -> Result<CertificationRequest> {
    if der.len() > MAX_CSR_LEN {
        return Err(CryptoError::InvalidCsr(format!(
            "request is larger than {MAX_CSR_LEN} bytes"
        )));
    }
    let (rest, csr) = X509CertificationRequest::from_der(der)
        .map_err(|e| CryptoError::InvalidCsr(format!("not a DER PKCS#10 request ({e})")))?;
    if !rest.is_empty() {
        return Err(CryptoError::InvalidCsr(
            "trailing data after the request".to_owned(),
        ));
    }
    let info = &csr.certification_request_info;
    if info.version.0 != 0 {
        return Err(CryptoError::InvalidCsr(format!(
            "unsupported version {}",
            info.version.0
        )));
    }

    let public_key = rsa_public_key(&csr)?;

    let signature_algorithm = rsa_algorithm(&csr.signature_algorithm, true).map_err(|e| {
        CryptoError::InvalidCsr(format!(
            "the request must be signed with RSA PKCS#1 v1.5 and SHA-256 ({e})"
        ))
    })?;
    if csr.signature_value.unused_bits != 0 {
        return Err(CryptoError::InvalidCsr(
            "malformed signature bit string".to_owned(),
        ));
    }
    require_canonical_outer(
        der,
        info.raw,
        signature_algorithm,
        &csr.signature_value.data,
    )
    .map_err(|_| CryptoError::InvalidCsr("not DER around the signed request".to_owned()))?;
    signature_algorithm
        .verify(&public_key, info.raw, &csr.signature_value.data)
        .map_err(|_| {
            CryptoError::InvalidCsr(
                "the request's signature does not verify with its own key".to_owned(),
            )
        })?;

    Ok(CertificationRequest {
        spki_der: public_key.spki_der().to_vec(),
        public_key,
        subject: info.subject.to_string(),
        signature_algorithm,
        nonce_extension: nonce_extension(&csr)?,
    })
}

fn rsa_public_key(csr: &X509CertificationRequest<'_>) -> Result<RsaPublicKey> {
    let spki = &csr.certification_request_info.subject_pki;
    let alg = spki.algorithm.algorithm.to_id_string();
    if alg != OID_RSA_ENCRYPTION {
        return Err(CryptoError::InvalidCsr(format!(
            "the key must be an RSA key (rsaEncryption), not {alg}"
        )));
    }
    let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
        return Err(CryptoError::InvalidCsr(
            "malformed RSA public key".to_owned(),
        ));
    };
    let bits = significant_bits(rsa.modulus);
    if bits < MIN_RSA_BITS {
        return Err(CryptoError::KeyTooSmall {
            bits,
            min: MIN_RSA_BITS,
        });
    }
    RsaPublicKey::from_peer_components(rsa.modulus, rsa.exponent)
        .map_err(|e| CryptoError::InvalidCsr(format!("unusable RSA public key ({e})")))
}

fn nonce_extension(csr: &X509CertificationRequest<'_>) -> Result<Option<Vec<u8>>> {
    let mut found = None;
    for attr in csr.certification_request_info.iter_attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            continue;
        };
        for ext in &request.extensions {
            if ext.oid.to_id_string() == OID_DRS_NONCE_EXTENSION {
                if found.is_some() {
                    return Err(CryptoError::InvalidCsr(
                        "the nonce extension appears twice".to_owned(),
                    ));
                }
                found = Some(ext.value.to_vec());
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use rcgen::{
        CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256,
    };
    use rustls_pki_types::PrivatePkcs8KeyDer;

    use super::*;
    use crate::rsa::tests::test_key;

    fn csr_der(extensions: Vec<CustomExtension>) -> Vec<u8> {
        let der = test_key().to_pkcs8_der().unwrap();
        let key = KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(der.expose()),
            &PKCS_RSA_SHA256,
        )
        .unwrap();
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "7E980AD9-B86D-4306-9425-9AC066FB014A");
        params.distinguished_name = dn;
        params.custom_extensions = extensions;
        params.serialize_request(&key).unwrap().der().to_vec()
    }

    #[test]
    fn accepts_a_self_signed_rsa_request() {
        let csr = parse_and_verify_csr(&csr_der(Vec::new())).unwrap();
        assert_eq!(csr.public_key, test_key().public_key());
        assert_eq!(csr.spki_der, test_key().public_key().spki_der());
        assert_eq!(csr.subject, "CN=7E980AD9-B86D-4306-9425-9AC066FB014A");
        assert_eq!(
            csr.signature_algorithm,
            RsaSignatureAlgorithm::RsaPkcs1Sha256
        );
        assert_eq!(csr.nonce_extension, None);
    }

    #[test]
    fn returns_the_nonce_extension() {
        let nonce = vec![0x04, 0x03, b'a', b'b', b'c'];
        let ext =
            CustomExtension::from_oid_content(&[1, 2, 840, 113556, 1, 5, 284, 2, 1], nonce.clone());
        let csr = parse_and_verify_csr(&csr_der(vec![ext])).unwrap();
        assert_eq!(csr.nonce_extension, Some(nonce));
    }

    #[test]
    fn every_flipped_bit_in_the_signed_part_is_caught() {
        let good = csr_der(Vec::new());
        // Flip one bit in each of a spread of positions; none may be accepted unchanged.
        for pos in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[pos] ^= 0x01;
            if let Ok(csr) = parse_and_verify_csr(&bad) {
                // Only a change in the unsigned, non-semantic outer bytes could pass; the
                // key and subject must then be exactly the originals.
                panic!("mutation at {pos} accepted: {csr:?}");
            }
        }
    }

    #[test]
    fn oversized_and_trailing_input_refused() {
        let mut der = csr_der(Vec::new());
        der.push(0);
        assert!(matches!(
            parse_and_verify_csr(&der),
            Err(CryptoError::InvalidCsr(_))
        ));
        assert!(parse_and_verify_csr(&vec![0x30; MAX_CSR_LEN + 1]).is_err());
    }
}
