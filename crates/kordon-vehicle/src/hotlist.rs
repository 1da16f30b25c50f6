//! Matching reads and typed plates against the hotlists and risk
//! profiles this vehicle holds, offline.
//!
//! The lists arrive from the server as signed records like any other
//! (only the server may sign them: see `sync`), and the store keeps each
//! list's view. The matcher indexes the entries in force — plates in one
//! tiered index (exact, OCR-equivalent, one edit), container codes in
//! another — and is rebuilt when the store's hotlists version moves.

use crate::{Vehicle, VehicleError};
use kordon_model::{
    AlertSource, AnprRead, EntryKind, HotlistView, InspectionView, MatchTier, NewAlert, PlateRole,
    RiskProfile,
};
use kordon_plates::{MatchIndex, Tier};

/// An entry as the index holds it.
#[derive(Debug, Clone)]
struct Listed {
    list_id: String,
    list: String,
    entry_id: String,
    value: String,
    reason: String,
    priority: kordon_model::Priority,
    valid_from_ms: Option<i64>,
    valid_until_ms: Option<i64>,
}

/// The lists of this vehicle, indexed.
#[derive(Debug, Default)]
pub struct Matcher {
    version: i64,
    plates: MatchIndex<Listed>,
    containers: MatchIndex<Listed>,
    profiles: Vec<(String, String, RiskProfile)>,
}

fn tier(t: Tier) -> MatchTier {
    match t {
        Tier::Exact => MatchTier::Exact,
        Tier::OcrEquivalent => MatchTier::OcrEquivalent,
        Tier::OneEdit => MatchTier::OneEdit,
    }
}

/// What a read or an inspection is matched on.
#[derive(Debug)]
pub struct Seen<'a> {
    pub source: AlertSource,
    pub read_id: Option<&'a str>,
    pub role: Option<PlateRole>,
    pub text: &'a str,
}

impl Matcher {
    /// Indexes every entry and profile of `lists` (validity is checked at
    /// match time, so an entry comes into force without a rebuild).
    pub fn build(lists: &[HotlistView], version: i64) -> Self {
        let mut m = Matcher {
            version,
            ..Matcher::default()
        };
        for list in lists {
            for e in list.entries.iter().filter(|e| e.removed.is_none()) {
                let listed = Listed {
                    list_id: list.id.clone(),
                    list: list.name.clone(),
                    entry_id: e.id.clone(),
                    value: e.canonical.clone(),
                    reason: e.reason.clone(),
                    priority: e.priority,
                    valid_from_ms: e.valid_from_ms,
                    valid_until_ms: e.valid_until_ms,
                };
                let index = match e.kind {
                    EntryKind::Plate => &mut m.plates,
                    EntryKind::Container => &mut m.containers,
                };
                // A stored entry was checked when made; one that no longer
                // parses matches nothing.
                let _ = index.insert(&e.canonical, listed);
            }
            for p in list.profiles.iter().filter(|p| p.removed.is_none()) {
                m.profiles
                    .push((list.id.clone(), list.name.clone(), p.clone()));
            }
        }
        m
    }

    pub fn entries(&self) -> usize {
        self.plates.len() + self.containers.len()
    }

    fn hits(index: &MatchIndex<Listed>, seen: &Seen<'_>, now_ms: i64) -> Vec<NewAlert> {
        index
            .find(seen.text)
            .into_iter()
            .filter(|h| {
                kordon_model::hotlist::in_force(
                    h.entry.valid_from_ms,
                    h.entry.valid_until_ms,
                    false,
                    now_ms,
                )
            })
            .map(|h| NewAlert {
                source: seen.source,
                read_id: seen.read_id.map(String::from),
                role: seen.role,
                seen: seen.text.to_string(),
                list_id: h.entry.list_id.clone(),
                list: h.entry.list.clone(),
                entry_id: h.entry.entry_id.clone(),
                entry_value: h.entry.value.clone(),
                reason: h.entry.reason.clone(),
                priority: h.entry.priority,
                tier: tier(h.tier),
            })
            .collect()
    }

    /// Hits of a plate text, every tier, strongest first.
    pub fn plate_hits(&self, seen: &Seen<'_>, now_ms: i64) -> Vec<NewAlert> {
        Self::hits(&self.plates, seen, now_ms)
    }

    /// Hits of a container code (exact and OCR tiers only: a container
    /// code carries a check digit, so one edit away is another box).
    pub fn container_hits(&self, seen: &Seen<'_>, now_ms: i64) -> Vec<NewAlert> {
        Self::hits(&self.containers, seen, now_ms)
            .into_iter()
            .filter(|a| a.tier != MatchTier::OneEdit)
            .collect()
    }

