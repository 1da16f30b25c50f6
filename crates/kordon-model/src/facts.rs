//! What the statistics count of one inspection, derived from its view in
//! one place, so that every replica (and every figure on the console)
//! agrees on what "reviewed", "answered" or "time to decision" means.

use crate::{InspectionView, MatchTier, Outcome, Verdict};

/// The countable facts of one inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionFacts {
    /// The current outcome (an overrule's, if it stands), or none yet.
    pub outcome: Option<Outcome>,
    /// Scans attached.
    pub scans: u32,
    /// Milliseconds from the first scan to the first decision made at or
    /// after it; none without a scan or without such a decision. Times
    /// come from the vehicle's clock, so this is never negative.
    pub scan_to_decision_ms: Option<i64>,
    /// The latest review's verdict; none if unreviewed.
    pub review: Option<Verdict>,
    /// The officer whose decision the latest review judged: the latest
    /// decision among those the supervisor saw. None if unreviewed, or
    /// if the review saw no decision.
    pub reviewed_officer: Option<String>,
    /// Reviews that returned the inspection to the crew.
    pub returns: u32,
    /// Returns the crew answered with a new decision.
    pub returns_answered: u32,
    /// Sum over answered returns of the time from the return to the
    /// crew's answer (each clamped at zero: the two clocks differ).
    pub answer_ms: i64,
    /// Alerts raised by a hotlist entry (not by a risk profile).
    pub hotlist_hits: u32,
}

impl InspectionView {
    /// The facts the statistics count.
    pub fn facts(&self) -> InspectionFacts {
        let latest = self.latest_review();
        let decisions = &self.decisions;
        let reviewed_officer = latest.and_then(|r| {
            let seen = r
                .decisions_seen
                .map_or(decisions.len(), |n| n as usize)
                .min(decisions.len());
            decisions[..seen]
                .iter()
                .enumerate()
                .max_by_key(|(i, d)| (d.at_ms, *i))
                .map(|(_, d)| d.officer.clone())
        });
        let first_scan = self.scans.iter().map(|s| s.added_ms).min();
        let scan_to_decision_ms = first_scan.and_then(|scan| {
            decisions
                .iter()
                .map(|d| d.at_ms)
                .filter(|&at| at >= scan)
                .min()
                .map(|at| at - scan)
        });
        let mut returns = 0;
        let mut returns_answered = 0;
        let mut answer_ms = 0i64;
        for r in self.reviews.iter().filter(|r| r.verdict == Verdict::Return) {
            returns += 1;
            // The answer is the first decision beyond those the
            // supervisor saw (list order, the same on every replica).
            let seen = r.decisions_seen.unwrap_or(0) as usize;
            if let Some(answer) = decisions.get(seen) {
                returns_answered += 1;
                answer_ms = answer_ms.saturating_add((answer.at_ms - r.at_ms).max(0));
            }
        }
        InspectionFacts {
            outcome: self.current_outcome(),
            scans: self.scans.len() as u32,
            scan_to_decision_ms,
            review: latest.map(|r| r.verdict),
            reviewed_officer,
            returns,
            returns_answered,
            answer_ms,
            hotlist_hits: self
                .alerts
                .iter()
                .filter(|a| a.hit.tier != MatchTier::Profile)
                .count() as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Decision, InspectionId, InspectionView, Location, Outcome, Review, Scan, Verdict};

    fn decision(officer: &str, at_ms: i64) -> Decision {
        Decision {
            outcome: Outcome::Release,
            reasons: vec![],
            note: String::new(),
            officer: officer.into(),
            at_ms,
        }
    }

    fn review(verdict: Verdict, at_ms: i64, seen: u32) -> Review {
        Review {
            verdict,
            comment: String::new(),
            supervisor: "SUP-1".into(),
            at_ms,
            outcome: None,
            reasons: vec![],
            decisions_seen: Some(seen),
        }
    }

    fn view() -> InspectionView {
        InspectionView {
            id: InspectionId::random(),
            created_ms: 1_000,
            created_by: "OF-1".into(),
            unit: "U".into(),
            crew: vec![],
            location: Location::default(),
            tractor_plate: None,
            trailer_plate: None,
            containers: vec![],
            declaration: None,
            notes: String::new(),
            decisions: vec![],
            reviews: vec![],
            scans: vec![],
            annotations: vec![],
            reads: vec![],
            alerts: vec![],
            problems: vec![],
        }
    }

    #[test]
    fn an_unreviewed_undecided_inspection_counts_nothing_but_itself() {
        let f = view().facts();
        assert_eq!(f.outcome, None);
        assert_eq!(f.review, None);
        assert_eq!(f.reviewed_officer, None);
        assert_eq!((f.returns, f.returns_answered, f.answer_ms), (0, 0, 0));
        assert_eq!(f.scan_to_decision_ms, None);
    }

    #[test]
    fn a_return_answered_by_another_officer_then_agreed() {
        let mut v = view();
        v.decisions.push(decision("OF-1", 5_000));
        v.reviews.push(review(Verdict::Return, 9_000, 1));
        // The crew's clock is behind: the answer looks earlier than the
        // return, and counts as answered at once.
        v.decisions.push(decision("OF-2", 8_500));
        v.reviews.push(review(Verdict::Return, 10_000, 2));
        v.decisions.push(decision("OF-3", 14_000));
        v.reviews.push(review(Verdict::Agree, 20_000, 3));
        let f = v.facts();
        assert_eq!((f.returns, f.returns_answered, f.answer_ms), (2, 2, 4_000));
        assert_eq!(f.review, Some(Verdict::Agree));
        assert_eq!(f.reviewed_officer.as_deref(), Some("OF-3"));
    }

    #[test]
    fn the_reviewed_officer_is_the_one_the_supervisor_saw() {
        let mut v = view();
        v.decisions.push(decision("OF-1", 5_000));
        v.reviews.push(review(Verdict::Return, 9_000, 1));
        let f = v.facts();
        assert_eq!((f.returns, f.returns_answered), (1, 0));
        assert_eq!(f.reviewed_officer.as_deref(), Some("OF-1"));
        // A decision made after the review does not change whose decision
        // it judged.
        v.decisions.push(decision("OF-2", 12_000));
        assert_eq!(v.facts().reviewed_officer.as_deref(), Some("OF-1"));
    }

    #[test]
    fn time_to_decision_runs_from_the_first_scan() {
        let mut v = view();
        let scan = |added_ms| Scan {
            id: String::new(),
            images: vec![],
            name: None,
            scanner: None,
            captured_ms: None,
            pixel_mm: None,
            added_ms,
            added_by: String::new(),
        };
        v.decisions.push(decision("OF-1", 1_500));
        assert_eq!(v.facts().scan_to_decision_ms, None);
        v.scans.push(scan(3_000));
        v.scans.push(scan(2_000));
        assert_eq!(v.facts().scan_to_decision_ms, None);
        v.decisions.push(decision("OF-1", 7_000));
        v.decisions.push(decision("OF-1", 6_000));
        assert_eq!(v.facts().scan_to_decision_ms, Some(4_000));
        assert_eq!(v.facts().scans, 2);
    }
}
