//! The Device Registration Service end to end: the testkit's real server (Contoso
//! fixtures, TLS from its generated CA), reqwest clients (with device certificates as TLS
//! client identities where the protocol wants them), DRS tokens from the real token
//! endpoint, CSRs and key blobs made with rcgen and cerulean-crypto.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod device_self;
mod discovery;
mod join;
mod key;
mod nonce;
mod policy;
mod quota;
mod restart;
mod support;
mod tokens;
