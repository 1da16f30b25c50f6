//! Moves protocol frames over one QUIC bidirectional stream.

use crate::TransportError;

/// One sync session's stream pair.
#[derive(Debug)]
pub struct FrameStream {
    pub send: quinn::SendStream,
    reader: FrameReader,
}

impl FrameStream {
    pub fn new(send: quinn::SendStream, recv: quinn::RecvStream) -> Self {
        FrameStream {
            send,
            reader: FrameReader {
                recv,
                buf: vec![0; 64 * 1024],
            },
        }
    }

    /// Writes bytes produced by a session.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.send.write_all(bytes).await.map_err(write_error)
    }

    /// Reads what has arrived; `Ok(None)` when the peer finished the stream.
    pub async fn read(&mut self) -> Result<Option<&[u8]>, TransportError> {
        self.reader.read().await
    }

    /// Finishes our direction of the stream.
    pub fn finish(&mut self) {
        let _ = self.send.finish();
    }

    /// The two directions apart, so one task can read while it waits for
    /// room to write (see [`write_some`]).
    pub fn split(self) -> (quinn::SendStream, FrameReader) {
        (self.send, self.reader)
    }
}

/// The receiving half of a [`FrameStream`].
#[derive(Debug)]
pub struct FrameReader {
    recv: quinn::RecvStream,
    buf: Vec<u8>,
}

impl FrameReader {
    /// Reads what has arrived; `Ok(None)` when the peer finished the stream.
    pub async fn read(&mut self) -> Result<Option<&[u8]>, TransportError> {
        match self.recv.read(&mut self.buf).await {
            Ok(n) => Ok(n.map(|n| &self.buf[..n])),
            Err(quinn::ReadError::ConnectionLost(c)) => Err(TransportError::from_connection(c)),
            Err(e) => Err(TransportError::Lost(e.to_string())),
        }
    }
}

/// Writes as much of `bytes` as the stream takes, waiting only until it
/// takes some; the number taken. A future dropped before it completes
/// has taken nothing, so it may race a read in a `select!`.
pub async fn write_some(
    send: &mut quinn::SendStream,
    bytes: &[u8],
) -> Result<usize, TransportError> {
    send.write(bytes).await.map_err(write_error)
}

fn write_error(e: quinn::WriteError) -> TransportError {
    match e {
        quinn::WriteError::ConnectionLost(c) => TransportError::from_connection(c),
        other => TransportError::Lost(other.to_string()),
    }
}
