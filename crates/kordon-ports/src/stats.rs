//! Statistics over a period: per unit and per day, and per officer, as
//! every backend answers them. Each inspection's countable facts
//! ([`kordon_model::InspectionFacts`]) are kept per inspection beside its
//! index row (so a late sync changes a past day exactly); a backend sums
//! them by group ([`FactGroup`], [`OfficerGroup`]) and [`statistics_of`]
//! makes the figures. No SQL here.

use kordon_model::{Outcome, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::index::parse_day;

/// The longest period one query covers, in days.
pub const STATS_MAX_DAYS: u32 = 366;

/// Which period, and optionally which unit.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::IntoParams,
)]
#[ts(optional_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// Last UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub to: String,
    /// Only this unit's inspections.
    pub unit: Option<String>,
}

impl StatsQuery {
    /// The period's days, first to last, or why the query is not one.
    pub fn days(&self) -> Result<Vec<String>, String> {
        let from = parse_day(&self.from)
            .ok_or_else(|| format!("from: {:?} is not a day (YYYY-MM-DD)", self.from))?;
        let to = parse_day(&self.to)
            .ok_or_else(|| format!("to: {:?} is not a day (YYYY-MM-DD)", self.to))?;
        if to < from {
            return Err(format!("to: {} is before from: {}", self.to, self.from));
        }
        let span = (to - from).whole_days() + 1;
        if span > i64::from(STATS_MAX_DAYS) {
            return Err(format!(
                "the period is {span} days long; at most {STATS_MAX_DAYS} are counted at once"
            ));
        }
        let mut days = Vec::with_capacity(span as usize);
        let mut d = from;
        while d <= to {
            days.push(day_text(d));
            match d.next_day() {
                Some(n) => d = n,
                None => break,
            }
        }
        Ok(days)
    }

    /// The unit asked for, unless blank.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref().filter(|u| !u.is_empty())
    }
}

fn day_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The figures of one group of inspections (a unit's day, a unit, a day,
/// the whole period). Counts come first; the rates and means after them
/// are derived from the counts and absent where nothing was counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct StatsCounts {
    pub inspections: u32,
    /// The outcome mix: current outcomes, and inspections not decided yet.
    pub release: u32,
    pub physical_inspection: u32,
    pub detain: u32,
    pub refer: u32,
    pub undecided: u32,
    /// Scans attached, over all the group's inspections.
    pub scans: u32,
    /// Inspections with a review; by their latest review's verdict.
    pub reviewed: u32,
    pub agreed: u32,
    pub overruled: u32,
    pub returned: u32,
    /// Returns to the crew (every one, not only the latest review), those
    /// the crew answered with a new decision, and the time they took.
    pub returns: u32,
    pub returns_answered: u32,
    #[ts(type = "number")]
    pub answer_ms_total: i64,
    /// Inspections decided after a scan, and the time from the first scan
    /// to that decision.
    pub timed_decisions: u32,
    #[ts(type = "number")]
    pub scan_to_decision_ms_total: i64,
    /// Hotlist alerts raised, and inspections with at least one.
    pub hotlist_hits: u32,
    pub inspections_with_hits: u32,
    /// scans / inspections.
    pub scans_per_inspection: Option<f64>,
    /// agreed / reviewed.
    pub agreement_rate: Option<f64>,
    /// answer_ms_total / returns_answered, whole milliseconds (rounded down).
    #[ts(type = "number | null")]
    pub mean_answer_ms: Option<i64>,
    /// scan_to_decision_ms_total / timed_decisions, whole milliseconds
    /// (rounded down).
    #[ts(type = "number | null")]
    pub mean_scan_to_decision_ms: Option<i64>,
}

