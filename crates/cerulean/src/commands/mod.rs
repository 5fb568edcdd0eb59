//! One module per top-level command.

pub mod admin;
pub mod bench;
pub mod demo_device;
pub mod quickstart;
pub mod serve;
