//! A minimal DER writer (X.690 §10) for the certificates this crate builds by hand.
//!
//! rcgen covers Cerulean's TLS certificates, but the device-certificate profile of
//! PROTOCOLS.md §4.6 needs two things it cannot express: an issuer made of one
//! multi-valued RDN holding two `DC` attributes (rcgen keeps one value per attribute type,
//! one attribute per RDN) and a *critical* extendedKeyUsage. Those certificates are
//! therefore encoded here: a handful of TLV helpers, each producing complete DER.

use time::{OffsetDateTime, UtcOffset};

use crate::error::{CryptoError, Result};

pub(crate) const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_UTF8_STRING: u8 = 0x0c;
pub(crate) const TAG_IA5_STRING: u8 = 0x16;
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;

/// Appends a definite length (short form below 128, long form otherwise).
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let significant = &bytes[first..];
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// One TLV with a low-number tag.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// `SEQUENCE { parts… }`, each part already DER.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &parts.concat())
}

/// `SET OF { parts… }` with the elements in DER order (X.690 §11.6: ascending as octet
/// strings, the shorter one padded with zero octets).
pub(crate) fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    fn padded(v: &[u8], len: usize) -> impl Iterator<Item = u8> + '_ {
        v.iter().copied().chain(std::iter::repeat(0)).take(len)
    }
    parts.sort_by(|a, b| {
        let len = a.len().max(b.len());
        padded(a, len).cmp(padded(b, len))
    });
    tlv(TAG_SET, &parts.concat())
}

/// An OBJECT IDENTIFIER from its arcs. The arcs are compile-time constants of this crate;
/// fewer than two arcs or a first arc above 2 is a programming error reported as such.
pub(crate) fn oid(arcs: &[u64]) -> Result<Vec<u8>> {
    let (Some(&a), Some(&b)) = (arcs.first(), arcs.get(1)) else {
        return Err(CryptoError::InvalidCertificate(
            "object identifier needs two arcs".to_owned(),
        ));
    };
    if a > 2 || (a < 2 && b > 39) {
        return Err(CryptoError::InvalidCertificate(
            "invalid object identifier".to_owned(),
        ));
    }
    let mut content = Vec::with_capacity(arcs.len() * 2);
    push_base128(&mut content, a * 40 + b);
    for &arc in &arcs[2..] {
        push_base128(&mut content, arc);
    }
    Ok(tlv(TAG_OID, &content))
}

fn push_base128(out: &mut Vec<u8>, mut value: u64) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            break;
        }
    }
    let last = tmp.len() - 1;
    for (j, byte) in tmp.iter().enumerate().skip(i) {
        out.push(if j == last { *byte } else { byte | 0x80 });
    }
}

/// A non-negative INTEGER from unsigned big-endian bytes (leading zeros are dropped and a
/// zero byte is prepended when the top bit is set).
pub(crate) fn unsigned_integer(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let digits = &be[first..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&top| top & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    tlv(TAG_INTEGER, &content)
}

/// `BOOLEAN` (DER: `0xff` for true).
pub(crate) fn boolean(value: bool) -> Vec<u8> {
    tlv(TAG_BOOLEAN, &[if value { 0xff } else { 0x00 }])
}

/// `NULL`.
pub(crate) fn null() -> Vec<u8> {
    vec![TAG_NULL, 0]
}

/// `OCTET STRING`.
pub(crate) fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, content)
}

/// `BIT STRING` of whole bytes (no unused bits).
pub(crate) fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(content.len() + 1);
    body.push(0);
    body.extend_from_slice(content);
    tlv(TAG_BIT_STRING, &body)
}

/// `BIT STRING` holding named bits (RFC 5280 KeyUsage): bit 0 is the most significant bit
/// of the first byte; trailing zero bits are dropped as DER requires.
pub(crate) fn named_bits(bits: &[u8]) -> Vec<u8> {
    let Some(&highest) = bits.iter().max() else {
        return tlv(TAG_BIT_STRING, &[0]);
    };
    let n_bytes = usize::from(highest / 8) + 1;
    let mut bytes = vec![0u8; n_bytes];
    for &bit in bits {
        bytes[usize::from(bit / 8)] |= 0x80 >> (bit % 8);
    }
    let unused = bytes.last().map_or(0, |b| b.trailing_zeros().min(7) as u8);
    let mut body = Vec::with_capacity(n_bytes + 1);
    body.push(unused);
    body.extend_from_slice(&bytes);
    tlv(TAG_BIT_STRING, &body)
}

