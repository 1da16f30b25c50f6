//! Framing: each message is `u32 big-endian length || postcard(Message)`.

use crate::{Message, ProtoError};

/// Largest frame accepted (16 MiB): bounds memory a hostile peer can claim.
pub const MAX_FRAME: usize = 16 << 20;

/// Encodes one message as a frame.
pub fn encode_frame(msg: &Message) -> Vec<u8> {
    // Serialising our own enum into a Vec cannot fail.
    let body = postcard::to_stdvec(msg).unwrap_or_default();
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Accumulates bytes and yields whole messages.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    limit: usize,
    /// Frames taken out so far (decoded or refused).
    frames: u64,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder {
            buf: Vec::new(),
            limit: MAX_FRAME,
            frames: 0,
        }
    }
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the largest frame accepted from now on (at most [`MAX_FRAME`]).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.min(MAX_FRAME);
    }

    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole message, `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, ProtoError> {
        let Some(len) = self.buf.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if len > self.limit {
            return Err(ProtoError::FrameTooLarge(len));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        let msg = postcard::from_bytes(&self.buf[4..4 + len])
            .map_err(|e| ProtoError::Malformed(e.to_string()));
        self.buf.drain(..4 + len);
        self.frames += 1;
        msg.map(Some)
    }

    /// Bytes held that do not yet form a whole frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Frames taken out so far: with [`buffered`](Self::buffered), what a
    /// [`MessagePace`](crate::MessagePace) watches.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RecordResult, RejectCode};
    use proptest::prelude::*;

    fn sample() -> Vec<Message> {
        vec![
            Message::Hello {
                version: 1,
                enroll_secret: Some(vec![1; 32]),
                down_cursor: 7,
                client_time_ms: -1,
            },
            Message::Records {
                batch: 3,
                records: vec![vec![1, 2, 3], vec![]],
            },
            Message::Results {
                batch: 3,
                results: vec![
                    RecordResult::Accepted {
                        receipt: vec![9; 10],
                    },
                    RecordResult::Rejected {
                        record_id: vec![0; 32],
                        code: RejectCode::BadSignature,
                        reason: "x".into(),
                    },
                    RecordResult::Logged {
                        record_id: [4; 32],
                        leaf_index: 12,
                        leaf: vec![3; 41],
                    },
                ],
            },
            Message::HelloV2 {
                version: 1,
                enroll_secret: None,
                down_cursor: 2,
                client_time_ms: 5,
                checkpoint: Some("cp".into()),
                app_version: "0.1.0".into(),
                backlog: crate::Backlog {
                    records: 3,
                    scan_bytes: 1 << 40,
                },
            },
            Message::LogAskV2(crate::LogAsk {
                known_size: 9,
                proofs: vec![[1; 32]],
                record_sets: vec![[2; 16]],
                devices: vec![[3; 32]],
            }),
            Message::LogAnswerV2(crate::LogAnswer {
                checkpoint: "cp".into(),
                consistency: vec![[5; 32]],
                inclusions: vec![crate::Inclusion {
                    record_id: [1; 32],
                    leaf_index: 0,
                    leaf: vec![1; 33],
                    path: vec![[6; 32]; 3],
                }],
                record_sets: vec!["rs".into()],
                devices: vec!["d".into()],
            }),
            Message::Down {
                records: vec![vec![5; 100]],
                cursor: 99,
                more: true,
            },
            Message::Done,
        ]
    }

    #[test]
    fn frames_survive_any_split() {
        let mut stream = vec![];
        for m in sample() {
            stream.extend(encode_frame(&m));
        }
        for chunk in [1, 2, 3, 7, 64, stream.len()] {
            let mut d = FrameDecoder::new();
            let mut got = vec![];
            for piece in stream.chunks(chunk) {
                d.push(piece);
                while let Some(m) = d.next_message().expect("decodes") {
                    got.push(m);
                }
            }
            assert_eq!(got, sample(), "chunk size {chunk}");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn oversized_frame_is_refused_before_buffering_it() {
        let mut d = FrameDecoder::new();
        d.push(&u32::MAX.to_be_bytes());
        assert_eq!(
            d.next_message(),
            Err(ProtoError::FrameTooLarge(u32::MAX as usize))
        );
    }

    proptest! {
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut d = FrameDecoder::new();
            d.push(&bytes);
            for _ in 0..8 {
                match d.next_message() { Ok(Some(_)) => continue, _ => break }
            }
        }

        #[test]
        fn records_round_trip(batch in any::<u32>(), recs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
            let m = Message::Records { batch, records: recs };
            let mut d = FrameDecoder::new();
            d.push(&encode_frame(&m));
            prop_assert_eq!(d.next_message().expect("ok"), Some(m));
        }
    }
}
