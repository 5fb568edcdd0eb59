//! The authority's protocol endpoints through `app(state)` and `oneshot`, on a real
//! in-memory SQLite store with a manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod client_credentials;
mod code;
mod device;
mod discovery;
mod keys;
mod refresh;
mod ropc;
mod srv_challenge;
mod support;
mod validate;
