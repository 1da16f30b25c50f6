//! Blob delivery, sans-IO: a blob stream (or two, taking turns), next to
//! the record sessions, at a lower priority so records always go first.
//!
//! ```text
//! C: BlobHello{version}
//! S: Welcome{unit} | Refused{code, reason}
//! C: Offer{blob, size}
//! S: Want{blob, from, tree} | Stored{blob} (has it) | Declined{blob, reason}
//! C: Tree{blob, [cv]}                  (if asked: proves every piece value)
//! C: Piece{blob, offset, data} ...     (up to `window` pieces unconfirmed)
//! S: Verified{blob, upto} ...          (after each piece is checked and durable)
//! S: Resend{blob, from, reason}        (a piece failed its check)
//! S: Stored{blob}                      (whole blob verified and in the store)
//! ```
//! The server resumes from what it holds durably (`Want.from`), so an
//! interruption costs at most the piece that was arriving.
//!
//! **Pipelined on one stream.** The next blob may be offered as soon as
//! the last piece of the current one is sent, not when it is stored: the
//! server reads the stream in order, so the Offer reaches it right after
//! that piece (and its Want comes back a round trip after the link ran
//! dry; the vehicle therefore offers the next blob on a second stream
//! instead, see `kordon-vehicle`'s `BlobPipeline`). Answers for
//! the blob still finishing (Verified, Stored, Declined) arrive first, as
//! the server sends them in order. A Resend for it means the server
//! dropped it on reading the next Offer (keeping what it verified): the
//! sender asks the application to offer it again
//! ([`BlobSendEvent::OfferAgain`]). Checking pieces
//! and storing them is the application's part (see `kordon-blob`); these
//! state machines only keep the conversation straight.

use crate::codec::{encode_frame, FrameDecoder};
use crate::{Message, ProtoError, RefusalCode, PROTOCOL_VERSION};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A blob's name on the wire: its BLAKE3 hash.
pub type BlobHash = [u8; 32];

#[derive(Debug, Clone)]
pub struct BlobSenderConfig {
    /// Piece size; must match the server's (both use `kordon-blob`'s).
    pub piece: u64,
    /// Pieces sent and not yet confirmed, at most.
    pub window: u64,
    /// How long to wait for the server while it owes an answer.
    pub response_timeout: Duration,
    /// Offer right behind the BlobHello, without waiting for Welcome:
    /// only to a server that negotiated
    /// [`ALPN_HELD_OFFERS`](crate::ALPN_HELD_OFFERS) (an older one fails
    /// the stream on it).
    pub offer_with_hello: bool,
}

impl Default for BlobSenderConfig {
    fn default() -> Self {
        BlobSenderConfig {
            piece: 1 << 20,
            window: 4,
            response_timeout: Duration::from_secs(120),
            offer_with_hello: false,
        }
    }
}

/// What the vehicle's application must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobSendEvent {
    Welcomed {
        unit: String,
    },
    Refused {
        code: RefusalCode,
        reason: String,
    },
    /// Provide the piece values with [`BlobSender::send_tree`].
    NeedTree {
        blob: BlobHash,
    },
    /// The server confirmed the blob up to `upto`.
    Progress {
        blob: BlobHash,
        upto: u64,
    },
    /// A piece was damaged on the way; it is sent again.
    Resent {
        blob: BlobHash,
        from: u64,
        reason: String,
    },
    /// The server holds the whole blob, verified.
    Stored {
        blob: BlobHash,
    },
    Declined {
        blob: BlobHash,
        reason: String,
    },
    /// A piece of a blob already fully sent failed its check after the
    /// next blob was offered: offer it again once the sender may offer
    /// (the server resumes it from what it verified).
    OfferAgain {
        blob: BlobHash,
        reason: String,
    },
}

/// The piece the sender wants next: read it and call
/// [`BlobSender::send_piece`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PieceRequest {
    pub blob: BlobHash,
    pub offset: u64,
    pub len: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Offered; waiting for Want/Stored/Declined.
    Offered,
    /// Waiting for the application's tree.
    Tree,
    Sending,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    blob: BlobHash,
    size: u64,
    phase: Phase,
    /// Confirmed by the server.
    acked: u64,
    /// Next offset to send.
    next: u64,
}

