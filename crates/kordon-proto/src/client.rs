//! The vehicle's side of a sync session.

use crate::codec::{encode_frame, FrameDecoder};
use crate::{
    Backlog, LogAnswer, LogAsk, Message, ProtoError, RecordResult, RefusalCode, PROTOCOL_VERSION,
};
use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// One-time enrollment secret, on the first connection of a device.
    pub enroll_secret: Option<Vec<u8>>,
    /// Server sequence up to which down records were applied already.
    pub down_cursor: u64,
    pub client_time_ms: i64,
    /// Upload batches in flight at once (hides round trips on slow links).
    pub window: usize,
    /// How long to wait for any answer before giving up.
    pub response_timeout: Duration,
    /// End the session by checking the server's log: when everything is
    /// exchanged the session emits [`ClientEvent::LogDue`], the application
    /// asks with [`ClientSession::ask_log`] and checks the answer.
    pub check_log: bool,
    /// The latest checkpoint the client holds (stated in Hello: gossip).
    pub checkpoint: Option<String>,
    pub app_version: String,
    /// What the client has still to deliver, stated in Hello.
    pub backlog: Backlog,
    /// Send the Pull and the first Records right behind the Hello, without
    /// waiting for Welcome: only to a server that negotiated
    /// [`ALPN_RECORDS_WITH_HELLO`](crate::ALPN_RECORDS_WITH_HELLO) (an
    /// older one fails the session on them).
    pub records_with_hello: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            enroll_secret: None,
            down_cursor: 0,
            client_time_ms: 0,
            window: 8,
            response_timeout: Duration::from_secs(30),
            check_log: false,
            checkpoint: None,
            app_version: String::new(),
            backlog: Backlog::default(),
            records_with_hello: false,
        }
    }
}

