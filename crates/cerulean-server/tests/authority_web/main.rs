//! The browser half of the authority through `app(state)` and `oneshot`, on a real SQLite
//! store, with cookies carried by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorize;
mod device;
mod signin;
mod support;
