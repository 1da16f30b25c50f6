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
        }
    }

    pub fn from_close_code(code: u64) -> Option<Self> {
        Some(match code {
            0x10 => RefusalCode::NotEnrolled,
            0x11 => RefusalCode::Revoked,
            0x12 => RefusalCode::BadToken,
            0x13 => RefusalCode::Version,
            0x14 => RefusalCode::Unavailable,
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
        }
    }
}

/// The server's answer for one uploaded record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordResult {
    /// Stored (now or before); the signed receipt bytes.
    Accepted { receipt: Vec<u8> },
    /// Refused; `record_id` is the digest the server computed, or empty if
    /// the bytes could not be parsed.
    Rejected {
        record_id: Vec<u8>,
        code: RejectCode,
        reason: String,
    },
}

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
}

impl Message {
    pub fn name(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "Hello",
            Message::Welcome { .. } => "Welcome",
            Message::Refused { .. } => "Refused",
            Message::Records { .. } => "Records",
            Message::Results { .. } => "Results",
            Message::Pull { .. } => "Pull",
            Message::Down { .. } => "Down",
            Message::Done => "Done",
            Message::Error { .. } => "Error",
        }
    }
}
