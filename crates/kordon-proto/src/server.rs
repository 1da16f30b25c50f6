//! The server's side of a sync session.

use crate::codec::{encode_frame, FrameDecoder};
use crate::{Message, ProtoError, RecordResult, RefusalCode, PROTOCOL_VERSION};
use std::collections::VecDeque;

/// What the application must decide or serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Authorise the device (known from TLS): call `welcome` or `refuse`.
    Hello {
        enroll_secret: Option<Vec<u8>>,
        down_cursor: u64,
        client_time_ms: i64,
    },
    /// Verify and store; answer with `results` for this batch.
    Records { batch: u32, records: Vec<Vec<u8>> },
    /// Send records after `cursor` with `down`.
    Pull { cursor: u64 },
    /// The client asks for the latest checkpoint and the proof that it
    /// extends the one of `known_size` leaves: answer with `log_answer`.
    LogAsk { known_size: u64 },
    /// The client said Done.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitHello,
    AwaitDecision,
    Active,
    Finished,
    Failed,
}

#[derive(Debug)]
pub struct ServerSession {
    state: State,
    decoder: FrameDecoder,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ServerEvent>,
}

impl Default for ServerSession {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerSession {
    pub fn new() -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_limit(crate::MAX_HELLO_FRAME);
        ServerSession {
            state: State::AwaitHello,
            decoder,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn send(&mut self, m: &Message) {
        self.out.push_back(encode_frame(m));
    }

    fn fail(&mut self, e: ProtoError) -> Result<(), ProtoError> {
        if self.state != State::Failed {
            self.send(&Message::Error {
                message: e.to_string(),
            });
        }
        self.state = State::Failed;
        Err(e)
    }

    pub fn handle_bytes(&mut self, data: &[u8]) -> Result<(), ProtoError> {
        if matches!(self.state, State::Failed | State::Finished) {
            return Ok(());
        }
        self.decoder.push(data);
        loop {
            let msg = match self.decoder.next_message() {
                Ok(Some(m)) => m,
                Ok(None) => return Ok(()),
                Err(e) => return self.fail(e),
            };
            match (self.state, msg) {
                (
                    State::AwaitHello,
                    Message::Hello {
                        version,
                        enroll_secret,
                        down_cursor,
                        client_time_ms,
                    },
                ) => {
                    if version != PROTOCOL_VERSION {
                        self.send(&Message::Refused {
                            code: RefusalCode::Version,
                            reason: format!("protocol version {version} is not supported (server speaks {PROTOCOL_VERSION})"),
                        });
                        self.state = State::Failed;
                        return Err(ProtoError::Version(version));
                    }
                    self.state = State::AwaitDecision;
                    self.events.push_back(ServerEvent::Hello {
                        enroll_secret,
                        down_cursor,
                        client_time_ms,
                    });
                }
                (State::Active, Message::Records { records, .. })
                    if records.len() > crate::MAX_BATCH_RECORDS =>
                {
                    return self.fail(ProtoError::TooManyRecords(records.len()));
                }
                (State::Active, Message::Records { batch, records }) => {
                    self.events
                        .push_back(ServerEvent::Records { batch, records });
                }
                (State::Active, Message::Pull { cursor }) => {
                    self.events.push_back(ServerEvent::Pull { cursor })
                }
                (State::Active, Message::LogAsk { known_size }) => {
                    self.events.push_back(ServerEvent::LogAsk { known_size })
                }
                (State::Active, Message::Done) => {
                    self.state = State::Finished;
                    self.events.push_back(ServerEvent::Finished);
                }
                (_, Message::Error { message }) => {
                    self.state = State::Failed;
                    return Err(ProtoError::Peer(message));
                }
                (state, m) => {
                    let state = match state {
                        State::AwaitHello => "waiting for Hello",
                        State::AwaitDecision => "authorising the device",
                        _ => "syncing",
                    };
                    return self.fail(ProtoError::Unexpected {
                        got: m.name(),
                        state,
                    });
                }
            }
        }
    }

    pub fn welcome(&mut self, unit: &str, server_time_ms: i64) {
        if self.state == State::AwaitDecision {
            self.state = State::Active;
            self.decoder.set_limit(crate::codec::MAX_FRAME);
            self.send(&Message::Welcome {
                version: PROTOCOL_VERSION,
                unit: unit.to_string(),
                server_time_ms,
            });
        }
    }

    pub fn refuse(&mut self, code: RefusalCode, reason: &str) {
        self.send(&Message::Refused {
            code,
            reason: reason.to_string(),
        });
        self.state = State::Failed;
    }

    pub fn results(&mut self, batch: u32, results: Vec<RecordResult>) {
        self.send(&Message::Results { batch, results });
    }

    pub fn log_answer(&mut self, checkpoint: String, proof: Vec<[u8; 32]>) {
        self.send(&Message::LogAnswer { checkpoint, proof });
    }

    pub fn down(&mut self, records: Vec<Vec<u8>>, cursor: u64, more: bool) {
        self.send(&Message::Down {
            records,
            cursor,
            more,
        });
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }
}
