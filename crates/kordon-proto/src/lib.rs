//! The Kordon sync protocol, sans-IO.
//!
//! Nothing here touches a socket or reads a clock: sessions take bytes and
//! the time as input and hand back bytes to send, events for the
//! application, and the next deadline. A QUIC adapter
//! (`kordon-transport`) moves the bytes over one bidirectional stream;
//! tests move them between two sessions in memory.
//!
//! Conversation (client = vehicle):
//! ```text
//! C: Hello{version, enroll_secret?, down_cursor}
//! S: Welcome{unit} | Refused{code, reason}
//! C: Records{batch, [record]}          (several batches in flight)
//! S: Results{batch, [Accepted{receipt} | Rejected{id, code, reason}]}
//! C: Pull{cursor}                      (in parallel with the uploads)
//! S: Down{[record], cursor, more}
//! C: Done
//! ```
//! A server that negotiated [`ALPN_RECORDS_WITH_HELLO`] keeps what follows
//! a Hello unread until it has decided on the device, then reads on: the
//! vehicle sends its Pull and first Records right behind its Hello, and
//! gets its first answers a round trip sooner.
//!
//! Records travel as the exact signed bytes of `docs/signed-records.md`;
//! this crate does not interpret them.
//!
//! Scan blobs travel on a stream of their own ([`blob`]): offered, proven
//! piece by piece against their BLAKE3 hash, and resumed where the server
//! stopped. A connection carries a blob stream (two taking turns when
//! several blobs wait) and, next to it, a new record session whenever
//! records are pending, so records never wait behind blobs.

pub mod blob;
mod client;
mod codec;
mod message;
mod pace;
mod server;

pub use blob::{
    BlobHash, BlobReceiver, BlobRecvEvent, BlobSendEvent, BlobSender, BlobSenderConfig,
    PieceRequest,
};
pub use client::{ClientConfig, ClientEvent, ClientSession};

pub use codec::{encode_frame, FrameDecoder, MAX_FRAME};
pub use message::{
    Backlog, Inclusion, LogAnswer, LogAsk, Message, RecordResult, RefusalCode, RejectCode,
};
pub use pace::{MessagePace, MESSAGE_GRACE, MIN_MESSAGE_RATE};
pub use server::{ServerEvent, ServerSession, Stated};

/// ALPN protocol id for QUIC; the version is part of it.
pub const ALPN: &[u8] = b"kordon-sync/1";
/// The same protocol, from a server that reads what follows a Hello once
/// it has welcomed the device (and drops it unread if it refuses): a
/// vehicle that negotiated it sends its Pull and first Records with its
/// Hello ([`ClientConfig::records_with_hello`]). Servers prefer the
/// newest and still speak [`ALPN`]; vehicles offer every version, so
/// either side may be the older.
pub const ALPN_RECORDS_WITH_HELLO: &[u8] = b"kordon-sync/1.1";
/// [`ALPN_RECORDS_WITH_HELLO`], from a server that also takes the round
/// trips out of a sync's start:
/// - it reads an Offer behind a BlobHello once it has welcomed the
///   device, and holds a blob stream's first Offer, if no record of the
///   unit references the blob yet, while records arrive on the same
///   connection: it answers once they are stored, once a records session
///   has asked for the log since (its records are in), or after
///   [`HELD_OFFER`]. So a vehicle offers its scans with their BlobHello,
///   beside the records they belong to;
/// - it answers a second LogAsk in a session, so a vehicle asks one right
///   behind its first records ([`ClientSession::ask_log_early`]) and
///   checks the server's log (before any scan byte goes) a round trip
///   after the session began.
pub const ALPN_HELD_OFFERS: &[u8] = b"kordon-sync/1.2";
/// How long a server that negotiated [`ALPN_HELD_OFFERS`] holds an Offer
/// for a blob no record references, waiting for the records of the same
/// connection, before it declines it.
pub const HELD_OFFER: std::time::Duration = std::time::Duration::from_secs(10);
/// Most bytes a server keeps unread behind a Hello while it decides on
/// the device: what a vehicle sends with its Hello arrives in the same
/// few packets, and a peer not yet authorised may not park more.
pub const MAX_BEHIND_HELLO: usize = 256 << 10;
/// Most bytes of Records a vehicle sends behind its Hello, before
/// Welcome: well within [`MAX_BEHIND_HELLO`], and all a refused vehicle
/// spends of its uplink on records nobody reads.
pub const RECORDS_BEFORE_WELCOME: usize = MAX_BEHIND_HELLO / 2;
/// The message-level protocol version carried in Hello and Welcome.
pub const PROTOCOL_VERSION: u16 = 1;
/// Most records in one Records or Down message.
pub const MAX_BATCH_RECORDS: usize = 4096;
/// Largest frame accepted before the device is welcomed (a Hello is tiny).
pub const MAX_HELLO_FRAME: usize = 64 << 10;
/// Target size of one Records or Down message: comfortably under
/// [`MAX_FRAME`] (a single record may be up to 4 MiB).
pub const BATCH_BYTES: usize = 8 << 20;
/// The most proofs, statements or register entries one `LogAskV2` asks for
/// (each list); a vehicle asks for the rest at its next sync.
pub const MAX_LOG_ASK: usize = 2048;
/// The most record-set statements one `LogAskV2` gets (each loads a
/// document on the server).
pub const MAX_LOG_ASK_DOCS: usize = 256;

/// Protocol failures: the peer broke the rules or went silent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    #[error("frame of {0} bytes exceeds the limit")]
    FrameTooLarge(usize),
    #[error("{0} records in one message (at most {MAX_BATCH_RECORDS})")]
    TooManyRecords(usize),
    #[error("undecodable message: {0}")]
    Malformed(String),
    #[error("unexpected {got} while {state}")]
    Unexpected {
        got: &'static str,
        state: &'static str,
    },
    #[error("peer speaks protocol version {0}, this build speaks {PROTOCOL_VERSION}")]
    Version(u16),
    #[error("no answer from the peer within {0} s")]
    Timeout(u64),
    #[error("peer reported an error: {0}")]
    Peer(String),
    #[error("more than {MAX_BEHIND_HELLO} bytes sent before the device was welcomed")]
    TooMuchBeforeWelcome,
}
