//! Protocol messages.

use serde::{Deserialize, Serialize};

/// Why the server refuses a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefusalCode {
    /// The device key is not enrolled (and no valid token was presented).
    NotEnrolled,
    /// The device was enrolled and has been revoked.
    Revoked,
    /// The enrollment token is unknown, used already, or expired.
    BadToken,
    /// Protocol version not supported.
    Version,
    /// The server cannot serve now (e.g. storage failure).
    Unavailable,
    /// The device was revoked and the centre ordered its data destroyed:
    /// the vehicle erases its keys (its data no longer decrypts).
    Wipe,
}

impl RefusalCode {
    /// QUIC application close code carrying this refusal.
    pub fn close_code(self) -> u32 {
        match self {
            RefusalCode::NotEnrolled => 0x10,
            RefusalCode::Revoked => 0x11,
            RefusalCode::BadToken => 0x12,
            RefusalCode::Version => 0x13,
            RefusalCode::Unavailable => 0x14,
            RefusalCode::Wipe => 0x15,
        }
    }

    pub fn from_close_code(code: u64) -> Option<Self> {
        Some(match code {
            0x10 => RefusalCode::NotEnrolled,
            0x11 => RefusalCode::Revoked,
            0x12 => RefusalCode::BadToken,
            0x13 => RefusalCode::Version,
            0x14 => RefusalCode::Unavailable,
            0x15 => RefusalCode::Wipe,
            _ => return None,
        })
    }
}

/// Why one record was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectCode {
    /// Bytes are not a well-formed record.
    Malformed,
    /// The signature does not verify.
    BadSignature,
    /// The signer is not an enrolled device.
    UnknownSigner,
    /// The signer has been revoked.
    RevokedSigner,
    /// Well signed, but the payload is not a usable change.
    InvalidChange,
    /// The inspection belongs to another unit.
    NotPermitted,
    /// The change breaks the schema rules: it deletes or edits an
    /// append-only entry, alters a field fixed at creation, or writes what
    /// its signer's role may not.
    BreaksRules,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::Malformed => "malformed",
            RejectCode::BadSignature => "bad_signature",
            RejectCode::UnknownSigner => "unknown_signer",
            RejectCode::RevokedSigner => "revoked_signer",
            RejectCode::InvalidChange => "invalid_change",
            RejectCode::NotPermitted => "not_permitted",
            RejectCode::BreaksRules => "breaks_rules",
        }
    }
}

/// The server's answer for one uploaded record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordResult {
    /// Stored (now or before); the signed receipt bytes (sessions opened
    /// with [`Message::Hello`]).
    Accepted { receipt: Vec<u8> },
    /// Refused; `record_id` is the digest the server computed, or empty if
    /// the bytes could not be parsed.
    Rejected {
        record_id: Vec<u8>,
        code: RejectCode,
        reason: String,
    },
    /// Stored (now or before) as leaf `leaf_index` of the server's log,
    /// whose bytes are `leaf`; signed by the checkpoint the session ends
    /// with (sessions opened with [`Message::HelloV2`]).
    Logged {
        record_id: [u8; 32],
        leaf_index: u64,
        leaf: Vec<u8>,
    },
}

/// What a vehicle still has to deliver, stated at every connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backlog {
    /// Signed records not yet acknowledged by the server.
    pub records: u64,
    /// Bytes of scan files the server has not confirmed.
    pub scan_bytes: u64,
}

/// The vehicle's question at the end of a session (`docs/transparency-log.md` §6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogAsk {
    /// The size of the checkpoint the vehicle holds (0: none).
    pub known_size: u64,
    /// Records whose inclusion proofs it wants (at most [`crate::MAX_LOG_ASK`]).
    pub proofs: Vec<[u8; 32]>,
    /// Documents whose record-set statements it wants.
    pub record_sets: Vec<[u8; 16]>,
    /// Signers whose register entries it wants.
    pub devices: Vec<[u8; 32]>,
}

/// A record's leaf and its inclusion path in the answer's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inclusion {
    pub record_id: [u8; 32],
    pub leaf_index: u64,
    pub leaf: Vec<u8>,
    pub path: Vec<[u8; 32]>,
}

/// The server's answer: its latest checkpoint (text), the proof that it
/// extends the vehicle's, and what was asked for, all against that
/// checkpoint (statements and entries as signed text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogAnswer {
    pub checkpoint: String,
    pub consistency: Vec<[u8; 32]>,
    pub inclusions: Vec<Inclusion>,
    pub record_sets: Vec<String>,
    pub devices: Vec<String>,
}

