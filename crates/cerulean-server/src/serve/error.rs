//! Listener errors.

use std::io::ErrorKind;
use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {}", bind_advice(source, addr, flag))]
    Bind {
        addr: SocketAddr,
        /// The command-line flag that sets this address.
        flag: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("listener failed: {0}")]
    Io(#[from] std::io::Error),
}

fn bind_advice(source: &std::io::Error, addr: &SocketAddr, flag: &str) -> String {
    match source.kind() {
        ErrorKind::AddrInUse => format!(
            "address already in use (another program, or another cerulean, listens on {addr}); pick another with {flag}"
        ),
        ErrorKind::PermissionDenied if addr.port() < 1024 => format!(
            "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE; pick another with {flag}"
        ),
        ErrorKind::AddrNotAvailable => format!(
            "no network interface has this address; pick another with {flag} (e.g. 127.0.0.1 or 0.0.0.0)"
        ),
        _ => format!("{source}; pick another with {flag}"),
    }
}
