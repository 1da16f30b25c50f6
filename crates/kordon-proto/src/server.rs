//! The server's side of a sync session.

use crate::codec::{encode_frame, FrameDecoder};
use crate::{
    Backlog, LogAnswer, LogAsk, Message, ProtoError, RecordResult, RefusalCode, PROTOCOL_VERSION,
};
use std::collections::VecDeque;

/// What the application must decide or serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Authorise the device (known from TLS): call `welcome` or `refuse`.
    Hello {
        enroll_secret: Option<Vec<u8>>,
        down_cursor: u64,
        client_time_ms: i64,
        /// What a vehicle speaking `HelloV2` states (`None` from an older one).
        stated: Option<Stated>,
    },
    /// Verify and store; answer with `results` for this batch.
    Records { batch: u32, records: Vec<Vec<u8>> },
    /// Send records after `cursor` with `down`.
    Pull { cursor: u64 },
    /// The client asks for the latest checkpoint and the proof that it
    /// extends the one of `known_size` leaves: answer with `log_answer`.
    LogAsk(LogAsk),
    /// The client said Done.
    Finished,
}

/// What a vehicle states in `HelloV2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// The latest checkpoint of this server it holds (text, unchecked).
    pub checkpoint: Option<String>,
    pub app_version: String,
    pub backlog: Backlog,
}

/// LogAsks a session may make: one right behind the Hello, whose answer
/// follows the first records (a vehicle checks the log before its scans
/// go, [`crate::ALPN_HELD_OFFERS`]), and one at the end, over everything
/// the session stored.
const LOG_ASKS: u8 = 2;

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
    /// The vehicle said `HelloV2`: receipts on the log.
    log_receipts: bool,
    /// LogAsks received: at most [`LOG_ASKS`] a session (each costs the
    /// server work under its store's lock).
    log_asks: u8,
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
            log_receipts: false,
            log_asks: 0,
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
        self.decode()
    }

    /// Turns whole frames into events, up to the Hello while the device
    /// is not decided on: what follows it is read once it is welcomed, and
    /// never if it is refused.
    fn decode(&mut self) -> Result<(), ProtoError> {
        loop {
            if self.state == State::AwaitDecision {
                if self.decoder.buffered() > crate::MAX_BEHIND_HELLO {
                    return self.fail(ProtoError::TooMuchBeforeWelcome);
                }
                return Ok(());
            }
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
                    self.check_version(version)?;
                    self.state = State::AwaitDecision;
                    self.events.push_back(ServerEvent::Hello {
                        enroll_secret,
                        down_cursor,
                        client_time_ms,
                        stated: None,
                    });
                }
                (
                    State::AwaitHello,
                    Message::HelloV2 {
                        version,
                        enroll_secret,
                        down_cursor,
                        client_time_ms,
                        checkpoint,
                        app_version,
                        backlog,
                    },
                ) => {
                    self.check_version(version)?;
                    self.state = State::AwaitDecision;
                    self.log_receipts = true;
                    self.events.push_back(ServerEvent::Hello {
                        enroll_secret,
                        down_cursor,
                        client_time_ms,
                        stated: Some(Stated {
                            checkpoint,
                            app_version,
                            backlog,
                        }),
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
                (State::Active, Message::LogAsk { .. } | Message::LogAskV2(_))
                    if self.log_asks >= LOG_ASKS =>
                {
                    return self.fail(ProtoError::Unexpected {
                        got: "a third LogAsk",
                        state: "syncing",
                    });
                }
                (State::Active, Message::LogAsk { known_size }) => {
                    self.log_asks += 1;
                    self.events.push_back(ServerEvent::LogAsk(LogAsk {
                        known_size,
                        ..LogAsk::default()
                    }))
                }
                (State::Active, Message::LogAskV2(mut ask)) if self.log_receipts => {
                    self.log_asks += 1;
                    // More than this is not served (the rest next time).
                    ask.proofs.truncate(crate::MAX_LOG_ASK);
                    ask.record_sets.truncate(crate::MAX_LOG_ASK_DOCS);
                    ask.devices.truncate(crate::MAX_LOG_ASK);
                    self.events.push_back(ServerEvent::LogAsk(ask))
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

    fn check_version(&mut self, version: u16) -> Result<(), ProtoError> {
        if version == PROTOCOL_VERSION {
            return Ok(());
        }
        self.send(&Message::Refused {
            code: RefusalCode::Version,
            reason: format!(
                "protocol version {version} is not supported (server speaks {PROTOCOL_VERSION})"
            ),
        });
        self.state = State::Failed;
        Err(ProtoError::Version(version))
    }

    /// Whether records are answered with their leaf in the log
    /// ([`RecordResult::Logged`]) rather than a signed receipt each.
    pub fn log_receipts(&self) -> bool {
        self.log_receipts
    }

    /// Welcomes the device, then reads what it sent behind its Hello (its
    /// Pull and first Records, from a vehicle that negotiated
    /// [`ALPN_RECORDS_WITH_HELLO`](crate::ALPN_RECORDS_WITH_HELLO)): their
    /// events follow, or the error if they break the rules.
    pub fn welcome(&mut self, unit: &str, server_time_ms: i64) -> Result<(), ProtoError> {
        if self.state != State::AwaitDecision {
            return Ok(());
        }
        self.state = State::Active;
        self.decoder.set_limit(crate::codec::MAX_FRAME);
        self.send(&Message::Welcome {
            version: PROTOCOL_VERSION,
            unit: unit.to_string(),
            server_time_ms,
        });
        self.decode()
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

    /// Answers a `LogAsk`, in the form the vehicle asked in (an older
    /// vehicle gets the checkpoint and consistency proof only).
    pub fn log_answer(&mut self, answer: LogAnswer) {
        if self.log_receipts {
            self.send(&Message::LogAnswerV2(answer));
        } else {
            self.send(&Message::LogAnswer {
                checkpoint: answer.checkpoint,
                proof: answer.consistency,
            });
        }
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

    /// Frames received so far and bytes of the one in progress (see
    /// [`MessagePace`](crate::MessagePace)).
    pub fn partial_frame(&self) -> (u64, usize) {
        (self.decoder.frames(), self.decoder.buffered())
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }
}
