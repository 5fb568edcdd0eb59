//! Wire types of the Entra-style identity protocols Cerulean speaks.
//!
//! One module per specification. Everything here is serde plus validation: no I/O, no HTTP
//! framework, no clock and no randomness (callers pass times and ids in). Parsers take
//! untrusted input and never panic.
//!
//! * [`realm`]: user-realm discovery (`/common/userrealm`, `GetUserRealm.srf`,
//!   `GetCredentialType`), PROTOCOLS.md §1.
//! * [`oauth2`]: token, authorize and device-code requests and responses, OAuth error bodies,
//!   PROTOCOLS.md §2.1–2.2, INTEROP.md §3.7, §8.4, §10.
//! * [`aadsts`]: the catalogue of AADSTS-coded OAuth errors Cerulean emits.
//! * [`oidc`]: OpenID discovery, JWKS and MSAL instance discovery, PROTOCOLS.md §2.3.
//! * [`claims`]: access-token and id-token claim sets and the Entra SID derivation, §2.5.
//! * [`drs`]: the Device Registration Service: discovery (MS-DVRD), join (MS-DVRJ), the
//!   DRS nonce and Windows Hello key registration (MS-KPP), PROTOCOLS.md §3, §4, §5.8.

pub mod aadsts;
pub mod claims;
pub mod drs;
mod error;
pub mod oauth2;
pub mod oidc;
pub mod realm;
mod redacted;
mod wire;

pub use error::ProtoError;
pub use redacted::Redacted;

/// Which generation of the Entra endpoints a request arrived on: `/oauth2/…` (v1, `resource`)
/// or `/oauth2/v2.0/…` (v2, `scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointVersion {
    /// `/{tenant}/oauth2/token`, `/{tenant}/.well-known/openid-configuration`.
    V1,
    /// `/{tenant}/oauth2/v2.0/token`, `/{tenant}/v2.0/.well-known/openid-configuration`.
    V2,
}