/// The vehicle's side of a blob stream.
#[derive(Debug)]
pub struct BlobSender {
    cfg: BlobSenderConfig,
    welcomed: bool,
    failed: bool,
    decoder: FrameDecoder,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<BlobSendEvent>,
    current: Option<Current>,
    /// Fully sent, offered past, waiting for the server's last word.
    finishing: Option<Current>,
    deadline: Option<Instant>,
}

impl BlobSender {
    pub fn new(cfg: BlobSenderConfig, now: Instant) -> Self {
        let mut s = BlobSender {
            cfg,
            welcomed: false,
            failed: false,
            decoder: FrameDecoder::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            current: None,
            finishing: None,
            deadline: None,
        };
        s.out.push_back(encode_frame(&Message::BlobHello {
            version: PROTOCOL_VERSION,
        }));
        s.arm(now);
        s
    }

    fn owed_answer(&self) -> bool {
        !self.welcomed
            || self.finishing.is_some()
            || self.current.is_some_and(|c| {
                c.phase == Phase::Offered || (c.phase == Phase::Sending && c.next > c.acked)
            })
    }

    fn arm(&mut self, now: Instant) {
        self.deadline =
            (!self.failed && self.owed_answer()).then(|| now + self.cfg.response_timeout);
    }

    fn fail(&mut self, e: ProtoError) -> Result<(), ProtoError> {
        self.failed = true;
        self.deadline = None;
        Err(e)
    }

    /// Whether nothing is in progress (welcomed, every blob offered has
    /// its answer).
    pub fn is_idle(&self) -> bool {
        (self.welcomed || self.cfg.offer_with_hello)
            && !self.failed
            && self.current.is_none()
            && self.finishing.is_none()
    }

    /// Whether a new blob may be offered: nothing in progress, or the
    /// current blob's pieces all sent and no other still finishing.
    pub fn may_offer(&self) -> bool {
        (self.welcomed || self.cfg.offer_with_hello)
            && !self.failed
            && self.finishing.is_none()
            && self
                .current
                .is_none_or(|c| c.phase == Phase::Sending && c.next >= c.size)
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Whether the blob offered last waits for the server's Want: its
    /// Offer is all there is to send.
    pub fn awaits_want(&self) -> bool {
        self.current.is_some_and(|c| c.phase == Phase::Offered)
    }

    /// Bytes of the blob offered last that were sent and not yet confirmed.
    pub fn sent_unconfirmed(&self) -> u64 {
        self.current.map_or(0, |c| c.next.saturating_sub(c.acked))
    }

    /// Bytes of the blob offered last that the server has not confirmed.
    pub fn unconfirmed(&self) -> u64 {
        self.current.map_or(0, |c| c.size.saturating_sub(c.acked))
    }

    /// Whether every piece of the blob offered last has been handed over
    /// (or none is in progress): a blob offered elsewhere now queues
    /// behind nothing of this one but what is already on its way.
    pub fn all_pieces_sent(&self) -> bool {
        self.current
            .is_none_or(|c| c.phase == Phase::Sending && c.next >= c.size)
    }

    /// Offers a blob; call only when [`may_offer`](Self::may_offer).
    pub fn offer(&mut self, blob: BlobHash, size: u64, now: Instant) {
        if !self.may_offer() {
            return;
        }
        self.finishing = self.current.take();
        self.current = Some(Current {
            blob,
            size,
            phase: Phase::Offered,
            acked: 0,
            next: 0,
        });
        self.out
            .push_back(encode_frame(&Message::Offer { blob, size }));
        self.arm(now);
    }

    /// The piece values the server asked for.
    pub fn send_tree(&mut self, blob: BlobHash, cvs: Vec<[u8; 32]>) {
        if let Some(c) = self.current.as_mut().filter(|c| c.blob == blob) {
            if c.phase == Phase::Tree {
                c.phase = Phase::Sending;
                self.out
                    .push_back(encode_frame(&Message::Tree { blob, cvs }));
            }
        }
    }

    /// The next piece to read and send, if the window has room.
    pub fn next_piece(&self) -> Option<PieceRequest> {
        let c = self.current.filter(|c| c.phase == Phase::Sending)?;
        if c.next >= c.size || c.next >= c.acked + self.cfg.window * self.cfg.piece {
            return None;
        }
        Some(PieceRequest {
            blob: c.blob,
            offset: c.next,
            len: (c.size - c.next).min(self.cfg.piece),
        })
    }

    /// Sends the piece asked for by [`next_piece`](Self::next_piece).
    pub fn send_piece(&mut self, req: PieceRequest, data: Vec<u8>, now: Instant) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        if c.blob != req.blob || c.next != req.offset || data.len() as u64 != req.len {
            return;
        }
        c.next += req.len;
        self.out.push_back(encode_frame(&Message::Piece {
            blob: req.blob,
            offset: req.offset,
            data,
        }));
        self.arm(now);
    }

