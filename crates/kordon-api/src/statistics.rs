//! Statistics for supervisors (and auditors): a period's figures per unit
//! and per day and per officer, as JSON, and each table as CSV.

use crate::console::{allow, Op};
use crate::ApiError;
use kordon_central::accounts::{Actor, Role};
use kordon_central::Central;
use kordon_store::{OfficerStats, Statistics, StatsCounts, StatsQuery};
use serde::{Deserialize, Serialize};

pub const STATISTICS: Op = Op {
    name: "statistics",
    roles: &[Role::Supervisor, Role::Auditor],
};

/// The tables of the statistics, each exportable as CSV.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StatsTable {
    /// One row per day of the period.
    Days,
    /// One row per unit.
    Units,
    /// One row per unit and day with inspections.
    DayUnits,
    /// One row per officer whose decisions were reviewed.
    Officers,
}

impl StatsTable {
    pub const ALL: [StatsTable; 4] = [
        StatsTable::Days,
        StatsTable::Units,
        StatsTable::DayUnits,
        StatsTable::Officers,
    ];

    fn name(self) -> &'static str {
        match self {
            StatsTable::Days => "days",
            StatsTable::Units => "units",
            StatsTable::DayUnits => "day_units",
            StatsTable::Officers => "officers",
        }
    }
}

/// A CSV export's query: the period, and which table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsCsvQuery {
    /// First UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// Last UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub to: String,
    /// Only this unit's inspections.
    pub unit: Option<String>,
    pub table: StatsTable,
}

/// The figures of a period.
pub fn statistics(c: &mut Central, who: &Actor, q: &StatsQuery) -> Result<Statistics, ApiError> {
    allow(who, &STATISTICS)?;
    q.days().map_err(ApiError::invalid)?;
    Ok(c.statistics(q)?)
}

/// A CSV file: its name and its bytes.
#[derive(Debug, Clone)]
pub struct StatsCsv {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// One table of a period's statistics as CSV (UTF-8, RFC 4180, a header
/// line; rates as fractions with four decimals, times in milliseconds).
pub fn statistics_csv(
    c: &mut Central,
    who: &Actor,
    q: &StatsCsvQuery,
) -> Result<StatsCsv, ApiError> {
    let stats = statistics(
        c,
        who,
        &StatsQuery {
            from: q.from.clone(),
            to: q.to.clone(),
            unit: q.unit.clone(),
        },
    )?;
    let unit = stats
        .unit
        .as_deref()
        .map(|u| format!("-{}", file_safe(u)))
        .unwrap_or_default();
    Ok(StatsCsv {
        file_name: format!(
            "kordon-statistics-{}-{}-{}{unit}.csv",
            q.table.name(),
            stats.from,
            stats.to
        ),
        bytes: csv_table(&stats, q.table),
    })
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The columns of a group's figures, after its key columns.
pub const COUNT_COLUMNS: [&str; 22] = [
    "inspections",
    "release",
    "physical_inspection",
    "detain",
    "refer",
    "undecided",
    "scans",
    "scans_per_inspection",
    "reviewed",
    "agreed",
    "overruled",
    "returned",
    "agreement_rate",
    "returns",
    "returns_answered",
    "mean_answer_ms",
    "timed_decisions",
    "mean_scan_to_decision_ms",
    "hotlist_hits",
    "inspections_with_hits",
    "answer_ms_total",
    "scan_to_decision_ms_total",
];

/// The columns of the officers' table.
pub const OFFICER_COLUMNS: [&str; 6] = [
    "officer",
    "reviewed",
    "agreed",
    "overruled",
    "returned",
    "agreement_rate",
];

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.4}")).unwrap_or_default()
}

