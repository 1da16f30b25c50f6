//! The server's audit trail as three sources, each read newest first
//! from a position on: records accepted, refusals (of records and of
//! connections), and console actions. The server merges them into one
//! list; a backend only finds rows ([`Trail`]).

use crate::{AuditEntry, PortError};

/// Where each source stands among events of the same millisecond.
pub const TRAIL_RANK_RECORD: i64 = 0;
pub const TRAIL_RANK_REFUSAL: i64 = 1;
pub const TRAIL_RANK_CONSOLE: i64 = 2;

/// A position in the trail: time, source rank, and the row's number.
/// Rows after it are those below it in (time, rank, number), descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailPosition {
    pub at_ms: i64,
    pub rank: i64,
    pub n: i64,
}

/// What the rows of a source must match (each filter a source cannot
/// apply is the caller's to decide: it leaves that source out).
#[derive(Debug, Clone, Default)]
pub struct TrailFilter<'a> {
    /// From this time (inclusive).
    pub from_ms: Option<i64>,
    /// Before this time (exclusive).
    pub to_ms: Option<i64>,
    /// Records and refusals signed by this unit's devices.
    pub unit: Option<&'a str>,
    /// Records signed for this officer; console events of this account.
    pub actor: Option<&'a str>,
    /// Records of this document.
    pub document: Option<[u8; 16]>,
    /// Console events refused only.
    pub refused_only: bool,
    /// Rows after this position.
    pub after: Option<TrailPosition>,
    /// At most this many rows.
    pub limit: u32,
}

/// An accepted record, as the trail lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRecord {
    pub seq: i64,
    pub received_ms: i64,
    pub signer: Vec<u8>,
    pub officer: String,
    pub doc_id: Vec<u8>,
    pub id: Vec<u8>,
    pub bytes: Vec<u8>,
}

/// A refusal, of a record (with its id) or of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRefusal {
    pub n: i64,
    pub at_ms: i64,
    pub record: Option<Vec<u8>>,
    pub signer: Option<Vec<u8>>,
    pub peer: Option<String>,
    pub reason: String,
}

/// One of the trail's sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailSource {
    Records,
    Refusals,
    Console,
}

impl TrailSource {
    /// Where the source stands among events of the same millisecond.
    pub fn rank(self) -> i64 {
        match self {
            TrailSource::Records => TRAIL_RANK_RECORD,
            TrailSource::Refusals => TRAIL_RANK_REFUSAL,
            TrailSource::Console => TRAIL_RANK_CONSOLE,
        }
    }
}

/// One condition on a source's rows, as every backend applies it to the
/// source's time column, row number, and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrailCondition {
    /// `time < at`.
    TimeBelow(i64),
    /// `time <= at`.
    TimeAtMost(i64),
    /// `time >= at`.
    TimeFrom(i64),
    /// Strictly below `(at, n)` in (time, row number).
    RowBelow { at_ms: i64, n: i64 },
    /// Signed by a device of this unit.
    Unit(String),
    /// Records signed for this officer; console events of this account.
    Actor(String),
    /// Records of this document.
    Document([u8; 16]),
    /// Console events refused.
    Refused,
}

impl TrailFilter<'_> {
    /// The conditions this filter puts on `source`'s rows. A filter the
    /// source cannot apply is left out here (the caller decides whether
    /// to read that source at all).
    pub fn conditions(&self, source: TrailSource) -> Vec<TrailCondition> {
        let mut out = vec![];
        if let Some(p) = self.after {
            // Strictly after the position in (time DESC, rank DESC, n
            // DESC): a source ranked below the position's keeps that
            // millisecond whole, one ranked above drops it, the
            // position's own source continues below its row.
            let rank = source.rank();
            out.push(if rank < p.rank {
                TrailCondition::TimeAtMost(p.at_ms)
            } else if rank > p.rank {
                TrailCondition::TimeBelow(p.at_ms)
            } else {
                TrailCondition::RowBelow {
                    at_ms: p.at_ms,
                    n: p.n,
                }
            });
        }
        if let Some(from) = self.from_ms {
            out.push(TrailCondition::TimeFrom(from));
        }
        if let Some(to) = self.to_ms {
            out.push(TrailCondition::TimeBelow(to));
        }
        if let (Some(unit), TrailSource::Records | TrailSource::Refusals) = (self.unit, source) {
            out.push(TrailCondition::Unit(unit.to_string()));
        }
        if let (Some(actor), TrailSource::Records | TrailSource::Console) = (self.actor, source) {
            out.push(TrailCondition::Actor(actor.to_string()));
        }
        if let (Some(doc), TrailSource::Records) = (self.document, source) {
            out.push(TrailCondition::Document(doc));
        }
        if self.refused_only && source == TrailSource::Console {
            out.push(TrailCondition::Refused);
        }
        out
    }
}

/// The trail's sources.
pub trait Trail {
    /// Accepted records, newest first (by the time received, then `seq`).
    fn trail_records(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRecord>, PortError>;

    /// Refusals of records and connections, newest first.
    fn trail_refusals(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRefusal>, PortError>;

    /// Console actions, newest first.
    fn trail_console(&self, f: &TrailFilter<'_>) -> Result<Vec<AuditEntry>, PortError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_position_each_source_keeps_what_ranks_below_it() {
        let f = TrailFilter {
            after: Some(TrailPosition {
                at_ms: 5_000,
                rank: TRAIL_RANK_REFUSAL,
                n: 7,
            }),
            unit: Some("MOBILE-1"),
            actor: Some("sup.koval"),
            refused_only: true,
            ..Default::default()
        };
        assert_eq!(
            f.conditions(TrailSource::Records),
            [
                TrailCondition::TimeAtMost(5_000),
                TrailCondition::Unit("MOBILE-1".into()),
                TrailCondition::Actor("sup.koval".into()),
            ],
            "records rank below refusals: that millisecond's stay"
        );
        assert_eq!(
            f.conditions(TrailSource::Refusals),
            [
                TrailCondition::RowBelow { at_ms: 5_000, n: 7 },
                TrailCondition::Unit("MOBILE-1".into()),
            ]
        );
        assert_eq!(
            f.conditions(TrailSource::Console),
            [
                TrailCondition::TimeBelow(5_000),
                TrailCondition::Actor("sup.koval".into()),
                TrailCondition::Refused,
            ],
            "console actions rank above: that millisecond's are behind"
        );
    }
}