    /// Risk profiles a read (with its inspection) meets.
    pub fn profile_hits(
        &self,
        read: Option<&AnprRead>,
        view: &InspectionView,
        now_ms: i64,
    ) -> Vec<NewAlert> {
        let mut out = vec![];
        for (list_id, list, p) in &self.profiles {
            if !p.in_force(now_ms) || !profile_holds(p, read, view, now_ms) {
                continue;
            }
            out.push(NewAlert {
                source: if read.is_some() {
                    AlertSource::Read
                } else {
                    AlertSource::Typed
                },
                read_id: read.map(|r| r.id.clone()),
                role: read.and_then(|r| r.role),
                seen: read
                    .and_then(|r| r.text.clone())
                    .or_else(|| view.tractor_plate.as_ref().map(|p| p.canonical.clone()))
                    .unwrap_or_default(),
                list_id: list_id.clone(),
                list: list.clone(),
                entry_id: p.id.clone(),
                entry_value: p.name.clone(),
                reason: p.reason.clone(),
                priority: p.priority,
                tier: MatchTier::Profile,
            });
        }
        out
    }
}

/// Whether every condition the profile gives holds.
fn profile_holds(
    p: &RiskProfile,
    read: Option<&AnprRead>,
    view: &InspectionView,
    now_ms: i64,
) -> bool {
    if let Some(c) = &p.country {
        let country = read.and_then(|r| r.country.as_deref());
        if !country.is_some_and(|rc| rc.eq_ignore_ascii_case(c)) {
            return false;
        }
    }
    if let Some(d) = &p.direction {
        let direction = read.and_then(|r| r.direction.as_deref());
        if !direction.is_some_and(|rd| rd.eq_ignore_ascii_case(d)) {
            return false;
        }
    }
    if let (Some(from), Some(to)) = (p.hour_from, p.hour_to) {
        let at = read
            .map(|r| r.captured_ms.unwrap_or(r.received_ms))
            .unwrap_or(now_ms);
        let hour = (at.rem_euclid(86_400_000) / 3_600_000) as u8;
        let inside = if from <= to {
            from <= hour && hour < to
        } else {
            hour >= from || hour < to
        };
        if !inside {
            return false;
        }
    }
    if let Some(k) = &p.keyword {
        let k = k.to_lowercase();
        let found = view
            .declaration
            .as_deref()
            .is_some_and(|d| d.to_lowercase().contains(&k))
            || view.notes.to_lowercase().contains(&k);
        if !found {
            return false;
        }
    }
    true
}

impl Vehicle {
    /// The matcher over the lists held now (rebuilt if they changed).
    pub fn matcher(&mut self) -> Result<&Matcher, VehicleError> {
        let version = self.store.hotlists_version()?;
        let stale = self.matcher.as_ref().is_none_or(|m| m.version != version);
        if stale {
            let lists = self.store.hotlists()?;
            self.matcher = Some(Matcher::build(&lists, version));
        }
        Ok(self.matcher.get_or_insert_with(Matcher::default))
    }

    /// The hotlists this vehicle holds.
    pub fn hotlists(&self) -> Result<Vec<HotlistView>, VehicleError> {
        Ok(self.store.hotlists()?)
    }

    /// Alerts for what the crew typed on `view` (plates and containers)
    /// and for the risk profiles it meets.
    pub fn typed_alerts(
        &mut self,
        view: &InspectionView,
        now_ms: i64,
    ) -> Result<Vec<NewAlert>, VehicleError> {
        let m = self.matcher()?;
        let mut out = vec![];
        for (role, plate) in [
            (PlateRole::Tractor, &view.tractor_plate),
            (PlateRole::Trailer, &view.trailer_plate),
        ] {
            if let Some(p) = plate {
                out.extend(m.plate_hits(
                    &Seen {
                        source: AlertSource::Typed,
                        read_id: None,
                        role: Some(role),
                        text: &p.raw,
                    },
                    now_ms,
                ));
            }
        }
        for c in &view.containers {
            out.extend(m.container_hits(
                &Seen {
                    source: AlertSource::Typed,
                    read_id: None,
                    role: None,
                    text: c.as_str(),
                },
                now_ms,
            ));
        }
        out.extend(m.profile_hits(None, view, now_ms));
        Ok(out)
    }

