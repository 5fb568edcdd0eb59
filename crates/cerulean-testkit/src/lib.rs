//! Test rig: a real Cerulean server on `127.0.0.1:0` with a temporary database and a
//! generated CA, the fixtures of INTEROP.md §2.1, and the CONNECT proxy of §2.4 that lets
//! unmodified clients reach it under Microsoft's host names.

mod fixtures;
mod proxy;
mod server;

pub use fixtures::{FIXTURE_PASSWORD, Fixtures, MICROSOFT_HOSTS};
pub use proxy::ConnectProxy;
pub use server::{TestServer, TestServerOptions};