// New variants go at the end: postcard numbers them, and a server keeps
// understanding vehicles that speak the older ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    Hello {
        version: u16,
        enroll_secret: Option<Vec<u8>>,
        down_cursor: u64,
        client_time_ms: i64,
    },
    Welcome {
        version: u16,
        unit: String,
        server_time_ms: i64,
    },
    Refused {
        code: RefusalCode,
        reason: String,
    },
    Records {
        batch: u32,
        records: Vec<Vec<u8>>,
    },
    Results {
        batch: u32,
        results: Vec<RecordResult>,
    },
    Pull {
        cursor: u64,
    },
    Down {
        records: Vec<Vec<u8>>,
        cursor: u64,
        more: bool,
    },
    Done,
    Error {
        message: String,
    },
    /// The client's last checkpoint size (0: none): asks for the server's
    /// latest checkpoint and the proof that it extends that one.
    LogAsk {
        known_size: u64,
    },
    /// The server's latest checkpoint (text) and `PROOF(known_size, size)`.
    LogAnswer {
        checkpoint: String,
        proof: Vec<[u8; 32]>,
    },
    /// Opens a blob stream (answered by Welcome or Refused).
    BlobHello {
        version: u16,
    },
    /// The client holds this blob and would deliver it.
    Offer {
        blob: [u8; 32],
        size: u64,
    },
    /// Send the blob from `from` (a piece boundary); `tree` asks for the
    /// piece values first.
    Want {
        blob: [u8; 32],
        from: u64,
        tree: bool,
    },
    /// The blob's piece values (BLAKE3 chaining values, one per piece).
    Tree {
        blob: [u8; 32],
        cvs: Vec<[u8; 32]>,
    },
    /// One piece of a blob.
    Piece {
        blob: [u8; 32],
        offset: u64,
        data: Vec<u8>,
    },
    /// The server holds the blob, verified, up to `upto`.
    Verified {
        blob: [u8; 32],
        upto: u64,
    },
    /// A piece failed verification: send again from `from`.
    Resend {
        blob: [u8; 32],
        from: u64,
        reason: String,
    },
    /// The whole blob is verified and stored.
    Stored {
        blob: [u8; 32],
    },
    /// The server will not take this blob.
    Declined {
        blob: [u8; 32],
        reason: String,
    },
    /// Hello from a vehicle that takes receipts on the log: records are
    /// answered with [`RecordResult::Logged`], and the session ends with
    /// [`Message::LogAskV2`]. It states the checkpoint it holds (gossip:
    /// the server keeps it as a witness), its version and its backlog.
    HelloV2 {
        version: u16,
        enroll_secret: Option<Vec<u8>>,
        down_cursor: u64,
        client_time_ms: i64,
        checkpoint: Option<String>,
        app_version: String,
        backlog: Backlog,
    },
    LogAskV2(LogAsk),
    LogAnswerV2(LogAnswer),
}

impl Message {
    /// The blob a blob-stream message is about.
    pub fn blob(&self) -> Option<[u8; 32]> {
        match self {
            Message::Offer { blob, .. }
            | Message::Want { blob, .. }
            | Message::Tree { blob, .. }
            | Message::Piece { blob, .. }
            | Message::Verified { blob, .. }
            | Message::Resend { blob, .. }
            | Message::Stored { blob }
            | Message::Declined { blob, .. } => Some(*blob),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "Hello",
            Message::HelloV2 { .. } => "HelloV2",
            Message::LogAskV2(_) => "LogAskV2",
            Message::LogAnswerV2(_) => "LogAnswerV2",
            Message::LogAsk { .. } => "LogAsk",
            Message::LogAnswer { .. } => "LogAnswer",
            Message::Welcome { .. } => "Welcome",
            Message::Refused { .. } => "Refused",
            Message::Records { .. } => "Records",
            Message::Results { .. } => "Results",
            Message::Pull { .. } => "Pull",
            Message::Down { .. } => "Down",
            Message::Done => "Done",
            Message::Error { .. } => "Error",
            Message::BlobHello { .. } => "BlobHello",
            Message::Offer { .. } => "Offer",
            Message::Want { .. } => "Want",
            Message::Tree { .. } => "Tree",
            Message::Piece { .. } => "Piece",
            Message::Verified { .. } => "Verified",
            Message::Resend { .. } => "Resend",
            Message::Stored { .. } => "Stored",
            Message::Declined { .. } => "Declined",
        }
    }
}
