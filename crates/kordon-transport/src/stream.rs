//! Moves protocol frames over one QUIC bidirectional stream.

use crate::TransportError;

/// One sync session's stream pair.
#[derive(Debug)]
pub struct FrameStream {
    pub send: quinn::SendStream,
    pub recv: quinn::RecvStream,
    buf: Vec<u8>,
}

impl FrameStream {
    pub fn new(send: quinn::SendStream, recv: quinn::RecvStream) -> Self {
        FrameStream {
            send,
            recv,
            buf: vec![0; 64 * 1024],
        }
    }

    /// Writes bytes produced by a session.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.send.write_all(bytes).await.map_err(|e| match e {
            quinn::WriteError::ConnectionLost(c) => TransportError::from_connection(c),
            other => TransportError::Lost(other.to_string()),
        })
    }

    /// Reads what has arrived; `Ok(None)` when the peer finished the stream.
    pub async fn read(&mut self) -> Result<Option<&[u8]>, TransportError> {
        match self.recv.read(&mut self.buf).await {
            Ok(Some(n)) => Ok(Some(&self.buf[..n])),
            Ok(None) => Ok(None),
            Err(quinn::ReadError::ConnectionLost(c)) => Err(TransportError::from_connection(c)),
            Err(e) => Err(TransportError::Lost(e.to_string())),
        }
    }

    /// Finishes our direction of the stream.
    pub fn finish(&mut self) {
        let _ = self.send.finish();
    }
}
