//! Values of the private 1.2.840.113556.1.5.284.x extensions.
//!
//! Each `extnValue` holds an OCTET STRING that wraps the value. Entra writes that inner
//! OCTET STRING with a BER long-form length even for short values (`04 81 10 <16 bytes>`
//! for a GUID, `04 81 01 31` for join type "1"); other writers use the DER short form
//! (`04 10 <16>`) or put the bare value in `extnValue`. We write Entra's form and read all
//! three.

use crate::error::{CryptoError, Result};

/// Wraps `value` the way Entra does: `04 81 <len> value` (`04 82 <len16>` beyond 255).
pub fn encode_ms_value(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 4);
    out.push(0x04);
    match u8::try_from(value.len()) {
        Ok(len) => out.extend_from_slice(&[0x81, len]),
        Err(_) => {
            let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
            out.push(0x82);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out.extend_from_slice(value);
    out
}

/// Unwraps an inner OCTET STRING in short or long form whose length matches exactly;
/// `None` if `raw` is not such an OCTET STRING.
fn unwrap_octet_string(raw: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = raw.split_first()?;
    if tag != 0x04 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, body) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => {
            let (&len, body) = rest.split_first()?;
            (usize::from(len), body)
        }
        0x82 => {
            let len_bytes = rest.get(..2)?;
            (
                usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]])),
                &rest[2..],
            )
        }
        _ => return None,
    };
    (body.len() == len).then_some(body)
}

/// Reads a GUID value (Microsoft byte order): `04 10 <16>`, `04 81 10 <16>` or a bare 16
/// bytes.
pub fn decode_ms_guid(raw: &[u8]) -> Result<[u8; 16]> {
    let bytes = if raw.len() == 16 {
        raw
    } else {
        unwrap_octet_string(raw).ok_or(CryptoError::InvalidGuid(
            "extension value is not a wrapped 16-byte GUID",
        ))?
    };
    <[u8; 16]>::try_from(bytes)
        .map_err(|_| CryptoError::InvalidGuid("extension value is not 16 bytes"))
}

/// Reads a short ASCII value (join type, region): wrapped in either form or bare.
pub fn decode_ms_text(raw: &[u8]) -> Result<&str> {
    let bytes = match unwrap_octet_string(raw) {
        Some(inner) => inner,
        None if raw.first() == Some(&0x04) => {
            return Err(CryptoError::InvalidCertificate(
                "malformed OCTET STRING in a Microsoft extension".to_owned(),
            ));
        }
        None => raw,
    };
    if bytes.is_empty() || !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(CryptoError::InvalidCertificate(
            "Microsoft extension value is not printable ASCII".to_owned(),
        ));
    }
    std::str::from_utf8(bytes).map_err(|_| {
        CryptoError::InvalidCertificate("Microsoft extension value is not ASCII".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: [u8; 16] = [
        0xFA, 0xC6, 0x53, 0x9D, 0x8E, 0xB3, 0x09, 0x45, 0x8F, 0xB1, 0x51, 0xDE, 0xDB, 0x42, 0x1A,
        0xAC,
    ];

    #[test]
    fn writes_entras_long_form() {
        let v = encode_ms_value(&GUID);
        assert_eq!(&v[..3], &[0x04, 0x81, 0x10]);
        assert_eq!(&v[3..], &GUID);
        assert_eq!(encode_ms_value(b"1"), vec![0x04, 0x81, 0x01, 0x31]);
        let long = encode_ms_value(&[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn reads_all_three_guid_forms() -> Result<()> {
        let mut short = vec![0x04, 0x10];
        short.extend_from_slice(&GUID);
        assert_eq!(decode_ms_guid(&short)?, GUID);
        assert_eq!(decode_ms_guid(&encode_ms_value(&GUID))?, GUID);
        assert_eq!(decode_ms_guid(&GUID)?, GUID);
        Ok(())
    }

    #[test]
    fn rejects_malformed_guids() {
        let mut wrong_len = vec![0x04, 0x0f];
        wrong_len.extend_from_slice(&GUID[..15]);
        for bad in [
            &[][..],
            &[0x04],
            &[0x04, 0x81],
            &[0x04, 0x81, 0x10],
            &wrong_len,
            &GUID[..15],
            &[0x04, 0x84, 0, 0, 0, 16],
        ] {
            assert!(decode_ms_guid(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn reads_text_forms() -> Result<()> {
        assert_eq!(decode_ms_text(&[0x04, 0x81, 0x01, 0x31])?, "1");
        assert_eq!(decode_ms_text(&[0x04, 0x01, 0x30])?, "0");
        assert_eq!(decode_ms_text(b"EU")?, "EU");
        assert!(decode_ms_text(&[0x04, 0x81, 0x02, 0x31]).is_err());
        assert!(decode_ms_text(&[]).is_err());
        assert!(decode_ms_text(&[0x04, 0x01, 0x00]).is_err());
        Ok(())
    }
}