    /// Alerts for a camera's read about to join `view`.
    pub fn read_alerts(
        &mut self,
        read: &AnprRead,
        view: &InspectionView,
        now_ms: i64,
    ) -> Result<Vec<NewAlert>, VehicleError> {
        let m = self.matcher()?;
        let mut out = vec![];
        if let Some(text) = read.text.as_deref() {
            out.extend(m.plate_hits(
                &Seen {
                    source: AlertSource::Read,
                    read_id: Some(&read.id),
                    role: read.role,
                    text,
                },
                now_ms,
            ));
        }
        out.extend(m.profile_hits(Some(read), view, now_ms));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::{HotlistEntry, Priority};

    fn list(entries: &[(&str, &str)]) -> HotlistView {
        HotlistView {
            id: "l1".into(),
            name: "Wanted".into(),
            units: vec![],
            created_ms: 0,
            entries: entries
                .iter()
                .enumerate()
                .map(|(i, (value, kind))| HotlistEntry {
                    id: format!("e{i}"),
                    value: value.to_string(),
                    kind: if *kind == "c" {
                        EntryKind::Container
                    } else {
                        EntryKind::Plate
                    },
                    canonical: value.to_string(),
                    reason: "r".into(),
                    priority: Priority::High,
                    valid_from_ms: None,
                    valid_until_ms: Some(1_000),
                    added_by: "S".into(),
                    added_ms: 0,
                    removed: None,
                })
                .collect(),
            profiles: vec![],
        }
    }

    fn seen(text: &str) -> Seen<'_> {
        Seen {
            source: AlertSource::Read,
            read_id: Some("p#0"),
            role: None,
            text,
        }
    }

    #[test]
    fn tiers_are_labelled_and_expired_entries_match_nothing() {
        let m = Matcher::build(&[list(&[("AA1234BC", "p"), ("CSQU3054383", "c")])], 1);
        let tiers = |t: &str| -> Vec<MatchTier> {
            m.plate_hits(&seen(t), 10).iter().map(|a| a.tier).collect()
        };
        assert_eq!(tiers("аа 1234 вс"), vec![MatchTier::Exact]);
        assert_eq!(tiers("AA1Z34BC"), vec![MatchTier::OcrEquivalent]);
        assert_eq!(tiers("AA1235BC"), vec![MatchTier::OneEdit]);
        assert_eq!(tiers("KA9999XX"), vec![]);
        assert!(m.plate_hits(&seen("AA1234BC"), 1_000).is_empty(), "expired");
        assert_eq!(m.container_hits(&seen("CSQU 305438-3"), 10).len(), 1);
    }

    fn read_at(country: &str, hour: i64) -> AnprRead {
        AnprRead {
            id: "p#0".into(),
            received_ms: hour * 3_600_000,
            captured_ms: None,
            vendor: "generic".into(),
            camera: None,
            lane: None,
            role: None,
            text: Some("PO12345".into()),
            plate: None,
            confidence: None,
            char_confidence: vec![],
            country: Some(country.into()),
            direction: None,
            images: vec![],
            added_by: String::new(),
            correction: None,
            detached: None,
        }
    }

    #[test]
    fn a_profile_holds_only_when_every_condition_does() {
        let profile = RiskProfile {
            id: "p1".into(),
            name: "night tobacco from PL".into(),
            country: Some("PL".into()),
            hour_from: Some(22),
            hour_to: Some(5),
            keyword: Some("tobacco".into()),
            direction: None,
            reason: "pattern".into(),
            priority: Priority::Medium,
            valid_from_ms: None,
            valid_until_ms: None,
            added_by: "S".into(),
            added_ms: 0,
            removed: None,
        };
        let m = Matcher::build(
            &[HotlistView {
                profiles: vec![profile],
                ..list(&[])
            }],
            1,
        );
        let mut view = kordon_model::InspectionDoc::create_for_read(
            &[1; 32],
            kordon_model::InspectionId::random(),
            "MOBILE-1",
            &kordon_model::OfficerId::new("OF-1").expect("officer"),
            0,
        )
        .expect("created")
        .view()
        .expect("view");
        view.declaration = Some("TOBACCO leaf, 20 t".into());
        let hits = |r: &AnprRead, v: &InspectionView| m.profile_hits(Some(r), v, 0).len();
        assert_eq!(
            hits(&read_at("pl", 23), &view),
            1,
            "23:00, wrapping past midnight"
        );
        assert_eq!(hits(&read_at("PL", 3), &view), 1, "03:00");
        assert_eq!(
            hits(&read_at("PL", 12), &view),
            0,
            "noon is outside the hours"
        );
        assert_eq!(hits(&read_at("UA", 23), &view), 0, "another country");
        view.declaration = Some("furniture".into());
        assert_eq!(hits(&read_at("PL", 23), &view), 0, "no keyword");
    }
}