impl StatsCounts {
    fn add(&mut self, o: &StatsCounts) {
        self.inspections += o.inspections;
        self.release += o.release;
        self.physical_inspection += o.physical_inspection;
        self.detain += o.detain;
        self.refer += o.refer;
        self.undecided += o.undecided;
        self.scans += o.scans;
        self.reviewed += o.reviewed;
        self.agreed += o.agreed;
        self.overruled += o.overruled;
        self.returned += o.returned;
        self.returns += o.returns;
        self.returns_answered += o.returns_answered;
        self.answer_ms_total = self.answer_ms_total.saturating_add(o.answer_ms_total);
        self.timed_decisions += o.timed_decisions;
        self.scan_to_decision_ms_total = self
            .scan_to_decision_ms_total
            .saturating_add(o.scan_to_decision_ms_total);
        self.hotlist_hits += o.hotlist_hits;
        self.inspections_with_hits += o.inspections_with_hits;
    }

    /// Fills the rates and means from the counts.
    fn derive(mut self) -> Self {
        let ratio = |a: u32, b: u32| (b > 0).then(|| f64::from(a) / f64::from(b));
        let mean = |total: i64, n: u32| (n > 0).then(|| total.div_euclid(i64::from(n)));
        self.scans_per_inspection = ratio(self.scans, self.inspections);
        self.agreement_rate = ratio(self.agreed, self.reviewed);
        self.mean_answer_ms = mean(self.answer_ms_total, self.returns_answered);
        self.mean_scan_to_decision_ms = mean(self.scan_to_decision_ms_total, self.timed_decisions);
        self
    }
}

/// A unit's figures on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DayUnitStats {
    pub day: String,
    pub unit: String,
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// One day's figures over every unit (or the unit asked for).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DayStats {
    pub day: String,
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// One unit's figures over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct UnitStats {
    pub unit: String,
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// How supervisors judged one officer's decisions: each reviewed
/// inspection counts once, for the officer whose decision its latest
/// review saw.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct OfficerStats {
    pub officer: String,
    pub reviewed: u32,
    pub agreed: u32,
    pub overruled: u32,
    pub returned: u32,
    /// agreed / reviewed.
    pub agreement_rate: f64,
}

/// The statistics of a period.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Statistics {
    pub from: String,
    pub to: String,
    pub unit: Option<String>,
    /// Every day of the period, each with its figures (zero where nothing
    /// happened), oldest first.
    pub by_day: Vec<DayStats>,
    /// Each unit with inspections in the period, by name.
    pub by_unit: Vec<UnitStats>,
    /// Each unit's days with inspections, by day then unit.
    pub by_day_unit: Vec<DayUnitStats>,
    /// Officers whose decisions were reviewed, by name.
    pub officers: Vec<OfficerStats>,
    pub total: StatsCounts,
}

/// The sums over the inspections of one unit's day with one current
/// outcome and one latest verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactGroup {
    pub day: String,
    pub unit: String,
    pub outcome: Option<String>,
    pub review: Option<String>,
    pub inspections: i64,
    pub scans: i64,
    pub returns: i64,
    pub returns_answered: i64,
    pub answer_ms: i64,
    /// Inspections with a time from scan to decision, and its sum.
    pub timed_decisions: i64,
    pub scan_to_decision_ms: i64,
    pub hotlist_hits: i64,
    pub inspections_with_hits: i64,
}

