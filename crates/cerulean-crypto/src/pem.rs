//! PEM armour (RFC 7468) encoding. Decoding goes through `rustls-pki-types`.

use zeroize::Zeroizing;

use crate::b64::b64_std_encode;

/// Wraps `der` in `-----BEGIN <label>-----` armour with 64-column lines and `\n` endings.
pub fn encode_pem(label: &str, der: &[u8]) -> String {
    // The base64 text of a private key is as secret as the key; wipe it when done.
    let body = Zeroizing::new(b64_std_encode(der));
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // Base64 output is ASCII, so splitting the bytes never cuts a character.
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_64_columns() {
        let pem = encode_pem("TEST", &[0u8; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN TEST-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[lines.len() - 1], "-----END TEST-----");
    }
}
