//! The derived index and the supervisors' queue over it: the row types
//! that cross the port, the columns every backend derives from an
//! inspection's view, what a queue query's filters mean, and the
//! [`Index`] port itself. Each backend turns [`Condition`]s into its own
//! SQL; none decides what a filter means.

use kordon_model::{HotlistView, InspectionId, InspectionView, Plate, ReviewState, TrainingView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::stats::{Statistics, StatsQuery};
use crate::PortError;

/// A row of the index: the columns queries filter on, and the whole view.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct IndexRow {
    pub heads: Vec<String>,
    #[ts(type = "number")]
    pub updated_ms: i64,
    #[serde(flatten)]
    pub view: InspectionView,
}

impl IndexRow {
    /// An index row from its stored columns: heads comma-separated, the
    /// view as JSON.
    pub fn from_stored(heads: &str, updated_ms: i64, view: &str) -> Result<IndexRow, PortError> {
        let view: InspectionView = serde_json::from_str(view)
            .map_err(|e| PortError::Backend(format!("an index row's view does not read: {e}")))?;
        Ok(IndexRow {
            heads: heads
                .split(',')
                .filter(|h| !h.is_empty())
                .map(String::from)
                .collect(),
            updated_ms,
            view,
        })
    }
}

/// Rows a page holds unless asked otherwise, and at most.
pub const QUEUE_PAGE: u32 = 50;
pub const QUEUE_PAGE_MAX: u32 = 200;
/// The furthest a page may start (a bound, not a size: the queue pages
/// newest first, and nobody pages ten million rows back).
pub const QUEUE_OFFSET_MAX: u32 = 10_000_000;

/// A query over the queue. Absent fields do not filter.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::IntoParams,
)]
#[ts(optional_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsoleQuery {
    /// The unit that created the inspection.
    pub unit: Option<String>,
    /// First UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// Last UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// Current outcome (`release`, `physical_inspection`, `detain`,
    /// `refer`), or `none` for undecided.
    pub outcome: Option<String>,
    pub review: Option<ReviewState>,
    /// An officer of the crew or of a decision, exactly.
    pub officer: Option<String>,
    /// Tractor or trailer plate in any spelling, matched by key.
    pub plate: Option<String>,
    /// Container code (separators and case ignored).
    pub container: Option<String>,
    /// True: only inspections with scans; false: only those without.
    pub scans: Option<bool>,
    /// Hotlist hits: `any` (inspections with an alert) or `open` (with an
    /// alert the crew has not answered).
    pub alerts: Option<AlertFilter>,
    #[param(minimum = 0, maximum = 10_000_000)]
    pub offset: Option<u32>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Which inspections with hotlist alerts the queue shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertFilter {
    Any,
    Open,
}

/// A queue row: the index row, where it stands with the supervisors and
/// when the server first received it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsoleRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: IndexRow,
    pub review_state: ReviewState,
    /// When the server received the inspection's first record.
    #[ts(type = "number | null")]
    pub received_ms: Option<i64>,
}

/// Inspections per review state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ReviewCounts {
    #[ts(type = "number")]
    pub unreviewed: u64,
    #[ts(type = "number")]
    pub agreed: u64,
    #[ts(type = "number")]
    pub overruled: u64,
    #[ts(type = "number")]
    pub returned: u64,
    #[ts(type = "number")]
    pub answered: u64,
}

impl ReviewCounts {
    /// Adds `n` inspections in the review state named `state`.
    pub fn add(&mut self, state: &str, n: u64) {
        match state.parse::<ReviewState>() {
            Ok(ReviewState::Unreviewed) => self.unreviewed += n,
            Ok(ReviewState::Agreed) => self.agreed += n,
            Ok(ReviewState::Overruled) => self.overruled += n,
            Ok(ReviewState::Returned) => self.returned += n,
            Ok(ReviewState::Answered) => self.answered += n,
            Err(_) => {}
        }
    }

    pub fn get(&self, state: ReviewState) -> u64 {
        match state {
            ReviewState::Unreviewed => self.unreviewed,
            ReviewState::Agreed => self.agreed,
            ReviewState::Overruled => self.overruled,
            ReviewState::Returned => self.returned,
            ReviewState::Answered => self.answered,
        }
    }

