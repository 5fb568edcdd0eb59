//! Compact JWS signed with a key derived from the PRT session key (PROTOCOLS.md §5.5–5.6,
//! INTEROP.md §3.3): the `request` of a PRT-based token request and the
//! `x-ms-RefreshTokenCredential` header or cookie.
//!
//! Header: `alg: HS256`, `ctx` (standard base64 with padding), optional `kdf_ver: 2`
//! (number, or the string `"2"`), optional `typ` and `kid` (ignored). The HMAC key is
//! KDFv1(S, ctx), or KDFv2(S, ctx, payload) when `kdf_ver` is 2.
//!
//! The server parses first ([`SessionJws::parse`]) because the session key is found
//! through the PRT inside the payload, then verifies ([`SessionJws::verify`]).

use std::fmt;

use serde_json::{Map, Value};

use crate::b64::{b64_std_decode, b64_std_encode, b64url_encode};
use crate::error::{CryptoError, Result};
use crate::jws::UnverifiedJws;
use crate::mac::{hmac_sha256, verify_hmac_sha256};
use crate::prt::kdf::{KdfVersion, derive_key};
use crate::prt::{CTX_LEN, MAX_CTX_LEN};
use crate::random::random_bytes;
use crate::secret::SecretBytes;

/// The only `alg` accepted and produced.
pub const HS256: &str = "HS256";

/// A session-key-signed JWS whose header is checked but whose signature is not.
#[derive(Clone)]
pub struct SessionJws {
    jws: UnverifiedJws,
    ctx: Vec<u8>,
    kdf: KdfVersion,
}

/// Shows the header only: the payload carries the PRT.
impl fmt::Debug for SessionJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionJws")
            .field("header", &self.jws.header)
            .field("kdf", &self.kdf)
            .finish_non_exhaustive()
    }
}

/// A verified session-key-signed JWS.
#[derive(Clone)]
pub struct VerifiedSessionJws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload as a JSON object (it may hold `null`s: libhimmelblau sends them).
    pub claims: Map<String, Value>,
    /// The decoded payload bytes exactly as signed.
    pub payload_bytes: Vec<u8>,
    /// The KDF the signer used.
    pub kdf: KdfVersion,
}

/// Shows the header and the claim names, never their values (the PRT, a nonce).
impl fmt::Debug for VerifiedSessionJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSessionJws")
            .field("header", &self.header)
            .field("claim_names", &self.claims.keys().collect::<Vec<_>>())
            .field("kdf", &self.kdf)
            .finish()
    }
}

impl SessionJws {
    /// Splits and decodes `token` and checks its header: `alg` exactly `HS256`, no `crit`,
    /// a non-empty standard-base64 `ctx` of at most [`MAX_CTX_LEN`] bytes, and a `kdf_ver`
    /// that is absent, `null`, 1 or 2 (number or string).
    pub fn parse(token: &str) -> Result<Self> {
        let jws = UnverifiedJws::parse(token)?;
        match jws.alg() {
            Some(HS256) => {}
            other => {
                return Err(CryptoError::UnsupportedAlgorithm(
                    other.unwrap_or_default().chars().take(32).collect(),
                ));
            }
        }
        if jws.header.contains_key("crit") {
            return Err(CryptoError::MalformedToken("unsupported crit header"));
        }
        let ctx = jws
            .header_str("ctx")
            .ok_or(CryptoError::MalformedToken("header has no string ctx"))?;
        let ctx =
            b64_std_decode(ctx).map_err(|_| CryptoError::MalformedToken("ctx is not base64"))?;
        if ctx.is_empty() || ctx.len() > MAX_CTX_LEN {
            return Err(CryptoError::MalformedToken("ctx has an unusable length"));
        }
        let kdf = kdf_version(jws.header.get("kdf_ver"))?;
        Ok(Self { jws, ctx, kdf })
    }

