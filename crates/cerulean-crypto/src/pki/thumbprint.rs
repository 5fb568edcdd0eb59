//! Certificate fingerprints in the forms the wire and the Windows UI use.

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use sha2::{Digest, Sha256};

/// SHA-1 of `data`. SHA-1 is still how certificates are *named* (thumbprints, `x5t`);
/// it is never used here to sign or to check integrity.
pub(crate) fn sha1_digest(data: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref());
    out
}

/// Upper-case hex SHA-1 of a DER certificate: the "thumbprint" Windows shows and that
/// MS-DVRJ's `Certificate.Thumbprint` and the OMA-DM certificate store node names use.
pub fn sha1_thumbprint_hex(der: &[u8]) -> String {
    hex::encode_upper(sha1_digest(der))
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            sha1_thumbprint_hex(b"abc"),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