    pub fn total(&self) -> u64 {
        ReviewState::ALL.into_iter().map(|s| self.get(s)).sum()
    }

    /// Inspections in `state`, or in every state.
    pub fn matching(&self, state: Option<ReviewState>) -> u64 {
        match state {
            Some(state) => self.get(state),
            None => self.total(),
        }
    }
}

/// Counts beside the filter options: each under every *other* filter.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QueueCounts {
    pub review: ReviewCounts,
    /// By current outcome; `none` counts the undecided.
    #[ts(type = "Record<string, number>")]
    pub outcome: BTreeMap<String, u64>,
    /// Inspections, fleet-wide and whatever the filters, with a hotlist
    /// alert the crew has not answered.
    #[ts(type = "number")]
    pub open_alerts: u64,
}

/// One page of the queue.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsolePage {
    pub rows: Vec<ConsoleRow>,
    /// Inspections matching every filter.
    #[ts(type = "number")]
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub counts: QueueCounts,
    /// Every unit the server has inspections from.
    pub units: Vec<String>,
}

/// What changes whenever any inspection does: the console polls it and
/// fetches its page again only when it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QueueVersion {
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "number")]
    pub total: u64,
}

/// `YYYY-MM-DD`, and a day the calendar has.
pub fn is_day(s: &str) -> bool {
    parse_day(s).is_some()
}

/// A UTC day written `YYYY-MM-DD`, if `s` is one that exists.
pub fn parse_day(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let number = |range: std::ops::Range<usize>| s.get(range).and_then(|p| p.parse::<u16>().ok());
    let month = time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    time::Date::from_calendar_date(
        i32::from(number(0..4)?),
        month,
        u8::try_from(number(8..10)?).ok()?,
    )
    .ok()
}

impl ConsoleQuery {
    /// Checks the query's values; a wrong one is named in the error.
    pub fn check(&self) -> Result<(), String> {
        for (name, day) in [("from", &self.from), ("to", &self.to)] {
            if let Some(d) = day.as_deref().filter(|d| !d.is_empty()) {
                if !is_day(d) {
                    return Err(format!("{name}: {d:?} is not a day (YYYY-MM-DD)"));
                }
            }
        }
        if let Some(o) = self.outcome.as_deref().filter(|o| !o.is_empty()) {
            if o != "none" && o.parse::<kordon_model::Outcome>().is_err() {
                return Err(format!(
                    "outcome: {o:?} is not release, physical_inspection, detain, refer or none"
                ));
            }
        }
        if let Some(offset) = self.offset.filter(|o| *o > QUEUE_OFFSET_MAX) {
            return Err(format!("offset: {offset} is beyond {QUEUE_OFFSET_MAX}"));
        }
        if let Some(limit) = self.limit {
            if !(1..=QUEUE_PAGE_MAX).contains(&limit) {
                return Err(format!(
                    "limit: {limit} is not between 1 and {QUEUE_PAGE_MAX}"
                ));
            }
        }
        Ok(())
    }
}

/// A query over the index. Absent fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// A plate in any spelling, matched by key against the inspection's
    /// plates and its reads' (as read and as corrected).
    pub plate: Option<String>,
    /// A match key, exactly (as [`plate_keys`] gives them).
    pub plate_key: Option<String>,
    /// Container code, exact.
    pub container: Option<String>,
    /// UTC day, `YYYY-MM-DD`, of creation.
    pub day: Option<String>,
    /// Current outcome (`release`, ...), or `none` for undecided.
    pub outcome: Option<String>,
    pub limit: Option<usize>,
}

impl Query {
    /// The query's filters, as the queue's (an absent field does not
    /// filter; unlike the queue's, a blank one does).
    pub fn conditions(&self) -> Vec<Condition> {
        let mut out = vec![];
        if let Some(p) = self.plate.as_deref() {
            out.push(Condition::PlateKey(Plate::key_of(p).unwrap_or_default()));
        }
        if let Some(k) = self.plate_key.as_deref() {
            out.push(Condition::PlateKey(k.to_string()));
        }
        if let Some(c) = self.container.as_deref() {
            out.push(Condition::ContainerKey(container_key(c)));
        }
        if let Some(d) = self.day.as_deref() {
            out.push(Condition::DayFrom(d.to_string()));
            out.push(Condition::DayTo(d.to_string()));
        }
        match self.outcome.as_deref() {
            Some("none") => out.push(Condition::Undecided),
            Some(o) => out.push(Condition::Outcome(o.to_string())),
            None => {}
        }
        out
    }
}