    pub fn handle_bytes(&mut self, data: &[u8], now: Instant) -> Result<(), ProtoError> {
        if self.failed {
            return Ok(());
        }
        self.decoder.push(data);
        loop {
            let msg = match self.decoder.next_message() {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => return self.fail(e),
            };
            self.handle_message(msg)?;
        }
        self.arm(now);
        Ok(())
    }

    fn handle_message(&mut self, msg: Message) -> Result<(), ProtoError> {
        let unexpected = |m: &Message| ProtoError::Unexpected {
            got: m.name(),
            state: "sending blobs",
        };
        match msg {
            Message::Welcome { version, unit, .. } if !self.welcomed => {
                if version != PROTOCOL_VERSION {
                    return self.fail(ProtoError::Version(version));
                }
                self.welcomed = true;
                self.events.push_back(BlobSendEvent::Welcomed { unit });
            }
            Message::Refused { code, reason } => {
                self.events.push_back(BlobSendEvent::Refused {
                    code,
                    reason: reason.clone(),
                });
                return self.fail(ProtoError::Peer(reason));
            }
            Message::Error { message } => return self.fail(ProtoError::Peer(message)),
            m @ (Message::Want { .. }
            | Message::Verified { .. }
            | Message::Resend { .. }
            | Message::Stored { .. }
            | Message::Declined { .. }) => {
                if let Some(f) = self.finishing.filter(|f| m.blob() == Some(f.blob)) {
                    return self.finishing_answer(f, m);
                }
                let Some(c) = self.current.as_mut() else {
                    return self.fail(unexpected(&m));
                };
                match m {
                    Message::Want { blob, from, tree }
                        if blob == c.blob && c.phase == Phase::Offered =>
                    {
                        if from > c.size || from % self.cfg.piece != 0 {
                            return self.fail(ProtoError::Unexpected {
                                got: "Want from an offset that is not a piece boundary",
                                state: "offering a blob",
                            });
                        }
                        c.acked = from;
                        c.next = from;
                        if tree {
                            c.phase = Phase::Tree;
                            self.events.push_back(BlobSendEvent::NeedTree { blob });
                        } else {
                            c.phase = Phase::Sending;
                        }
                    }
                    Message::Verified { blob, upto } if blob == c.blob => {
                        if upto > c.next {
                            return self.fail(ProtoError::Unexpected {
                                got: "Verified beyond what was sent",
                                state: "sending a blob",
                            });
                        }
                        c.acked = c.acked.max(upto);
                        self.events.push_back(BlobSendEvent::Progress {
                            blob,
                            upto: c.acked,
                        });
                    }
                    Message::Resend { blob, from, reason } if blob == c.blob => {
                        if from > c.next || from % self.cfg.piece != 0 {
                            return self.fail(ProtoError::Unexpected {
                                got: "Resend from an offset not sent",
                                state: "sending a blob",
                            });
                        }
                        c.acked = from;
                        c.next = from;
                        self.events
                            .push_back(BlobSendEvent::Resent { blob, from, reason });
                    }
                    Message::Stored { blob } if blob == c.blob => {
                        self.current = None;
                        self.events.push_back(BlobSendEvent::Stored { blob });
                    }
                    Message::Declined { blob, reason } if blob == c.blob => {
                        self.current = None;
                        self.events
                            .push_back(BlobSendEvent::Declined { blob, reason });
                    }
                    m => return self.fail(unexpected(&m)),
                }
            }
            m => return self.fail(unexpected(&m)),
        }
        Ok(())
    }

