//! The UI's TypeScript types, generated from the Rust types.
//!
//! [`render`] writes every type the UI receives or sends into one file,
//! `ui/src/transport/generated.ts`, with the error codes. The test
//! `bindings_are_current` fails when the checked-in file differs; run
//! `make types` (which sets `KORDON_WRITE_BINDINGS=1`) to rewrite it.

use ts_rs::TS;

/// Where the generated file lives, from this crate's folder.
pub const PATH: &str = "../../ui/src/transport/generated.ts";

fn decl<T: TS>(out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl());
    out.push_str("\n\n");
}

/// The whole generated file.
pub fn render() -> String {
    use crate::view::*;
    use crate::wire::*;
    use kordon_model::*;
    let mut out = String::from(
        "// GENERATED from the Rust types by crates/kordon-api (bindings.rs).\n\
         // Do not edit: change the Rust type and run `make types`.\n\
         // Rust i64/u64 fields are numbers: Unix milliseconds and byte\n\
         // counts stay far below 2^53.\n\n",
    );
    decl::<InspectionId>(&mut out);
    decl::<ContainerCode>(&mut out);
    decl::<Outcome>(&mut out);
    decl::<Verdict>(&mut out);
    decl::<Energy>(&mut out);
    decl::<Plate>(&mut out);
    decl::<Location>(&mut out);
    decl::<Decision>(&mut out);
    decl::<Review>(&mut out);
    decl::<ReviewState>(&mut out);
    decl::<ScanImage>(&mut out);
    decl::<Scan>(&mut out);
    decl::<PlateRole>(&mut out);
    decl::<ReadImageKind>(&mut out);
    decl::<ReadImage>(&mut out);
    decl::<kordon_model::Removal>(&mut out);
    decl::<kordon_model::ReadCorrection>(&mut out);
    decl::<AnprRead>(&mut out);
    decl::<kordon_model::Priority>(&mut out);
    decl::<kordon_model::MatchTier>(&mut out);
    decl::<kordon_model::AlertSource>(&mut out);
    decl::<kordon_model::AlertResponseKind>(&mut out);
    decl::<kordon_model::NewAlert>(&mut out);
    decl::<kordon_model::AlertResponse>(&mut out);
    decl::<kordon_model::NewAlertResponse>(&mut out);
    decl::<kordon_model::Alert>(&mut out);
    decl::<kordon_model::EntryKind>(&mut out);
    decl::<kordon_model::HotlistEntry>(&mut out);
    decl::<kordon_model::RiskProfile>(&mut out);
    decl::<kordon_model::HotlistView>(&mut out);
    decl::<kordon_model::NewHotlistEntry>(&mut out);
    decl::<kordon_model::NewRiskProfile>(&mut out);
    decl::<AnnotationKind>(&mut out);
    decl::<Shape>(&mut out);
    decl::<Annotation>(&mut out);
    decl::<NewAnnotation>(&mut out);
    decl::<InspectionView>(&mut out);
    decl::<kordon_store::IndexRow>(&mut out);
    decl::<kordon_store::BlobCounts>(&mut out);
    decl::<kordon_store::DiskSpace>(&mut out);
    decl::<kordon_vehicle::Status>(&mut out);
    decl::<Session>(&mut out);
    decl::<KeyHolders>(&mut out);
    decl::<InspectionQuery>(&mut out);
    decl::<RecordSync>(&mut out);
    decl::<InspectionRow>(&mut out);
    decl::<NewInspectionInput>(&mut out);
    decl::<NewDecisionInput>(&mut out);
    decl::<ImportScanInput>(&mut out);
    decl::<ScanImported>(&mut out);
    decl::<WatchState>(&mut out);
    decl::<ImportStage>(&mut out);
    decl::<ImportEvent>(&mut out);
    decl::<Link>(&mut out);
    decl::<SyncEvent>(&mut out);
    decl::<AlertEvent>(&mut out);
    decl::<ReadCorrectionInput>(&mut out);
    decl::<WindowRange>(&mut out);
    decl::<ViewParams>(&mut out);
    decl::<PlaneRange>(&mut out);
    decl::<ScanInfo>(&mut out);
    decl::<kordon_store::AlertFilter>(&mut out);
    decl::<kordon_store::ConsoleQuery>(&mut out);
    decl::<kordon_store::ConsoleRow>(&mut out);
    decl::<kordon_store::ReviewCounts>(&mut out);
    decl::<kordon_store::QueueCounts>(&mut out);
    decl::<kordon_store::ConsolePage>(&mut out);
    decl::<kordon_store::QueueVersion>(&mut out);
    decl::<kordon_store::AuditEntry>(&mut out);
    decl::<kordon_central::accounts::Role>(&mut out);
    decl::<kordon_central::accounts::UserInfo>(&mut out);
    {
        use crate::console::*;
        decl::<ConsoleUser>(&mut out);
        decl::<LoginInput>(&mut out);
        decl::<DeliveryRecord>(&mut out);
        decl::<ConsoleInspection>(&mut out);
        decl::<NewReviewInput>(&mut out);
        decl::<ScanState>(&mut out);
        decl::<HotlistEntryInput>(&mut out);
        decl::<RiskProfileInput>(&mut out);
        decl::<kordon_central::hotlists::HotlistChange>(&mut out);
    }
    {
        use crate::fleet::*;
        decl::<kordon_central::LastSync>(&mut out);
        decl::<kordon_central::Wipe>(&mut out);
        decl::<kordon_central::DeviceInfo>(&mut out);
        decl::<kordon_central::PendingEnrollment>(&mut out);
        decl::<FleetDevice>(&mut out);
        decl::<FleetView>(&mut out);
        decl::<NewEnrollmentInput>(&mut out);
        decl::<NewEnrollment>(&mut out);
        decl::<RevokeInput>(&mut out);
        decl::<Revoked>(&mut out);
        out.push_str(&format!(
            "/** The fleet's limits: a token's life, a revocation's reason, the stale threshold (hours). */\n\
             export const FLEET_LIMITS = {{\n  maxEnrollTtlHours: {},\n  maxRevokeReason: {},\n  staleAfterHours: {},\n  maxStaleAfterHours: {},\n}} as const;\n\n",
            kordon_central::MAX_ENROLL_TTL_HOURS,
            kordon_central::MAX_REVOKE_REASON,
            STALE_AFTER_HOURS,
            MAX_STALE_AFTER_HOURS,
        ));
    }
    {
        use kordon_central::trail::*;
        decl::<TrailKind>(&mut out);
        decl::<TrailQuery>(&mut out);
        decl::<TrailEvent>(&mut out);
        decl::<TrailPage>(&mut out);
        out.push_str(&format!(
            "/** The audit trail's page sizes. */\nexport const TRAIL_LIMITS = {{ page: {TRAIL_PAGE}, maxPage: {MAX_TRAIL_PAGE} }} as const;\n\n"
        ));
    }
    {
        use kordon_store::*;
        decl::<StatsQuery>(&mut out);
        decl::<StatsCounts>(&mut out);
        decl::<DayStats>(&mut out);
        decl::<UnitStats>(&mut out);
        decl::<DayUnitStats>(&mut out);
        decl::<OfficerStats>(&mut out);
        decl::<Statistics>(&mut out);
        decl::<crate::statistics::StatsTable>(&mut out);
        out.push_str(&format!(
            "/** The longest period the statistics count at once, in days. */\nexport const STATS_MAX_DAYS = {STATS_MAX_DAYS};\n\n"
        ));
        let list = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "/** The statistics CSV's columns of a group's figures, after its key columns, in order. */\nexport const STATS_CSV_COUNT_COLUMNS = [{}] as const;\n\n/** The officers' CSV columns, in order. */\nexport const STATS_CSV_OFFICER_COLUMNS = [{}] as const;\n\n",
            list(&crate::statistics::COUNT_COLUMNS),
            list(&crate::statistics::OFFICER_COLUMNS),
        ));
    }
    {
        use crate::training::*;
        decl::<kordon_model::TrainingDecision>(&mut out);
        decl::<TrainingOutcome>(&mut out);
        decl::<TrainingItem>(&mut out);
        decl::<TrainingImageAnswer>(&mut out);
        decl::<TrainingImage>(&mut out);
        decl::<TrainingScore>(&mut out);
        decl::<TrainingSummary>(&mut out);
        decl::<TrainingAttempt>(&mut out);
        decl::<TraineeProgress>(&mut out);
        decl::<StartTrainingInput>(&mut out);
        decl::<TrainingAnswerInput>(&mut out);
        decl::<LiveTipMarkInput>(&mut out);
        out.push_str(&format!(
            "/** The highest share of opened scans that may get a projected item in live work. */\nexport const MAX_LIVE_TIP_RATE = {:?};\n\n",
            kordon_vehicle::MAX_LIVE_TIP_RATE
        ));
        out.push_str(&format!(
            "/** The file name extensions a scan is imported from (any case). */\nexport const SCAN_FILE_EXTENSIONS = [{}] as const;\n\n",
            kordon_vehicle::SCAN_FILE_EXTENSIONS
                .iter()
                .map(|e| format!("\"{e}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.push_str(&format!(
            "/** Most marks on one training answer. */\nexport const TRAINING_MAX_MARKS = {};\n\n",
            kordon_model::training::MAX_MARKS
        ));
    }
    decl::<crate::ApiError>(&mut out);
    out.push_str("/** Every `ApiError.code`. */\nexport const ERROR_CODES = [\n");
    for code in crate::ApiError::CODES {
        out.push_str(&format!("  \"{code}\",\n"));
    }
    out.push_str("] as const;\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn bindings_are_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
        let fresh = render();
        if std::env::var_os("KORDON_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write bindings");
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is stale: run `make types` and commit it",
            path.display()
        );
    }
}
