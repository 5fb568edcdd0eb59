//! Self-signed certificates for token-signing keys.
//!
//! Entra publishes each signing key with a self-signed certificate (`x5c`) and its SHA-1
//! thumbprint (`x5t`, also in v1 token headers). Nothing chains to it and nobody checks
//! its validity period; the certificate exists because relying parties (and some client
//! libraries) look the key up by `x5t` or read it from `x5c`.

use rcgen::{
    CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose, PKCS_RSA_SHA256,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use time::OffsetDateTime;

use crate::error::{CryptoError, Result};
use crate::random::random_bytes;
use crate::rsa::RsaPrivateKey;

/// Issues a self-signed RS256 certificate `CN=<common_name>` for `key`, valid from
/// `not_before` to `not_after`, with digitalSignature as its only key usage.
pub fn self_signed_signing_certificate(
    key: &RsaPrivateKey,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Vec<u8>> {
    if not_after <= not_before {
        return Err(CryptoError::InvalidCertificate(
            "a certificate must end after it starts".to_owned(),
        ));
    }
    let der = key.to_pkcs8_der()?;
    let key_pair = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    let mut serial = random_bytes::<16>()?;
    // A positive INTEGER (RFC 5280 §4.1.2.2).
    serial[0] &= 0x7f;
    params.serial_number = Some(serial.to_vec().into());
    params.not_before = not_before;
    params.not_after = not_after;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key_pair)?;
    Ok(cert.der().as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;
    use crate::pki::parse_certificate_info;
    use crate::rsa::RsaPublicKey;
    use crate::rsa::tests::test_key;

    #[test]
    fn certificate_carries_the_key_and_dates() -> Result<()> {
        let key = test_key();
        let start = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .map_err(|_| CryptoError::InvalidCertificate("bad test time".to_owned()))?;
        let end = start + Duration::days(60);
        let der = self_signed_signing_certificate(key, "Cerulean token signing", start, end)?;
        let info = parse_certificate_info(&der)?;
        assert_eq!(info.not_before, start);
        assert_eq!(info.not_after, end);
        assert!(!info.is_ca);
        let spki = RsaPublicKey::from_spki_der(&info.spki_der)?;
        assert_eq!(spki, key.public_key());
        assert!(self_signed_signing_certificate(key, "x", end, start).is_err());
        Ok(())
    }
}
