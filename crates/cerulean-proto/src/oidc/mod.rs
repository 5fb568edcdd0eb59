//! OpenID Connect discovery, signing keys and MSAL instance discovery (PROTOCOLS.md §2.3).

mod discovery;
mod instance;
mod jwks;

pub use discovery::OpenIdConfiguration;
pub use instance::{InstanceDiscovery, InstanceMetadata};
pub use jwks::{Jwk, Jwks};
