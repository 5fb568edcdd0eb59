//! The device rules (registration policy, quota, retries, ReuseDevice, local
//! administrators, device lifecycle, Windows Hello keys), against the real embedded store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hello;
mod lifecycle;
mod policy;
mod registration;
mod rig;
