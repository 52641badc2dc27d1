//! The KMIP accept loop and connection handler: TLS with a client
//! certificate, then TTLV-framed requests (KMIP 1.4 section 9.2: an
//! eight-byte header gives the length of the rest), several per connection,
//! each answered in order.
//!
//! Bounds: at most `max_connections` connections at once (more are closed at
//! accept), `idle` per read, write and handshake, and messages no larger
//! than `limits.max_message_bytes`. A header that frames nothing valid gets
//! an Invalid Message response, then the connection closes (the stream is
//! out of step); a bad body inside a valid frame gets an Invalid Message
//! response and the connection carries on.

use std::sync::Arc;
use std::time::Duration;

use keyhold_ttlv::{HEADER_LEN, Limits, message_length};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::Dispatcher;
use crate::ops::CertIdentity;

/// Per-listener connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSettings {
    /// Most connections served at once.
    pub max_connections: usize,
    /// Longest wait for the TLS handshake, for each read and for each write.
    pub idle: Duration,
    /// Message decoding limits (size, depth, items).
    pub limits: Limits,
}

impl Default for ConnectionSettings {
    /// 256 connections, 60 seconds idle, [`Limits::DEFAULT`].
    fn default() -> Self {
        Self {
            max_connections: 256,
            idle: Duration::from_secs(60),
            limits: Limits::DEFAULT,
        }
    }
}

/// Accepts connections until the task is aborted.
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    dispatcher: Arc<Dispatcher>,
    settings: ConnectionSettings,
) {
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "KMIP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, "KMIP connection refused: too many connections");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let dispatcher = Arc::clone(&dispatcher);
        tokio::spawn(async move {
            let _permit = permit;
            match timeout(settings.idle, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let dispatcher = dispatcher.with_peer(peer_identity(&stream));
                    connection(stream, &dispatcher, &settings).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "KMIP TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "KMIP TLS handshake timed out"),
            }
        });
    }
}

/// The verified client certificate of a connection: the principal it is
/// bound to, by fingerprint or subject.
fn peer_identity<S>(stream: &tokio_rustls::server::TlsStream<S>) -> Option<CertIdentity> {
    crate::tls::peer_identity(stream.get_ref().1.peer_certificates())
}

/// Serves requests on one connection until the peer closes it, a bound is
/// hit, or the stream can no longer be framed.
pub async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    dispatcher: &Dispatcher,
    settings: &ConnectionSettings,
) {
    loop {
        let mut header = [0u8; HEADER_LEN];
        if !read_exact(&mut stream, &mut header, settings.idle).await {
            return;
        }
        let total = match message_length(&header, &settings.limits) {
            Ok(total) => total,
            Err(e) => {
                if let Some(answer) = dispatcher.framing_error(&e.to_string()) {
                    let _ = write(&mut stream, &answer, settings.idle).await;
                }
                let _ = timeout(settings.idle, stream.shutdown()).await;
                return;
            }
        };
        let mut message = Vec::with_capacity(total);
        message.extend_from_slice(&header);
        message.resize(total, 0);
        let Some(body) = message.get_mut(HEADER_LEN..) else {
            return;
        };
        if !read_exact(&mut stream, body, settings.idle).await {
            return;
        }
        let Some(answer) = dispatcher.respond(&message).await else {
            return;
        };
        if !write(&mut stream, &answer, settings.idle).await {
            return;
        }
    }
}

async fn read_exact<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut [u8], idle: Duration) -> bool {
    matches!(timeout(idle, stream.read_exact(buf)).await, Ok(Ok(_)))
}

async fn write<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8], idle: Duration) -> bool {
    let sent = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    matches!(timeout(idle, sent).await, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_kmip::{ResponseMessage, ResultReason, ResultStatus};

    fn dispatcher() -> Dispatcher {
        let store = keyhold_store::Store::open_sqlite_in_memory().unwrap();
        let crypto = keyhold_crypto::software();
        let vault = Arc::new(crate::vault::Vault::load(store.clone(), crypto).unwrap());
        let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(crate::clock::SystemClock);
        let ops = Arc::new(crate::ops::Operations::new(store, crypto, vault, clock));
        Dispatcher::new(ops, Limits::DEFAULT)
    }

    fn discover() -> Vec<u8> {
        let text = r#"<RequestMessage><RequestHeader><ProtocolVersion>
            <ProtocolVersionMajor type="Integer" value="2"/>
            <ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
            <BatchCount type="Integer" value="1"/></RequestHeader><BatchItem>
            <Operation type="Enumeration" value="DiscoverVersions"/><RequestPayload/>
            </BatchItem></RequestMessage>"#;
        keyhold_ttlv::encode(&keyhold_ttlv::xml::to_ttlv(text).unwrap()).unwrap()
    }

    async fn read_answer(stream: &mut tokio::io::DuplexStream) -> Option<ResponseMessage> {
        let mut header = [0u8; HEADER_LEN];
        stream.read_exact(&mut header).await.ok()?;
        let total = message_length(&header, &Limits::DEFAULT).unwrap();
        let mut message = header.to_vec();
        message.resize(total, 0);
        stream.read_exact(&mut message[HEADER_LEN..]).await.ok()?;
        let tree = keyhold_ttlv::decode(&message, &Limits::DEFAULT).unwrap();
        Some(ResponseMessage::from_ttlv(&tree).unwrap())
    }

    fn settings() -> ConnectionSettings {
        ConnectionSettings {
            idle: Duration::from_secs(5),
            ..ConnectionSettings::default()
        }
    }

    #[tokio::test]
    async fn several_requests_share_a_connection_then_a_bad_header_closes_it() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let d = dispatcher();
        let task = async move { connection(server, &d, &settings()).await };
        let talk = async move {
            for _ in 0..2 {
                client.write_all(&discover()).await.unwrap();
                let r = read_answer(&mut client).await.unwrap();
                assert_eq!(r.items[0].result_status, ResultStatus::Success);
            }
            // A Text String at the top: not a message frame.
            client
                .write_all(&[0x42, 0, 0x7B, 0x07, 0, 0, 0, 8])
                .await
                .unwrap();
            let r = read_answer(&mut client).await.unwrap();
            assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
            assert!(read_answer(&mut client).await.is_none());
        };
        tokio::join!(task, talk);
    }

    #[tokio::test]
    async fn an_oversized_frame_is_refused_without_reading_it() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let d = dispatcher();
        let task = async move { connection(server, &d, &settings()).await };
        let talk = async move {
            // A Request Message header claiming 256 MiB.
            client
                .write_all(&[0x42, 0, 0x78, 0x01, 0x10, 0, 0, 0])
                .await
                .unwrap();
            let r = read_answer(&mut client).await.unwrap();
            assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
            assert!(read_answer(&mut client).await.is_none());
        };
        tokio::join!(task, talk);
    }

    #[tokio::test]
    async fn a_silent_peer_is_dropped_after_the_idle_time() {
        let (_client, server) = tokio::io::duplex(64);
        let d = dispatcher();
        let quick = ConnectionSettings {
            idle: Duration::from_millis(50),
            ..ConnectionSettings::default()
        };
        let ended = timeout(Duration::from_secs(5), connection(server, &d, &quick)).await;
        assert!(ended.is_ok());
    }
}
