//! A CONNECT proxy for tests (INTEROP.md §2.4): every tunnel, whatever host it names, goes
//! to the Cerulean TLS port on loopback. TLS runs end to end through it, so the server
//! still sees the real SNI and any client certificate.

use std::net::SocketAddr;

use anyhow::bail;
use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct ConnectProxy {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ConnectProxy {
    /// Listens on `127.0.0.1:0` and tunnels every CONNECT to `target`, which must be a
    /// loopback address: this proxy never reaches beyond the machine.
    pub async fn start(target: SocketAddr) -> anyhow::Result<Self> {
        if !target.ip().is_loopback() {
            bail!("the test proxy only tunnels to loopback, not {target}");
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    if let Err(e) = tunnel(client, target).await {
                        tracing::debug!("proxy tunnel ended: {e}");
                    }
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// `http://127.0.0.1:<port>`, for HTTPS_PROXY and client proxy settings.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn tunnel(mut client: TcpStream, target: SocketAddr) -> anyhow::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let end = loop {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(pos) = find_head_end(&head) {
            break pos;
        }
        if head.len() > 16 * 1024 {
            bail!("request head too large");
        }
    };
    let request_line = String::from_utf8_lossy(&head[..end]);
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or_default();
    let requested = words.next().unwrap_or_default().to_string();
    if !method.eq_ignore_ascii_case("CONNECT") {
        client
            .write_all(
                b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    }
    tracing::debug!(%requested, "CONNECT");
    let mut upstream = TcpStream::connect(target).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    // Bytes the client sent after the head (often the TLS ClientHello) go first.
    let rest = &head[end + 4..];
    if !rest.is_empty() {
        upstream.write_all(rest).await?;
    }
    copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n")
}
