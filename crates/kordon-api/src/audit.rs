//! The audit trail for auditors and administrators: one page at a time as
//! JSON, or every matching event as CSV (the export is itself audited).

use crate::console::{allow, record_action, AUDIT};
use crate::ApiError;
use kordon_central::accounts::Actor;
use kordon_central::trail::{TrailEvent, TrailPage, TrailQuery};
use kordon_central::Central;

/// Events fetched per step of a CSV export.
pub const EXPORT_PAGE: u32 = kordon_central::trail::MAX_TRAIL_PAGE;

/// The CSV's columns, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "time_utc",
    "kind",
    "actor",
    "role",
    "unit",
    "signer",
    "document",
    "operation",
    "outcome",
    "detail",
    "record",
    "peer",
];

/// One page of the trail, newest first.
pub fn trail(c: &mut Central, who: &Actor, q: &TrailQuery) -> Result<TrailPage, ApiError> {
    allow(who, &AUDIT)?;
    Ok(c.trail(q)?)
}

/// Starts a CSV export: checks the role, notes the export in the trail,
/// and returns the first page (the caller pages on with
/// [`Central::trail`] and [`csv_rows`]).
pub fn trail_export(
    c: &mut Central,
    who: &Actor,
    q: &TrailQuery,
    peer: Option<&str>,
) -> Result<TrailPage, ApiError> {
    allow(who, &AUDIT)?;
    q.check()?;
    let first = c.trail(&TrailQuery {
        after: None,
        limit: Some(EXPORT_PAGE),
        ..q.clone()
    })?;
    let filters = serde_json::to_string(&describe(q)).unwrap_or_default();
    record_action(
        c,
        who,
        "trail_export",
        "",
        &filters,
        peer,
        kordon_central::now_ms(),
    )?;
    Ok(first)
}

/// The filters of an export, as the trail records them.
fn describe(q: &TrailQuery) -> serde_json::Value {
    serde_json::json!({
        "kind": q.kind,
        "from_ms": q.from_ms,
        "to_ms": q.to_ms,
        "unit": q.unit,
        "actor": q.actor,
        "document": q.document,
        "refused_only": q.refused_only,
    })
}

/// The CSV's header line.
pub fn csv_header() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    let _ = w.write_record(CSV_COLUMNS);
    w.into_inner().unwrap_or_default()
}

/// Events as CSV lines (no header). Times are UTC, RFC 3339.
pub fn csv_rows(events: &[TrailEvent]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    for e in events {
        let time = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_ms) * 1_000_000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| e.at_ms.to_string());
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        let _ = w.write_record([
            time,
            kind,
            opt(&e.actor),
            opt(&e.role),
            opt(&e.unit),
            opt(&e.signer),
            opt(&e.document),
            e.operation.clone(),
            e.outcome.clone(),
            e.detail.clone(),
            opt(&e.record),
            opt(&e.peer),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_central::trail::TrailKind;

    #[test]
    fn csv_quotes_what_needs_quoting_and_keeps_cyrillic() {
        let e = TrailEvent {
            kind: TrailKind::Console,
            cursor: "1.2.3".into(),
            at_ms: 1_790_000_000_123,
            actor: Some("adm.бондар".into()),
            role: Some("administrator".into()),
            unit: None,
            signer: None,
            document: None,
            operation: "revoke".into(),
            outcome: "ok".into(),
            detail: "unit MOBILE-3: stolen, \"reported\"\nat 03:00".into(),
            record: None,
            peer: Some("10.0.0.7".into()),
        };
        let text = String::from_utf8(csv_rows(&[e])).expect("utf-8");
        assert!(
            text.starts_with(
                "2026-09-21T14:13:20.123Z,console,adm.бондар,administrator,,,,revoke,ok,"
            ),
            "{text}"
        );
        assert!(
            text.contains("\"unit MOBILE-3: stolen, \"\"reported\"\"\nat 03:00\""),
            "{text}"
        );
        assert_eq!(
            String::from_utf8(csv_header()).expect("utf-8").trim_end(),
            CSV_COLUMNS.join(",")
        );
    }
}