/// Which training attempts to list.
#[derive(Debug, Clone, Default)]
pub struct TrainingQuery {
    /// Only this trainee's.
    pub trainee: Option<String>,
    /// Only this unit's.
    pub unit: Option<String>,
    /// Most rows, newest first.
    pub limit: usize,
}

/// Which filter a query leaves out (for the counts beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Except {
    Nothing,
    Review,
    Outcome,
}

/// One filter of a queue query, as every backend must apply it to the
/// columns of [`IndexColumns`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Unit(String),
    /// `day >= this`.
    DayFrom(String),
    /// `day <= this`.
    DayTo(String),
    /// No decision yet (`outcome` is null).
    Undecided,
    Outcome(String),
    ReviewState(&'static str),
    /// This officer among [`IndexColumns::officers`]: a whole name, the
    /// case of the letters A to Z aside (SQLite's `LIKE`; other letters
    /// as they are).
    Officer(String),
    /// This match key among the inspection's [`plate_keys`].
    PlateKey(String),
    /// This code among [`IndexColumns::containers`]: a whole code,
    /// exactly.
    ContainerKey(String),
    /// `scan_count > 0`, or `= 0` for false.
    Scans(bool),
    /// `alerts > 0`.
    Alerts,
    /// `alerts > 0 AND open_alerts > 0`.
    OpenAlerts,
}

/// A filter's value, unless absent or blank.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ConsoleQuery {
    /// The query's filters, but `except`.
    pub fn conditions(&self, except: Except) -> Vec<Condition> {
        let mut out = vec![];
        if let Some(unit) = given(&self.unit) {
            out.push(Condition::Unit(unit.to_string()));
        }
        if let Some(from) = given(&self.from) {
            out.push(Condition::DayFrom(from.to_string()));
        }
        if let Some(to) = given(&self.to) {
            out.push(Condition::DayTo(to.to_string()));
        }
        if except != Except::Outcome {
            match given(&self.outcome) {
                Some("none") => out.push(Condition::Undecided),
                Some(o) => out.push(Condition::Outcome(o.to_string())),
                None => {}
            }
        }
        if except != Except::Review {
            if let Some(r) = self.review {
                out.push(Condition::ReviewState(r.as_str()));
            }
        }
        if let Some(officer) = given(&self.officer) {
            out.push(Condition::Officer(officer.to_string()));
        }
        if let Some(plate) = given(&self.plate) {
            out.push(Condition::PlateKey(
                Plate::key_of(plate).unwrap_or_default(),
            ));
        }
        if let Some(c) = given(&self.container) {
            out.push(Condition::ContainerKey(container_key(c)));
        }
        if let Some(scans) = self.scans {
            out.push(Condition::Scans(scans));
        }
        match self.alerts {
            Some(AlertFilter::Any) => out.push(Condition::Alerts),
            Some(AlertFilter::Open) => out.push(Condition::OpenAlerts),
            None => {}
        }
        out
    }

    /// Rows per page, as asked and bounded.
    pub fn page_limit(&self) -> u32 {
        self.limit.unwrap_or(QUEUE_PAGE).clamp(1, QUEUE_PAGE_MAX)
    }
}