    /// The protected header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.jws.header
    }

    /// The decoded `ctx`.
    pub fn ctx(&self) -> &[u8] {
        &self.ctx
    }

    /// The KDF the header announces.
    pub fn kdf_version(&self) -> KdfVersion {
        self.kdf
    }

    /// The payload **without** checking the signature: only for finding the PRT (and so
    /// the session key) before [`SessionJws::verify`].
    pub fn unverified_claims(&self) -> Result<Map<String, Value>> {
        claims(&self.jws.payload_bytes)
    }

    /// Recomputes the key from `session_key`, checks the HMAC in constant time and returns
    /// the header and claims (which must be a JSON object).
    pub fn verify(&self, session_key: &SecretBytes) -> Result<VerifiedSessionJws> {
        let key = derive_key(
            self.kdf,
            session_key.expose(),
            &self.ctx,
            &self.jws.payload_bytes,
        );
        if !verify_hmac_sha256(
            key.expose(),
            self.jws.signing_input.as_bytes(),
            &self.jws.signature,
        ) {
            return Err(CryptoError::BadSignature);
        }
        Ok(VerifiedSessionJws {
            header: self.jws.header.clone(),
            claims: claims(&self.jws.payload_bytes)?,
            payload_bytes: self.jws.payload_bytes.clone(),
            kdf: self.kdf,
        })
    }
}

fn kdf_version(value: Option<&Value>) -> Result<KdfVersion> {
    match value {
        None | Some(Value::Null) => Ok(KdfVersion::V1),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(KdfVersion::V1),
        Some(Value::Number(n)) if n.as_u64() == Some(2) => Ok(KdfVersion::V2),
        Some(Value::String(s)) if s == "1" => Ok(KdfVersion::V1),
        Some(Value::String(s)) if s == "2" => Ok(KdfVersion::V2),
        Some(_) => Err(CryptoError::MalformedToken("unsupported kdf_ver")),
    }
}

fn claims(payload: &[u8]) -> Result<Map<String, Value>> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(CryptoError::MalformedToken("payload is not a JSON object")),
    }
}

/// Device side: signs `payload` with a fresh random `ctx` ([`CTX_LEN`] bytes).
pub fn sign_session_jws(
    session_key: &SecretBytes,
    header: &Map<String, Value>,
    payload: &[u8],
    kdf: KdfVersion,
) -> Result<String> {
    let ctx = random_bytes::<CTX_LEN>()?;
    sign_session_jws_with_ctx(session_key, header, payload, kdf, &ctx)
}