/// `UTF8String`.
pub(crate) fn utf8_string(text: &str) -> Vec<u8> {
    tlv(TAG_UTF8_STRING, text.as_bytes())
}

/// `IA5String`; the caller passes ASCII.
pub(crate) fn ia5_string(text: &str) -> Result<Vec<u8>> {
    if !text.is_ascii() {
        return Err(CryptoError::InvalidCertificate(
            "IA5String must be ASCII".to_owned(),
        ));
    }
    Ok(tlv(TAG_IA5_STRING, text.as_bytes()))
}

/// `[n] EXPLICIT` (context-specific, constructed).
pub(crate) fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | (n & 0x1f), content)
}

/// RFC 5280 §4.1.2.5 `Time`: UTCTime for 1950–2049, GeneralizedTime otherwise; always UTC
/// with whole seconds (fractions are truncated).
pub(crate) fn time(t: OffsetDateTime) -> Result<Vec<u8>> {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return Err(CryptoError::InvalidCertificate(
            "certificate time out of range".to_owned(),
        ));
    }
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Ok(if (1950..2050).contains(&year) {
        tlv(
            TAG_UTC_TIME,
            format!("{:02}{rest}", year.rem_euclid(100)).as_bytes(),
        )
    } else {
        tlv(TAG_GENERALIZED_TIME, format!("{year:04}{rest}").as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn lengths_short_and_long() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 0x02, 1, 2]);
        let long = tlv(0x04, &[0u8; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = tlv(0x04, &[0u8; 300]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn oids_encode_like_openssl() -> Result<()> {
        // sha256WithRSAEncryption and the Microsoft device-id extension.
        assert_eq!(
            oid(&[1, 2, 840, 113549, 1, 1, 11])?,
            [
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b
            ]
        );
        assert_eq!(
            oid(&[1, 2, 840, 113556, 1, 5, 284, 2])?,
            [
                0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x14, 0x01, 0x05, 0x82, 0x1c, 0x02
            ]
        );
        // domainComponent 0.9.2342.19200300.100.1.25.
        assert_eq!(
            oid(&[0, 9, 2342, 19200300, 100, 1, 25])?,
            [
                0x06, 0x0a, 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19
            ]
        );
        assert!(oid(&[1]).is_err());
        assert!(oid(&[3, 1]).is_err());
        Ok(())
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(
            unsigned_integer(&[0x00, 0x00, 0x7f]),
            vec![0x02, 0x01, 0x7f]
        );
        assert_eq!(unsigned_integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(unsigned_integer(&[]), vec![0x02, 0x01, 0x00]);
    }

    #[test]
    fn named_bits_drop_trailing_zeros() {
        // keyCertSign (5) + cRLSign (6): 0b0000_0110 → one unused bit.
        assert_eq!(named_bits(&[5, 6]), vec![0x03, 0x02, 0x01, 0x06]);
        // digitalSignature (0) only.
        assert_eq!(named_bits(&[0]), vec![0x03, 0x02, 0x07, 0x80]);
    }

    #[test]
    fn set_of_sorts_elements() {
        let set = set_of(vec![vec![0x30, 0x02, 0x05, 0x00], vec![0x30, 0x01, 0x01]]);
        assert_eq!(
            set,
            vec![0x31, 0x07, 0x30, 0x01, 0x01, 0x30, 0x02, 0x05, 0x00]
        );
    }

    #[test]
    fn times_switch_at_2050() -> Result<()> {
        assert_eq!(
            time(datetime!(2026-02-19 01:02:03.9 UTC))?,
            tlv(TAG_UTC_TIME, b"260219010203Z")
        );
        assert_eq!(
            time(datetime!(2050-01-01 00:00:00 UTC))?,
            tlv(TAG_GENERALIZED_TIME, b"20500101000000Z")
        );
        assert_eq!(
            time(datetime!(2026-02-19 02:02:03 +01:00))?,
            tlv(TAG_UTC_TIME, b"260219010203Z")
        );
        Ok(())
    }
}
