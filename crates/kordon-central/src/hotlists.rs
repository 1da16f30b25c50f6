//! Hotlists and risk profiles, made on the server: each change is a
//! record signed with the server key that flows down to every vehicle of
//! the list's units on its next sync (see [`Central::down`]).

use crate::{Central, CentralError};
use kordon_model::hotlist::new_hotlist_id;
use kordon_model::{HotlistDoc, HotlistView, NewHotlistEntry, NewRiskProfile, OfficerId, Priority};

/// Where a new entry or profile went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct HotlistChange {
    pub list_id: String,
    pub list: String,
    /// The entry's or the profile's id.
    pub id: String,
}

/// A line of an import that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportProblem {
    pub line: usize,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub problems: Vec<ImportProblem>,
}

fn model_error(e: kordon_model::ModelError) -> CentralError {
    CentralError::Invalid(e.to_string())
}

impl Central {
    /// Every list, by name.
    pub fn hotlists(&mut self) -> Result<Vec<HotlistView>, CentralError> {
        self.store.project(crate::now_ms())?;
        Ok(self.store.hotlists()?)
    }

    /// The list named `name`, made (going to `units`, empty for every
    /// unit) if there is none yet. The units of an existing list stay.
    fn list_named(
        &mut self,
        name: &str,
        units: &[String],
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(uuid::Uuid, HotlistDoc), CentralError> {
        // The first of that name by id, should two processes have made
        // one each at once.
        let named = self
            .store
            .hotlists()?
            .into_iter()
            .filter(|v| v.name == name.trim())
            .min_by(|a, b| a.id.cmp(&b.id));
        if let Some(v) = named {
            let id: uuid::Uuid =
                v.id.parse()
                    .map_err(|_| CentralError::Invalid(format!("list {name:?} has a bad id")))?;
            if let Some(doc) = self.load_hotlist(id)? {
                return Ok((id, doc));
            }
        }
        let id = new_hotlist_id();
        let mut doc =
            HotlistDoc::create(self.key.public().as_bytes(), name, units, officer, now_ms)
                .map_err(model_error)?;
        self.commit_list(id, &mut doc, officer, now_ms)?;
        Ok((id, doc))
    }

    fn commit_list(
        &mut self,
        id: uuid::Uuid,
        doc: &mut HotlistDoc,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        let change = doc
            .last_change()
            .ok_or(kordon_store::StoreError::NothingToCommit)?;
        self.store
            .commit_own(*id.as_bytes(), &change, &self.key, officer.as_str(), now_ms)?;
        self.project_after_commit(now_ms);
        Ok(())
    }

    /// A list as its held records make it, to be changed.
    fn load_hotlist(&self, id: uuid::Uuid) -> Result<Option<HotlistDoc>, CentralError> {
        Ok(self.load_document(id.as_bytes())?.map(HotlistDoc::from))
    }

    /// Adds an entry to the list `list` (made if missing, going to
    /// `units`). One signed record (two for a new list).
    pub fn hotlist_add(
        &mut self,
        list: &str,
        units: &[String],
        entry: &NewHotlistEntry,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<HotlistChange, CentralError> {
        // Checked before a new list is made for it.
        kordon_model::hotlist::check_entry(entry).map_err(model_error)?;
        let (id, mut doc) = self.list_named(list, units, officer, now_ms)?;
        let entry_id = doc.add_entry(entry, officer, now_ms).map_err(model_error)?;
        self.commit_list(id, &mut doc, officer, now_ms)?;
        Ok(HotlistChange {
            list_id: id.to_string(),
            list: list.trim().to_string(),
            id: entry_id,
        })
    }

    /// Adds a risk profile to the list `list`.
    pub fn profile_add(
        &mut self,
        list: &str,
        units: &[String],
        profile: &NewRiskProfile,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<HotlistChange, CentralError> {
        let (id, mut doc) = self.list_named(list, units, officer, now_ms)?;
        let pid = doc
            .add_profile(profile, officer, now_ms)
            .map_err(model_error)?;
        self.commit_list(id, &mut doc, officer, now_ms)?;
        Ok(HotlistChange {
            list_id: id.to_string(),
            list: list.trim().to_string(),
            id: pid,
        })
    }

    /// Removes the entry or profile `entry` (by id, on whichever list
    /// holds it). It stays in the list's history, stamped as removed.
    pub fn hotlist_remove(
        &mut self,
        entry: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<HotlistChange, CentralError> {
        for list in self.hotlists()? {
            let held = list
                .entries
                .iter()
                .any(|e| e.id == entry && e.removed.is_none())
                || list
                    .profiles
                    .iter()
                    .any(|p| p.id == entry && p.removed.is_none());
            if !held {
                continue;
            }
            let id: uuid::Uuid = list
                .id
                .parse()
                .map_err(|_| CentralError::Invalid(format!("list {:?} has a bad id", list.name)))?;
            let mut doc = self
                .load_hotlist(id)?
                .ok_or_else(|| CentralError::Invalid(format!("list {} is missing", list.name)))?;
            if doc.remove(entry, officer, now_ms).map_err(model_error)? {
                self.commit_list(id, &mut doc, officer, now_ms)?;
                return Ok(HotlistChange {
                    list_id: list.id,
                    list: list.name,
                    id: entry.to_string(),
                });
            }
        }
        Err(CentralError::Invalid(format!(
            "no entry or profile {} in force on any list",
            kordon_plates::quoted(entry)
        )))
    }

    /// Adds the entries of a CSV file to `list`: a header line naming the
    /// columns `value` and `reason` (required), `priority`, `valid_from`,
    /// `valid_until` (dates `YYYY-MM-DD` or RFC 3339 times, UTC). Lines
    /// that do not check are reported and skipped; the rest go into the
    /// list, a signed record per thousand.
    pub fn hotlist_import(
        &mut self,
        list: &str,
        units: &[String],
        csv_text: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<ImportReport, CentralError> {
        let (entries, mut report) = parse_csv(csv_text)?;
        let mut kept = vec![];
        for (line, e) in entries {
            // Each entry checked alone, so a bad line is named and skipped.
            match kordon_model::hotlist::check_entry(&e) {
                Ok(_) => kept.push(e),
                Err(err) => report.problems.push(ImportProblem {
                    line,
                    reason: err.to_string(),
                }),
            }
        }
        if kept.is_empty() {
            return Ok(report);
        }
        let (id, mut doc) = self.list_named(list, units, officer, now_ms)?;
        // A record per thousand entries keeps each well under the
        // protocol's message size.
        for chunk in kept.chunks(IMPORT_CHUNK) {
            doc.add_entries(chunk, officer, now_ms)
                .map_err(model_error)?;
            self.commit_list(id, &mut doc, officer, now_ms)?;
            report.added += chunk.len();
        }
        Ok(report)
    }
}

/// Entries per signed record in an import.
const IMPORT_CHUNK: usize = 1_000;

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time, in Unix ms.
pub fn parse_when(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| (d.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            format!(
                "{} is not a date (YYYY-MM-DD) or an RFC 3339 time",
                kordon_plates::quoted(s)
            )
        })
}

type Parsed = (Vec<(usize, NewHotlistEntry)>, ImportReport);

fn parse_csv(text: &str) -> Result<Parsed, CentralError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CentralError::Invalid(format!("CSV header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(value), Some(reason)) = (col("value"), col("reason")) else {
        return Err(CentralError::Invalid(
            "the CSV header must name the columns value and reason (and may name priority, valid_from, valid_until)".into(),
        ));
    };
    let (priority, from, until) = (col("priority"), col("valid_from"), col("valid_until"));
    let mut out = vec![];
    let mut report = ImportReport::default();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.problems.push(ImportProblem {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).filter(|s| !s.is_empty());
        let when = |i: Option<usize>| get(i).map(parse_when).transpose();
        let entry = (|| -> Result<NewHotlistEntry, String> {
            Ok(NewHotlistEntry {
                value: get(Some(value)).unwrap_or_default().to_string(),
                reason: get(Some(reason)).unwrap_or_default().to_string(),
                priority: match get(priority) {
                    Some(p) => Some(Priority::parse(p).ok_or_else(|| {
                        format!(
                            "priority {}: use high, medium or low",
                            kordon_plates::quoted(p)
                        )
                    })?),
                    None => None,
                },
                valid_from_ms: when(from)?,
                valid_until_ms: when(until)?,
            })
        })();
        match entry {
            Ok(e) => out.push((line, e)),
            Err(reason) => report.problems.push(ImportProblem { line, reason }),
        }
    }
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_is_read_by_its_header_and_bad_lines_are_named() {
        let (entries, report) = parse_csv(
            "Value,Reason,Priority,valid_until\n\
             АА1234ВС,stolen,high,2027-01-01\n\
             \"KA 0001 XX\",\"wanted, armed\",,\n\
             BC0001AA,x,urgent,\n\
             CE0002AA,y,low,tomorrow\n",
        )
        .expect("parsed");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0, 2);
        assert_eq!(entries[0].1.priority, Some(Priority::High));
        assert_eq!(entries[0].1.valid_until_ms, Some(1_798_761_600_000));
        assert_eq!(entries[1].1.reason, "wanted, armed");
        assert_eq!(
            report.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(parse_csv("plate,why\nAA1234BC,x\n").is_err());
    }

    /// A line's problem quotes a short prefix of a bad field, not all of it.
    #[test]
    fn a_long_bad_field_is_quoted_short() {
        let long = "x".repeat(50_000);
        let (_, report) = parse_csv(&format!(
            "value,reason,priority,valid_until\nAA1234BC,a,{long},\nAA1234BD,b,,{long}\n"
        ))
        .expect("parsed");
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        for p in &report.problems {
            assert!(
                p.reason.len() < 200,
                "line {}: {} bytes",
                p.line,
                p.reason.len()
            );
            assert!(p.reason.contains("more characters"), "{}", p.reason);
        }
    }
}