/// The UTC day, `YYYY-MM-DD`, of an instant in milliseconds.
pub fn day_of(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A container code as the index keeps it: letters and digits, upper case.
pub fn container_key(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Every match key the inspection is known by: its plates, and what each
/// read attached to it stands for (as read, and as corrected).
pub fn plate_keys(v: &InspectionView) -> Vec<String> {
    let mut keys: Vec<String> = vec![];
    for p in [&v.tractor_plate, &v.trailer_plate].into_iter().flatten() {
        keys.push(p.key.clone());
    }
    for r in v.reads.iter().filter(|r| r.detached.is_none()) {
        for p in [r.plate.as_ref(), r.correction.as_ref().map(|c| &c.plate)]
            .into_iter()
            .flatten()
        {
            keys.push(p.key.clone());
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The units a hotlist goes to as the index keeps them: space-delimited
/// with a space at each end, `" "` alone for every unit.
pub fn hotlist_units(view: &HotlistView) -> String {
    format!(" {} ", view.units.join(" ")).replace("  ", " ")
}

/// The pattern `LIKE … ESCAPE '\'` matches a whole word of a column
/// delimited as [`IndexColumns::officers`] is: `% word %`, the word's
/// own `%`, `_` and `\` taken as themselves.
pub fn word_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("% {escaped} %")
}

/// The columns of an inspection's index row, as every backend derives
/// them from its view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumns {
    pub day: String,
    /// The container codes, space-delimited with a space at each end, so
    /// `LIKE '% CODE %'` finds one.
    pub containers: String,
    /// The current outcome, if decided.
    pub outcome: Option<&'static str>,
    pub decisions: i64,
    pub reviews: i64,
    pub review_state: &'static str,
    /// Every officer named by the crew or a decision, space-delimited with
    /// a space at each end, so `LIKE '% NAME %'` finds one.
    pub officers: String,
    pub scan_count: i64,
    pub alerts: i64,
    /// Alerts the crew has not answered.
    pub open_alerts: i64,
    pub plate_keys: Vec<String>,
    /// The blobs of its scans and of its reads' images: `(blob, size,
    /// added_ms)`, the first of each blob.
    pub blobs: Vec<(String, u64, i64)>,
    /// The ids of the ANPR reads attached to it.
    pub reads: Vec<String>,
}

impl IndexColumns {
    pub fn of(v: &InspectionView) -> Self {
        let mut names: Vec<&str> = v.crew.iter().map(String::as_str).collect();
        names.extend(v.decisions.iter().map(|d| d.officer.as_str()));
        names.retain(|n| !n.is_empty());
        names.sort_unstable();
        names.dedup();
        let containers: Vec<&str> = v.containers.iter().map(|c| c.as_str()).collect();
        IndexColumns {
            day: day_of(v.created_ms),
            containers: format!(" {} ", containers.join(" ")),
            outcome: v.current_outcome().map(|o| o.as_str()),
            decisions: v.decisions.len() as i64,
            reviews: v.reviews.len() as i64,
            review_state: v.review_state().as_str(),
            officers: format!(" {} ", names.join(" ")),
            scan_count: v.scans.len() as i64,
            alerts: v.alerts.len() as i64,
            open_alerts: v.alerts.iter().filter(|a| a.response.is_none()).count() as i64,
            plate_keys: plate_keys(v),
            blobs: blobs_of(v),
            reads: v.reads.iter().map(|r| r.id.clone()).collect(),
        }
    }
}

/// The blobs an inspection references, each once (the first reference).
fn blobs_of(v: &InspectionView) -> Vec<(String, u64, i64)> {
    let mut out: Vec<(String, u64, i64)> = vec![];
    let scans = v.scans.iter().flat_map(|s| {
        s.images
            .iter()
            .map(move |i| (i.blob.as_str(), i.size, s.added_ms))
    });
    // The images of ANPR reads travel the same way as scans.
    let reads = v.reads.iter().flat_map(|r| {
        r.images
            .iter()
            .map(move |i| (i.blob.as_str(), i.size, r.received_ms))
    });
    for (blob, size, at) in scans.chain(reads) {
        if !out.iter().any(|(b, _, _)| b == blob) {
            out.push((blob.to_string(), size, at));
        }
    }
    out
}

/// The derived index: what the received records make of their documents,
/// kept as rows the console queries without loading a document. The
/// records stay the truth; the index can always be made again from them.
pub trait Index {
    /// Applies the records not yet projected to their documents and
    /// rewrites the rows they derive. The SQLite store derives the rows
    /// of its own commits as it commits them (`Origin::Local`), so its
    /// projection takes the records received; PostgreSQL's takes every
    /// record (a server's own hotlists and ANPR inspections moved into it
    /// included). The projection's
    /// cursor moves with the rows, in one transaction, so a crash at any
    /// point only means the work is done again. Several processes may
    /// call it at once: each record is projected, and no row goes back to
    /// an older state. Returns how many documents were refreshed.
    fn project(&mut self, now_ms: i64) -> Result<usize, PortError>;

    /// As [`project`](Self::project), but when another caller is
    /// projecting already it returns without waiting its turn (with the
    /// documents it refreshed before that, if any): for a caller that
    /// needs the projection to move, not to be complete. On PostgreSQL,
    /// what goes down to a vehicle stops at the projection's cursor,
    /// wherever it is; a store with one caller at a time (SQLite)
    /// projects.
    fn project_unless_busy(&mut self, now_ms: i64) -> Result<usize, PortError> {
        self.project(now_ms)
    }

    /// Records received and not yet projected, and when the oldest came.
    fn projection_lag(&self) -> Result<(u64, Option<i64>), PortError>;

    /// One page of the supervisors' queue, newest first (by creation, then
    /// id), with the counts per review state and per outcome under the
    /// other filters, fleet-wide open alerts, and every unit.
    fn console_page(&self, q: &ConsoleQuery) -> Result<ConsolePage, PortError>;

    /// One inspection's queue row.
    fn console_row(&self, id: InspectionId) -> Result<Option<ConsoleRow>, PortError>;

    /// Moves whenever an inspection is indexed anew.
    fn queue_version(&self) -> Result<QueueVersion, PortError>;

    /// Inspections in the index.
    fn inspection_count(&self) -> Result<u64, PortError>;

    /// Inspections matching `q`, newest first.
    fn query(&self, q: &Query) -> Result<Vec<IndexRow>, PortError>;

    /// Earlier inspections of the same vehicle, fleet-wide: any that share
    /// a plate (by match key: plates and reads) or a container code with
    /// `id`, newest first, without `id` itself, at most `limit` (and
    /// [`QUEUE_PAGE_MAX`]); `None` if `id` is not indexed.
    fn same_vehicle(
        &self,
        id: InspectionId,
        limit: u32,
    ) -> Result<Option<Vec<ConsoleRow>>, PortError>;

    /// The inspection holding the ANPR read `read_id`, if any, over every
    /// inspection: a push processed again after a crash must attach
    /// nothing twice.
    fn inspection_with_read(&self, read_id: &str) -> Result<Option<InspectionId>, PortError>;

    /// Every hotlist held, by name.
    fn hotlists(&self) -> Result<Vec<HotlistView>, PortError>;

    /// Training attempts matching `q`, newest first.
    fn training_attempts(&self, q: &TrainingQuery) -> Result<Vec<TrainingView>, PortError>;

    /// One training attempt, by its id.
    fn training_attempt(&self, id: &[u8; 16]) -> Result<Option<TrainingView>, PortError>;

    /// Whether an inspection of `unit` references `blob` with this size
    /// (the server accepts only blobs its records ask for).
    fn blob_referenced_by_unit(&self, blob: &str, size: u64, unit: &str)
        -> Result<bool, PortError>;

    /// Inspections with a scan or read image whose blob starts with
    /// `prefix`.
    fn docs_with_blob_prefix(&self, prefix: &str) -> Result<Vec<InspectionId>, PortError>;

    /// Every blob any inspection references, once each.
    fn scan_blobs_all(&self) -> Result<Vec<String>, PortError>;

    /// The statistics of a period (of what was projected); a query that
    /// is no period is refused with its reason ([`StatsQuery::days`]).
    fn statistics(&self, q: &StatsQuery) -> Result<Statistics, PortError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_limits_are_checked() {
        assert!(is_day("2026-12-03"));
        assert!(!is_day("2026-1-03"));
        assert!(!is_day("2026-12-0x"));
        assert!(!is_day("2026-02-30"), "no such day");
        assert!(!is_day("2026-13-01"), "no such month");
        let bad = ConsoleQuery {
            from: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(bad.check().expect_err("bad day").starts_with("from:"));
        let bad = ConsoleQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let bad = ConsoleQuery {
            outcome: Some("maybe".into()),
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn word_patterns_are_escaped() {
        assert_eq!(word_pattern("A_1%\\"), "% A\\_1\\%\\\\ %");
    }

    #[test]
    fn day_is_utc_date() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(1_779_580_800_000), "2026-05-24");
    }
}