/// Reviewed inspections of one officer with one latest verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerGroup {
    pub officer: String,
    pub review: String,
    pub inspections: i64,
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The statistics of the period `q` (checked) from its groups.
pub fn statistics_of(
    q: &StatsQuery,
    groups: &[FactGroup],
    officer_groups: &[OfficerGroup],
) -> Result<Statistics, String> {
    let days = q.days()?;
    let mut by_group: BTreeMap<(String, String), StatsCounts> = BTreeMap::new();
    for f in groups {
        let g = by_group.entry((f.day.clone(), f.unit.clone())).or_default();
        let c = StatsCounts {
            inspections: count(f.inspections),
            scans: count(f.scans),
            returns: count(f.returns),
            returns_answered: count(f.returns_answered),
            answer_ms_total: f.answer_ms,
            timed_decisions: count(f.timed_decisions),
            scan_to_decision_ms_total: f.scan_to_decision_ms,
            hotlist_hits: count(f.hotlist_hits),
            inspections_with_hits: count(f.inspections_with_hits),
            ..StatsCounts::default()
        };
        g.add(&c);
        let slot = match f.outcome.as_deref().and_then(|o| o.parse::<Outcome>().ok()) {
            Some(Outcome::Release) => &mut g.release,
            Some(Outcome::PhysicalInspection) => &mut g.physical_inspection,
            Some(Outcome::Detain) => &mut g.detain,
            Some(Outcome::Refer) => &mut g.refer,
            None => &mut g.undecided,
        };
        *slot += c.inspections;
        if let Some(verdict) = f.review.as_deref().and_then(|v| v.parse::<Verdict>().ok()) {
            g.reviewed += c.inspections;
            *match verdict {
                Verdict::Agree => &mut g.agreed,
                Verdict::Overrule => &mut g.overruled,
                Verdict::Return => &mut g.returned,
            } += c.inspections;
        }
    }

    let mut by_day: BTreeMap<String, StatsCounts> = days
        .into_iter()
        .map(|d| (d, StatsCounts::default()))
        .collect();
    let mut by_unit: BTreeMap<String, StatsCounts> = BTreeMap::new();
    let mut total = StatsCounts::default();
    for ((day, unit), c) in &by_group {
        by_day.entry(day.clone()).or_default().add(c);
        by_unit.entry(unit.clone()).or_default().add(c);
        total.add(c);
    }

    let mut officers: BTreeMap<String, OfficerStats> = BTreeMap::new();
    for g in officer_groups {
        let n = count(g.inspections);
        let o = officers
            .entry(g.officer.clone())
            .or_insert_with(|| OfficerStats {
                officer: g.officer.clone(),
                reviewed: 0,
                agreed: 0,
                overruled: 0,
                returned: 0,
                agreement_rate: 0.0,
            });
        o.reviewed += n;
        match g.review.parse::<Verdict>() {
            Ok(Verdict::Agree) => o.agreed += n,
            Ok(Verdict::Overrule) => o.overruled += n,
            Ok(Verdict::Return) => o.returned += n,
            Err(_) => {}
        }
    }
    Ok(Statistics {
        from: q.from.clone(),
        to: q.to.clone(),
        unit: q.unit().map(str::to_string),
        by_day: by_day
            .into_iter()
            .map(|(day, c)| DayStats {
                day,
                counts: c.derive(),
            })
            .collect(),
        by_unit: by_unit
            .into_iter()
            .map(|(unit, c)| UnitStats {
                unit,
                counts: c.derive(),
            })
            .collect(),
        by_day_unit: by_group
            .into_iter()
            .map(|((day, unit), c)| DayUnitStats {
                day,
                unit,
                counts: c.derive(),
            })
            .collect(),
        officers: officers
            .into_values()
            .map(|mut o| {
                o.agreement_rate = f64::from(o.agreed) / f64::from(o.reviewed.max(1));
                o
            })
            .collect(),
        total: total.derive(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: &str, to: &str) -> StatsQuery {
        StatsQuery {
            from: from.into(),
            to: to.into(),
            unit: None,
        }
    }

    #[test]
    fn a_period_is_its_days_and_refuses_what_is_not_one() {
        assert_eq!(
            q("2026-02-27", "2026-03-01").days().expect("days"),
            ["2026-02-27", "2026-02-28", "2026-03-01"]
        );
        assert!(q("2026-02-30", "2026-03-01").days().is_err());
        assert!(q("2026-03-02", "2026-03-01").days().is_err());
        assert!(q("2026-3-1", "2026-03-01").days().is_err());
        assert!(q("2025-01-01", "2026-01-01").days().is_ok());
        assert!(q("2025-01-01", "2026-01-02").days().is_err());
    }

    #[test]
    fn means_round_down_and_vanish_without_counts() {
        let c = StatsCounts {
            inspections: 3,
            scans: 4,
            reviewed: 0,
            returns_answered: 2,
            answer_ms_total: 3_001,
            ..StatsCounts::default()
        }
        .derive();
        assert_eq!(c.mean_answer_ms, Some(1_500));
        assert_eq!(c.agreement_rate, None);
        assert_eq!(c.mean_scan_to_decision_ms, None);
        assert!((c.scans_per_inspection.expect("ratio") - 4.0 / 3.0).abs() < 1e-12);
    }
}