fn count_cells(c: &StatsCounts) -> Vec<String> {
    let mean = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
    vec![
        c.inspections.to_string(),
        c.release.to_string(),
        c.physical_inspection.to_string(),
        c.detain.to_string(),
        c.refer.to_string(),
        c.undecided.to_string(),
        c.scans.to_string(),
        rate(c.scans_per_inspection),
        c.reviewed.to_string(),
        c.agreed.to_string(),
        c.overruled.to_string(),
        c.returned.to_string(),
        rate(c.agreement_rate),
        c.returns.to_string(),
        c.returns_answered.to_string(),
        mean(c.mean_answer_ms),
        c.timed_decisions.to_string(),
        mean(c.mean_scan_to_decision_ms),
        c.hotlist_hits.to_string(),
        c.inspections_with_hits.to_string(),
        c.answer_ms_total.to_string(),
        c.scan_to_decision_ms_total.to_string(),
    ]
}

fn officer_cells(o: &OfficerStats) -> Vec<String> {
    vec![
        o.officer.clone(),
        o.reviewed.to_string(),
        o.agreed.to_string(),
        o.overruled.to_string(),
        o.returned.to_string(),
        rate(Some(o.agreement_rate)),
    ]
}

/// One table as CSV.
pub fn csv_table(s: &Statistics, table: StatsTable) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    let keyed = |keys: &[&str]| -> Vec<String> {
        keys.iter()
            .chain(COUNT_COLUMNS.iter())
            .map(|k| k.to_string())
            .collect()
    };
    let mut rows: Vec<Vec<String>> = vec![];
    match table {
        StatsTable::Days => {
            rows.push(keyed(&["day"]));
            for d in &s.by_day {
                rows.push([vec![d.day.clone()], count_cells(&d.counts)].concat());
            }
        }
        StatsTable::Units => {
            rows.push(keyed(&["unit"]));
            for u in &s.by_unit {
                rows.push([vec![u.unit.clone()], count_cells(&u.counts)].concat());
            }
        }
        StatsTable::DayUnits => {
            rows.push(keyed(&["day", "unit"]));
            for d in &s.by_day_unit {
                rows.push([vec![d.day.clone(), d.unit.clone()], count_cells(&d.counts)].concat());
            }
        }
        StatsTable::Officers => {
            rows.push(OFFICER_COLUMNS.iter().map(|k| k.to_string()).collect());
            rows.extend(s.officers.iter().map(officer_cells));
        }
    }
    for r in rows {
        let _ = w.write_record(r);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_store::{DayStats, UnitStats};

    #[test]
    fn every_row_has_as_many_cells_as_the_header() {
        let counts = StatsCounts {
            inspections: 2,
            scans: 3,
            reviewed: 2,
            agreed: 1,
            scans_per_inspection: Some(1.5),
            agreement_rate: Some(0.5),
            ..StatsCounts::default()
        };
        let s = Statistics {
            from: "2026-01-01".into(),
            to: "2026-01-01".into(),
            unit: None,
            by_day: vec![DayStats {
                day: "2026-01-01".into(),
                counts: counts.clone(),
            }],
            by_unit: vec![UnitStats {
                unit: "МОБ-1, \"north\"".into(),
                counts: counts.clone(),
            }],
            by_day_unit: vec![],
            officers: vec![OfficerStats {
                officer: "OF-1".into(),
                reviewed: 3,
                agreed: 2,
                overruled: 1,
                returned: 0,
                agreement_rate: 2.0 / 3.0,
            }],
            total: counts,
        };
        for table in StatsTable::ALL {
            let text = String::from_utf8(csv_table(&s, table)).expect("utf-8");
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let width = r.headers().expect("header").len();
            for row in r.records() {
                assert_eq!(row.expect("row").len(), width, "{table:?}: {text}");
            }
        }
        let units = String::from_utf8(csv_table(&s, StatsTable::Units)).expect("utf-8");
        assert!(units.contains("\"МОБ-1, \"\"north\"\"\",2,"), "{units}");
        assert!(units.contains(",1.5000,"), "{units}");
        let officers = String::from_utf8(csv_table(&s, StatsTable::Officers)).expect("utf-8");
        assert!(officers.ends_with("OF-1,3,2,1,0,0.6667\n"), "{officers}");
    }
}
