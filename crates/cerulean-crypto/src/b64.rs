//! Base64 helpers with the exact tolerances the wire needs.
//!
//! JOSE uses unpadded base64url (RFC 7515 §2) but some clients pad it; certificates in
//! `x5c` and Microsoft's `RawBody`/`ctx` fields use standard base64, sometimes without
//! padding. Encoding is always canonical; decoding accepts padding or its absence, and
//! nothing else (no whitespace, no mixed alphabets, no non-zero trailing bits).

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{CryptoError, Result};

const URL_NO_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const STD_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Unpadded base64url, as JOSE requires.
pub fn b64url_encode(data: &[u8]) -> String {
    URL_NO_PAD.encode(data)
}

/// Decodes base64url with or without `=` padding.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>> {
    URL_NO_PAD.decode(text).map_err(|_| CryptoError::Base64)
}

/// Standard, padded base64 (`x5c`, `RawBody`).
pub fn b64_std_encode(data: &[u8]) -> String {
    STD_PAD.encode(data)
}

/// Decodes standard base64 with or without `=` padding.
pub fn b64_std_decode(text: &str) -> Result<Vec<u8>> {
    STD_PAD.decode(text).map_err(|_| CryptoError::Base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_round_trip_and_padding_tolerance() -> Result<()> {
        let data = [0xfbu8, 0xff, 0xfe, 0x01];
        let enc = b64url_encode(&data);
        assert_eq!(enc, "-__-AQ");
        assert_eq!(b64url_decode(&enc)?, data);
        assert_eq!(b64url_decode("-__-AQ==")?, data);
        Ok(())
    }

    #[test]
    fn std_round_trip_and_padding_tolerance() -> Result<()> {
        let data = [0xfbu8, 0xff, 0xfe, 0x01];
        let enc = b64_std_encode(&data);
        assert_eq!(enc, "+//+AQ==");
        assert_eq!(b64_std_decode(&enc)?, data);
        assert_eq!(b64_std_decode("+//+AQ")?, data);
        Ok(())
    }

    #[test]
    fn rejects_wrong_alphabet_and_garbage() {
        assert!(b64url_decode("+//+AQ").is_err());
        assert!(b64_std_decode("-__-AQ").is_err());
        assert!(b64url_decode("a b").is_err());
        assert!(b64url_decode("A").is_err());
    }
}