    /// An answer about the blob that is finishing, `f`.
    fn finishing_answer(&mut self, mut f: Current, m: Message) -> Result<(), ProtoError> {
        match m {
            Message::Verified { blob, upto } => {
                if upto > f.size {
                    return self.fail(ProtoError::Unexpected {
                        got: "Verified beyond what was sent",
                        state: "finishing a blob",
                    });
                }
                f.acked = f.acked.max(upto);
                self.finishing = Some(f);
                self.events.push_back(BlobSendEvent::Progress {
                    blob,
                    upto: f.acked,
                });
            }
            Message::Stored { blob } => {
                self.finishing = None;
                self.events.push_back(BlobSendEvent::Stored { blob });
            }
            Message::Declined { blob, reason } => {
                self.finishing = None;
                self.events
                    .push_back(BlobSendEvent::Declined { blob, reason });
            }
            Message::Resend { blob, reason, .. } => {
                self.finishing = None;
                self.events
                    .push_back(BlobSendEvent::OfferAgain { blob, reason });
            }
            m => {
                return self.fail(ProtoError::Unexpected {
                    got: m.name(),
                    state: "finishing a blob",
                })
            }
        }
        Ok(())
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ProtoError> {
        match self.deadline {
            Some(d) if now >= d => {
                let secs = self.cfg.response_timeout.as_secs();
                self.fail(ProtoError::Timeout(secs))
            }
            _ => Ok(()),
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }
    pub fn poll_event(&mut self) -> Option<BlobSendEvent> {
        self.events.pop_front()
    }
}

/// What the server's application must decide or store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobRecvEvent {
    /// Authorise the device: [`BlobReceiver::welcome`] or `refuse`.
    Hello,
    /// Answer with `want`, `stored` or `declined`.
    Offer { blob: BlobHash, size: u64 },
    /// Check the values against the blob; if they do not prove it, answer
    /// `declined` (pieces follow on their own otherwise).
    Tree { blob: BlobHash, cvs: Vec<[u8; 32]> },
    /// Check and store the piece; answer `verified` or `resend`.
    /// `wire_len` is what it cost on the link.
    Piece {
        blob: BlobHash,
        offset: u64,
        data: Vec<u8>,
        wire_len: u64,
    },
}

/// The server's side of a blob stream.
#[derive(Debug)]
pub struct BlobReceiver {
    hello_seen: bool,
    welcomed: bool,
    failed: bool,
    /// Largest blob accepted, and most piece values in a tree.
    max_cvs: usize,
    decoder: FrameDecoder,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<BlobRecvEvent>,
}

impl BlobReceiver {
    /// `max_cvs` bounds the Tree message (blob size / piece size).
    pub fn new(max_cvs: usize) -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_limit(crate::MAX_HELLO_FRAME);
        BlobReceiver {
            hello_seen: false,
            welcomed: false,
            failed: false,
            max_cvs,
            decoder,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn send(&mut self, m: &Message) {
        self.out.push_back(encode_frame(m));
    }

    fn fail(&mut self, e: ProtoError) -> Result<(), ProtoError> {
        if !self.failed {
            self.send(&Message::Error {
                message: e.to_string(),
            });
        }
        self.failed = true;
        Err(e)
    }

    pub fn handle_bytes(&mut self, data: &[u8]) -> Result<(), ProtoError> {
        if self.failed {
            return Ok(());
        }
        self.decoder.push(data);
        self.decode()
    }

    /// Turns whole frames into events, up to the BlobHello while the
    /// device is not decided on: what follows it (an Offer, from a vehicle
    /// that negotiated [`ALPN_HELD_OFFERS`](crate::ALPN_HELD_OFFERS)) is
    /// read once it is welcomed, and never if it is refused.
    fn decode(&mut self) -> Result<(), ProtoError> {
        loop {
            if self.hello_seen && !self.welcomed {
                if self.decoder.buffered() > crate::MAX_BEHIND_HELLO {
                    return self.fail(ProtoError::TooMuchBeforeWelcome);
                }
                return Ok(());
            }
            let before = self.decoder.buffered();
            let msg = match self.decoder.next_message() {
                Ok(Some(m)) => m,
                Ok(None) => return Ok(()),
                Err(e) => return self.fail(e),
            };
            let wire_len = (before - self.decoder.buffered()) as u64;
            match msg {
                Message::BlobHello { version } if !self.hello_seen => {
                    self.hello_seen = true;
                    if version != PROTOCOL_VERSION {
                        self.send(&Message::Refused {
                            code: RefusalCode::Version,
                            reason: format!("protocol version {version} is not supported (server speaks {PROTOCOL_VERSION})"),
                        });
                        self.failed = true;
                        return Err(ProtoError::Version(version));
                    }
                    self.events.push_back(BlobRecvEvent::Hello);
                }
                Message::Offer { blob, size } if self.welcomed => {
                    self.events.push_back(BlobRecvEvent::Offer { blob, size })
                }
                Message::Tree { cvs, .. } if self.welcomed && cvs.len() > self.max_cvs => {
                    return self.fail(ProtoError::Malformed(format!(
                        "a tree of {} pieces is larger than any blob accepted",
                        cvs.len()
                    )));
                }
                Message::Tree { blob, cvs } if self.welcomed => {
                    self.events.push_back(BlobRecvEvent::Tree { blob, cvs })
                }
                Message::Piece { blob, offset, data } if self.welcomed => {
                    self.events.push_back(BlobRecvEvent::Piece {
                        blob,
                        offset,
                        data,
                        wire_len,
                    })
                }
                Message::Error { message } => {
                    self.failed = true;
                    return Err(ProtoError::Peer(message));
                }
                m => {
                    return self.fail(ProtoError::Unexpected {
                        got: m.name(),
                        state: if self.welcomed {
                            "receiving blobs"
                        } else {
                            "waiting for BlobHello"
                        },
                    })
                }
            }
        }
    }

    /// Bytes of a frame that had started to arrive (lost if the stream ends).
    pub fn partial_bytes(&self) -> u64 {
        self.decoder.buffered() as u64
    }

    /// Frames received so far and bytes of the one in progress (see
    /// [`MessagePace`](crate::MessagePace)).
    pub fn partial_frame(&self) -> (u64, usize) {
        (self.decoder.frames(), self.decoder.buffered())
    }

    /// Welcomes the device; what it sent behind its BlobHello is read
    /// now: its events follow, or the error if it breaks the rules.
    pub fn welcome(&mut self, unit: &str, server_time_ms: i64) -> Result<(), ProtoError> {
        if self.hello_seen && !self.welcomed && !self.failed {
            self.welcomed = true;
            self.decoder.set_limit(crate::codec::MAX_FRAME);
            self.send(&Message::Welcome {
                version: PROTOCOL_VERSION,
                unit: unit.to_string(),
                server_time_ms,
            });
            return self.decode();
        }
        Ok(())
    }

    pub fn refuse(&mut self, code: RefusalCode, reason: &str) {
        self.send(&Message::Refused {
            code,
            reason: reason.to_string(),
        });
        self.failed = true;
    }

    pub fn want(&mut self, blob: BlobHash, from: u64, tree: bool) {
        self.send(&Message::Want { blob, from, tree });
    }
    pub fn verified(&mut self, blob: BlobHash, upto: u64) {
        self.send(&Message::Verified { blob, upto });
    }
    pub fn resend(&mut self, blob: BlobHash, from: u64, reason: &str) {
        self.send(&Message::Resend {
            blob,
            from,
            reason: reason.to_string(),
        });
    }
    pub fn stored(&mut self, blob: BlobHash) {
        self.send(&Message::Stored { blob });
    }
    pub fn declined(&mut self, blob: BlobHash, reason: &str) {
        self.send(&Message::Declined {
            blob,
            reason: reason.to_string(),
        });
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }
    pub fn poll_event(&mut self) -> Option<BlobRecvEvent> {
        self.events.pop_front()
    }
}