/// What the application must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    Welcomed {
        unit: String,
        server_time_ms: i64,
    },
    Refused {
        code: RefusalCode,
        reason: String,
    },
    /// Answers for an upload batch: store receipts, drop refused records.
    Results {
        batch: u32,
        results: Vec<RecordResult>,
    },
    /// Records from the server: verify, store, then call
    /// [`ClientSession::down_applied`].
    Down {
        records: Vec<Vec<u8>>,
        cursor: u64,
        more: bool,
    },
    /// Everything is exchanged: ask for the log with
    /// [`ClientSession::ask_log`] (what to ask depends on what was stored).
    LogDue,
    /// The server's latest checkpoint, the proof that it extends the
    /// client's, and what was asked: check them before trusting the server
    /// further, then call [`ClientSession::log_checked`] or `abort`.
    Log(LogAnswer),
    /// The answer to [`ClientSession::ask_log_early`]: the server's
    /// checkpoint once it had the first records. Check it as a `Log`
    /// (or `abort`); nothing to call when it is good.
    EarlyLog(LogAnswer),
    /// Everything is exchanged; the session said Done.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitWelcome,
    Active,
    Finished,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogCheck {
    NotAsked,
    /// `LogDue` delivered, waiting for `ask_log`.
    Due,
    Asked,
    /// Delivered to the app, waiting for `log_checked` (or `abort`).
    Answered,
    Checked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Down {
    /// Pull sent, waiting for Down.
    Waiting,
    /// Down delivered to the app, waiting for `down_applied`.
    Applying {
        more: bool,
    },
    Complete,
}

#[derive(Debug)]
pub struct ClientSession {
    cfg: ClientConfig,
    state: State,
    decoder: FrameDecoder,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ClientEvent>,
    next_batch: u32,
    in_flight: BTreeSet<u32>,
    /// Bytes of Records sent before Welcome.
    early_bytes: usize,
    uploads_finished: bool,
    down: Down,
    log: LogCheck,
    /// The early ask ([`ClientSession::ask_log_early`]) awaits its answer.
    early_log_asked: bool,
    /// It was made (once a session).
    early_log_done: bool,
    deadline: Option<Instant>,
}

impl ClientSession {
    pub fn new(cfg: ClientConfig, now: Instant) -> Self {
        let mut s = ClientSession {
            state: State::AwaitWelcome,
            decoder: FrameDecoder::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            next_batch: 0,
            in_flight: BTreeSet::new(),
            early_bytes: 0,
            uploads_finished: false,
            down: Down::Waiting,
            log: LogCheck::NotAsked,
            early_log_asked: false,
            early_log_done: false,
            deadline: None,
            cfg,
        };
        s.send(&Message::HelloV2 {
            version: PROTOCOL_VERSION,
            enroll_secret: s.cfg.enroll_secret.clone(),
            down_cursor: s.cfg.down_cursor,
            client_time_ms: s.cfg.client_time_ms,
            checkpoint: s.cfg.checkpoint.clone(),
            app_version: s.cfg.app_version.clone(),
            backlog: s.cfg.backlog,
        });
        if s.cfg.records_with_hello {
            s.send(&Message::Pull {
                cursor: s.cfg.down_cursor,
            });
        }
        s.arm(now);
        s
    }

    fn send(&mut self, m: &Message) {
        self.out.push_back(encode_frame(m));
    }

    fn waiting_for_server(&self) -> bool {
        self.state == State::AwaitWelcome
            || (self.state == State::Active
                && (!self.in_flight.is_empty()
                    || self.early_log_asked
                    || self.down == Down::Waiting
                    || self.log == LogCheck::Asked))
    }

    fn arm(&mut self, now: Instant) {
        self.deadline = self
            .waiting_for_server()
            .then(|| now + self.cfg.response_timeout);
    }

    fn fail(&mut self, e: ProtoError) -> Result<(), ProtoError> {
        self.state = State::Failed;
        self.deadline = None;
        Err(e)
    }

    /// Feeds bytes received from the server.
    pub fn handle_bytes(&mut self, data: &[u8], now: Instant) -> Result<(), ProtoError> {
        if matches!(self.state, State::Failed | State::Finished) {
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
        self.maybe_finish();
        Ok(())
    }

    fn handle_message(&mut self, msg: Message) -> Result<(), ProtoError> {
        match (self.state, msg) {
            (
                State::AwaitWelcome,
                Message::Welcome {
                    version,
                    unit,
                    server_time_ms,
                },
            ) => {
                if version != PROTOCOL_VERSION {
                    return self.fail(ProtoError::Version(version));
                }
                self.state = State::Active;
                self.events.push_back(ClientEvent::Welcomed {
                    unit,
                    server_time_ms,
                });
                if !self.cfg.records_with_hello {
                    self.send(&Message::Pull {
                        cursor: self.cfg.down_cursor,
                    });
                }
            }
            (_, Message::Refused { code, reason }) => {
                self.events.push_back(ClientEvent::Refused {
                    code,
                    reason: reason.clone(),
                });
                return self.fail(ProtoError::Peer(reason));
            }
            (_, Message::Error { message }) => return self.fail(ProtoError::Peer(message)),
            (State::Active, Message::Results { batch, results }) => {
                if !self.in_flight.remove(&batch) {
                    return self.fail(ProtoError::Unexpected {
                        got: "Results for a batch not in flight",
                        state: "uploading",
                    });
                }
                self.events
                    .push_back(ClientEvent::Results { batch, results });
            }
            (
                State::Active,
                Message::Down {
                    records,
                    cursor,
                    more,
                },
            ) if self.down == Down::Waiting => {
                if more && cursor <= self.cfg.down_cursor {
                    // "More to come" without progress would loop forever.
                    return self.fail(ProtoError::Unexpected {
                        got: "Down that does not advance the cursor",
                        state: "pulling",
                    });
                }
                self.cfg.down_cursor = self.cfg.down_cursor.max(cursor);
                self.down = Down::Applying { more };
                self.events.push_back(ClientEvent::Down {
                    records,
                    cursor,
                    more,
                });
            }
            // Answers come in the order asked: the early one first.
            (State::Active, Message::LogAnswerV2(answer)) if self.early_log_asked => {
                self.early_log_asked = false;
                self.events.push_back(ClientEvent::EarlyLog(answer));
            }
            (State::Active, Message::LogAnswerV2(answer)) if self.log == LogCheck::Asked => {
                self.log = LogCheck::Answered;
                self.events.push_back(ClientEvent::Log(answer));
            }
            (state, m) => {
                let state = match state {
                    State::AwaitWelcome => "waiting for Welcome",
                    _ => "syncing",
                };
                return self.fail(ProtoError::Unexpected {
                    got: m.name(),
                    state,
                });
            }
        }
        Ok(())
    }

    /// Call when the deadline from [`poll_timeout`](Self::poll_timeout) passes.
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

    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Whether another upload batch may be sent now.
    pub fn can_send(&self) -> bool {
        let open = match self.state {
            State::Active => true,
            State::AwaitWelcome => {
                self.cfg.records_with_hello && self.early_bytes < crate::RECORDS_BEFORE_WELCOME
            }
            State::Finished | State::Failed => false,
        };
        open && !self.uploads_finished && self.in_flight.len() < self.cfg.window
    }

    /// How many bytes of records the next batch should hold at most:
    /// [`BATCH_BYTES`](crate::BATCH_BYTES), or before Welcome what is left
    /// of [`RECORDS_BEFORE_WELCOME`](crate::RECORDS_BEFORE_WELCOME).
    pub fn batch_bytes(&self) -> usize {
        if self.state == State::AwaitWelcome {
            crate::RECORDS_BEFORE_WELCOME.saturating_sub(self.early_bytes)
        } else {
            crate::BATCH_BYTES
        }
    }

    /// Sends a batch of signed records; returns its batch number.
    /// Call only when [`can_send`](Self::can_send), with at most
    /// [`batch_bytes`](Self::batch_bytes) of records (or a single one).
    pub fn send_records(&mut self, records: Vec<Vec<u8>>, now: Instant) -> u32 {
        let batch = self.next_batch;
        self.next_batch = self.next_batch.wrapping_add(1);
        self.in_flight.insert(batch);
        let frame = encode_frame(&Message::Records { batch, records });
        if self.state == State::AwaitWelcome {
            self.early_bytes += frame.len();
        }
        self.out.push_back(frame);
        self.arm(now);
        batch
    }

    /// No more uploads in this session.
    pub fn finish_uploads(&mut self) {
        self.uploads_finished = true;
        self.maybe_finish();
    }

    /// The application has stored the last Down batch up to `cursor`.
    pub fn down_applied(&mut self, cursor: u64, now: Instant) {
        if let Down::Applying { more } = self.down {
            if more {
                self.down = Down::Waiting;
                self.send(&Message::Pull { cursor });
            } else {
                self.down = Down::Complete;
            }
        }
        self.arm(now);
        self.maybe_finish();
    }

    fn maybe_finish(&mut self) {
        // The end's ask waits for the early one's answer: it states the
        // checkpoint size held, which that answer may still raise.
        let exchanged = self.state == State::Active
            && !self.early_log_asked
            && self.uploads_finished
            && self.in_flight.is_empty()
            && self.down == Down::Complete;
        if !exchanged {
            return;
        }
        if self.cfg.check_log && self.log == LogCheck::NotAsked {
            // Last, so the checkpoint covers what this session stored.
            self.log = LogCheck::Due;
            self.events.push_back(ClientEvent::LogDue);
            return;
        }
        let log_done = !self.cfg.check_log || self.log == LogCheck::Checked;
        if log_done {
            self.send(&Message::Done);
            self.state = State::Finished;
            self.deadline = None;
            self.events.push_back(ClientEvent::Finished);
        }
    }

    /// Asks for the server's log (after [`ClientEvent::LogDue`]).
    pub fn ask_log(&mut self, ask: LogAsk, now: Instant) {
        if self.state == State::Active && self.log == LogCheck::Due {
            self.log = LogCheck::Asked;
            self.send(&Message::LogAskV2(ask));
            self.arm(now);
        }
    }

    /// Asks for the server's log right behind what was sent so far (the
    /// Hello and first records, if [`ClientConfig::records_with_hello`]):
    /// the server answers once it has stored them, so its checkpoint is
    /// known a round trip after the session began, not at its end. Once
    /// a session; the ask at the end ([`ClientEvent::LogDue`]) still
    /// follows. Only to a server that negotiated
    /// [`ALPN_HELD_OFFERS`](crate::ALPN_HELD_OFFERS) (an older one fails
    /// the session on a second ask).
    pub fn ask_log_early(&mut self, ask: LogAsk, now: Instant) {
        let may = matches!(self.state, State::AwaitWelcome | State::Active)
            && self.log == LogCheck::NotAsked
            && !self.early_log_asked
            && !self.early_log_done;
        if may {
            self.early_log_asked = true;
            self.early_log_done = true;
            self.send(&Message::LogAskV2(ask));
            self.arm(now);
        }
    }

    /// The application has checked the server's checkpoint and proof and
    /// found them good; the session can end.
    pub fn log_checked(&mut self, now: Instant) {
        if self.log == LogCheck::Answered {
            self.log = LogCheck::Checked;
        }
        self.arm(now);
        self.maybe_finish();
    }

    /// Ends the session with an error the server logs (the client found
    /// the server's log does not extend what it held, say).
    pub fn abort(&mut self, message: &str) {
        self.send(&Message::Error {
            message: message.to_string(),
        });
        self.state = State::Failed;
        self.deadline = None;
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }

    pub fn batches_in_flight(&self) -> usize {
        self.in_flight.len()
    }
}
