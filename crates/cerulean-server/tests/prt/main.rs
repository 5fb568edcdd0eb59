//! The device-key-signed PRT request end to end (PROTOCOLS.md §5.2–5.3): the testkit's
//! real server over TLS, a device joined through the real DRS, a nonce from
//! `srv_challenge`, the request JWT signed here with the device key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../drs/support.rs"]
#[allow(dead_code)]
mod support;

mod device_credential;
mod device_token;
mod hello;
mod prt_support;
mod refresh;
mod refusals;
mod request;
mod session;
mod sso;