/// Signs `payload` with the given `ctx`. `header` is used as given except that `alg` is
/// forced to `HS256`, `ctx` is set, and `kdf_ver` is set to the number 2 (KDFv2) or
/// removed (KDFv1).
pub fn sign_session_jws_with_ctx(
    session_key: &SecretBytes,
    header: &Map<String, Value>,
    payload: &[u8],
    kdf: KdfVersion,
    ctx: &[u8],
) -> Result<String> {
    let mut header = header.clone();
    header.insert("alg".to_owned(), Value::String(HS256.to_owned()));
    header.insert("ctx".to_owned(), Value::String(b64_std_encode(ctx)));
    match kdf {
        KdfVersion::V1 => {
            header.remove("kdf_ver");
        }
        KdfVersion::V2 => {
            header.insert("kdf_ver".to_owned(), Value::from(2));
        }
    }
    let key = derive_key(kdf, session_key.expose(), ctx, payload);
    let mut token = b64url_encode(&serde_json::to_vec(&header)?);
    token.push('.');
    token.push_str(&b64url_encode(payload));
    let tag = hmac_sha256(key.expose(), token.as_bytes());
    token.push('.');
    token.push_str(&b64url_encode(&tag));
    Ok(token)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::prt::kdf::tests::{PAYLOAD, ctx, s};
    use crate::prt::kdf::{derive_key_v1, derive_key_v2};

    fn session() -> SecretBytes {
        SecretBytes::new(s())
    }

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// A token assembled by hand (as a client would) with the given header JSON, signed
    /// with `key`.
    fn hand_made(header: &str, payload: &[u8], key: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            b64url_encode(header.as_bytes()),
            b64url_encode(payload)
        );
        format!(
            "{input}.{}",
            b64url_encode(&hmac_sha256(key, input.as_bytes()))
        )
    }

    /// roadtx: 24-byte ctx, `kdf_ver: 2` and `typ` on every request.
    #[test]
    fn roadtx_shape_kdf_v2() -> Result<()> {
        let key = derive_key_v2(&s(), &ctx(), PAYLOAD);
        let header = format!(
            r#"{{"alg":"HS256","typ":"JWT","ctx":"{}","kdf_ver":2}}"#,
            b64_std_encode(&ctx())
        );
        let token = hand_made(&header, PAYLOAD, key.expose());
        let jws = SessionJws::parse(&token)?;
        assert_eq!(jws.kdf_version(), KdfVersion::V2);
        assert_eq!(jws.ctx(), ctx());
        assert_eq!(jws.unverified_claims()?["refresh_token"], "x");
        let verified = jws.verify(&session())?;
        assert_eq!(verified.kdf, KdfVersion::V2);
        assert_eq!(verified.claims["request_nonce"], "n");
        assert_eq!(verified.payload_bytes, PAYLOAD);
        assert!(!format!("{verified:?}{jws:?}").contains("\"x\""));
        // The string form "2" is the same.
        let header = header.replace("\"kdf_ver\":2", "\"kdf_ver\":\"2\"");
        let token = hand_made(&header, PAYLOAD, key.expose());
        assert_eq!(
            SessionJws::parse(&token)?.verify(&session())?.kdf,
            KdfVersion::V2
        );
        Ok(())
    }

    /// libhimmelblau: 32-byte ctx, no `kdf_ver`, a `kid` to ignore, `null` claims.
    #[test]
    fn libhimmelblau_shape_kdf_v1() -> Result<()> {
        let ctx32 = [0x5a; 32];
        let key = derive_key_v1(&s(), &ctx32);
        let header = format!(
            r#"{{"alg":"HS256","typ":"JWT","kid":"0123456789ab","ctx":"{}"}}"#,
            b64_std_encode(&ctx32)
        );
        let payload = br#"{"refresh_token":"prt","request_nonce":"n","resource":null}"#;
        let token = hand_made(&header, payload, key.expose());
        let verified = SessionJws::parse(&token)?.verify(&session())?;
        assert_eq!(verified.kdf, KdfVersion::V1);
        assert_eq!(verified.claims["resource"], Value::Null);
        Ok(())
    }

    #[test]
    fn sign_and_verify_both_versions() -> Result<()> {
        let header = map(json!({"typ": "JWT", "alg": "RS256", "kdf_ver": 2}));
        for kdf in [KdfVersion::V1, KdfVersion::V2] {
            let token = sign_session_jws(&session(), &header, PAYLOAD, kdf)?;
            let jws = SessionJws::parse(&token)?;
            assert_eq!(jws.header()["alg"], "HS256");
            assert_eq!(jws.ctx().len(), CTX_LEN);
            assert_eq!(jws.verify(&session())?.kdf, kdf);
            assert_eq!(jws.header().get("kdf_ver").is_some(), kdf == KdfVersion::V2);
        }
        // A fixed ctx gives a fixed token; the header's ctx is padded standard base64.
        let a = sign_session_jws_with_ctx(
            &session(),
            &Map::new(),
            PAYLOAD,
            KdfVersion::V2,
            &[0xfb; 4],
        )?;
        let b = sign_session_jws_with_ctx(
            &session(),
            &Map::new(),
            PAYLOAD,
            KdfVersion::V2,
            &[0xfb; 4],
        )?;
        assert_eq!(a, b);
        assert_eq!(SessionJws::parse(&a)?.header()["ctx"], "+/v7+w==");
        Ok(())
    }

    #[test]
    fn wrong_key_ctx_version_or_payload_fail() -> Result<()> {
        let token =
            sign_session_jws_with_ctx(&session(), &Map::new(), PAYLOAD, KdfVersion::V2, &ctx())?;
        assert!(matches!(
            SessionJws::parse(&token)?.verify(&SecretBytes::new(vec![1; 32])),
            Err(CryptoError::BadSignature)
        ));
        let parts: Vec<&str> = token.split('.').collect();
        let mut header = SessionJws::parse(&token)?.header().clone();
        // Other ctx, same signature.
        header.insert("ctx".into(), Value::String(b64_std_encode(&[7; 24])));
        let forged = format!(
            "{}.{}.{}",
            b64url_encode(&serde_json::to_vec(&header)?),
            parts[1],
            parts[2]
        );
        assert!(SessionJws::parse(&forged)?.verify(&session()).is_err());
        // Downgrade to KDFv1 with the same signature.
        let v1 =
            sign_session_jws_with_ctx(&session(), &Map::new(), PAYLOAD, KdfVersion::V1, &ctx())?;
        let v1_parts: Vec<&str> = v1.split('.').collect();
        let forged = format!("{}.{}.{}", v1_parts[0], v1_parts[1], parts[2]);
        assert!(SessionJws::parse(&forged)?.verify(&session()).is_err());
        // Other payload.
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64url_encode(br#"{"refresh_token":"y"}"#),
            parts[2]
        );
        assert!(SessionJws::parse(&forged)?.verify(&session()).is_err());
        // Truncated signature.
        let forged = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..20]);
        assert!(SessionJws::parse(&forged)?.verify(&session()).is_err());
        Ok(())
    }

    #[test]
    fn header_refusals() {
        let p = b64url_encode(PAYLOAD);
        let ctx = b64_std_encode(&ctx());
        for header in [
            json!({"alg": "none", "ctx": ctx}),
            json!({"alg": "RS256", "ctx": ctx, "kdf_ver": 2}),
            json!({"alg": "hs256", "ctx": ctx}),
            json!({"alg": "HS512", "ctx": ctx}),
            json!({"alg": "HS256"}),
            json!({"alg": "HS256", "ctx": 12}),
            json!({"alg": "HS256", "ctx": ""}),
            json!({"alg": "HS256", "ctx": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX-_"}),
            json!({"alg": "HS256", "ctx": b64_std_encode(&[0; 300])}),
            json!({"alg": "HS256", "ctx": ctx, "kdf_ver": 3}),
            json!({"alg": "HS256", "ctx": ctx, "kdf_ver": "v2"}),
            json!({"alg": "HS256", "ctx": ctx, "kdf_ver": [2]}),
            json!({"alg": "HS256", "ctx": ctx, "crit": ["kdf_ver"]}),
        ] {
            let h = b64url_encode(header.to_string().as_bytes());
            assert!(
                SessionJws::parse(&format!("{h}.{p}.AAAA")).is_err(),
                "{header}"
            );
        }
        for ok in [
            json!({"alg": "HS256", "ctx": ctx, "kdf_ver": null}),
            json!({"alg": "HS256", "ctx": ctx, "kdf_ver": 1}),
            json!({"alg": "HS256", "ctx": ctx.trim_end_matches('=')}),
        ] {
            let h = b64url_encode(ok.to_string().as_bytes());
            assert!(SessionJws::parse(&format!("{h}.{p}.AAAA")).is_ok(), "{ok}");
        }
        // Parses, but a non-object payload never verifies into claims.
        let token =
            sign_session_jws_with_ctx(&session(), &Map::new(), b"[1]", KdfVersion::V1, &[1; 24]);
        assert!(
            token.is_ok_and(|t| SessionJws::parse(&t).is_ok_and(|j| j.verify(&session()).is_err()))
        );
    }
}
