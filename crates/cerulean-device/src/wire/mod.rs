//! Clients for the services the device talks to, one module per protocol. They build
//! requests from `cerulean-proto` types and turn every answer (or failure) into either the
//! message the protocol promises or a [`crate::DeviceError`].

pub mod drs;
pub mod oauth;
pub mod prt;
pub mod realm;

/// The well-known client ids the device uses (PROTOCOLS.md §2.4).
pub mod clients {
    /// Microsoft Authentication Broker: the DRS token, device code, and PRT-to-token
    /// requests (what Windows' OOBE and libhimmelblau use).
    pub const BROKER: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";
    /// Windows sign-in (CloudAP): inside the PRT request and renewal.
    pub const WINDOWS_SIGN_IN: &str = "38aa3b87-a06d-4817-b275-7a316988d93b";
}

/// The resources the device asks tokens for.
pub mod resources {
    /// The Device Registration Service.
    pub const DRS: &str = "urn:ms-drs:enterpriseregistration.windows.net";
    /// Microsoft Graph.
    pub const GRAPH: &str = "https://graph.microsoft.com";
}

/// The Windows build the simulated device reports (`win_ver`, `OSVersion`).
pub const WINDOWS_11_VERSION: &str = "10.0.22631.4460";
