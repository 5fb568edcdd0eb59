//! Building PKCS#10 requests, as a device does before a DRS join (the counterpart of
//! [`parse_and_verify_csr`](crate::csr::parse_and_verify_csr)).
//!
//! The request is what every known DRS client sends: a subject with one CN (normally the
//! placeholder [`CSR_PLACEHOLDER_CN`]), the RSA key, no attributes, signed with
//! sha256WithRSAEncryption.

use crate::der;
use crate::device_ca::arcs;
use crate::error::Result;
use crate::rsa::RsaPrivateKey;

/// The fixed subject CN real clients put in join requests; the DRS replaces it.
pub const CSR_PLACEHOLDER_CN: &str = "7E980AD9-B86D-4306-9425-9AC066FB014A";

/// A DER PKCS#10 request for `key` with subject `CN=<common_name>`.
pub fn build_csr(key: &RsaPrivateKey, common_name: &str) -> Result<Vec<u8>> {
    let cn = der::sequence(&[
        &der::oid(arcs::COMMON_NAME)?,
        &der::utf8_string(common_name),
    ]);
    let subject = der::sequence(&[&der::set_of(vec![cn])]);
    let info = der::sequence(&[
        &der::unsigned_integer(&[0]),
        &subject,
        &key.public_key().to_spki_der(),
        // attributes [0] IMPLICIT SET OF Attribute: present and empty.
        &der::tlv(0xa0, &[]),
    ]);
    let alg = der::sequence(&[&der::oid(arcs::SHA256_WITH_RSA)?, &der::null()]);
    let signature = key.sign_rs256(&info)?;
    Ok(der::sequence(&[&info, &alg, &der::bit_string(&signature)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::parse_and_verify_csr;

    #[test]
    fn built_request_verifies_and_carries_the_key() {
        let key = RsaPrivateKey::generate(2048).unwrap();
        let der = build_csr(&key, CSR_PLACEHOLDER_CN).unwrap();
        let parsed = parse_and_verify_csr(&der).unwrap();
        assert_eq!(parsed.public_key, key.public_key());
        assert_eq!(parsed.subject, format!("CN={CSR_PLACEHOLDER_CN}"));
        assert!(parsed.nonce_extension.is_none());
    }

    #[test]
    fn a_flipped_signature_bit_is_refused() {
        let key = RsaPrivateKey::generate(2048).unwrap();
        let mut der = build_csr(&key, "device").unwrap();
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(parse_and_verify_csr(&der).is_err());
    }
}
