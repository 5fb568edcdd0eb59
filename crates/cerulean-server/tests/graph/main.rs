//! The Microsoft Graph shim end to end: the testkit's real server (Contoso fixtures, TLS
//! from its generated CA), Graph tokens from the real token endpoint (ROPC with the Azure
//! CLI client), devices registered through the directory as the DRS would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod device;
mod devices;
mod policy;
mod support;
