//! The vehicle's operations as the crew's UI calls them: API types in, API
//! types out, errors as [`ApiError`]. The Tauri commands are one line each
//! over these; the CLI calls the same [`Vehicle`] methods underneath.

use crate::inspection_id;
use crate::view::ScanInfo;
use crate::wire::*;
use crate::ApiError;
use kordon_model::{
    HotlistView, InspectionView, NewAlertResponse, NewAnnotation, NewDecision, NewInspection,
    OfficerId, ReasonCode,
};
use kordon_store::Query;
use kordon_vehicle::{now_ms, ScanDetails, SignIn, Vehicle, VehicleError};
use std::path::{Path, PathBuf};

/// Most rows a queue query returns.
pub const MAX_ROWS: u32 = 5_000;
/// Earlier inspections shown in the vehicle history.
pub const HISTORY_ROWS: usize = 50;

fn officer(v: &Vehicle) -> Result<OfficerId, ApiError> {
    Ok(v.acting_officer(None)?)
}

pub fn sign_in(v: &mut Vehicle, officer: &str, pin: &str) -> Result<Session, ApiError> {
    let outcome = v.sign_in_with_pin(officer, pin, now_ms())?;
    Ok(Session {
        officer: officer.trim().to_string(),
        pin_set: outcome == SignIn::PinSet,
        locked: false,
    })
}

/// The first sign-in after the app starts: opens the data folder with
/// the officer's PIN. A folder not yet encrypted (a new vehicle, or one of
/// an earlier version) is encrypted first, in place, with this officer's
/// key slot first (checked against the PIN the vehicle knows for them).
pub fn open_signed_in(
    dir: &Path,
    officer: &str,
    pin: &str,
) -> Result<(Vehicle, Session), ApiError> {
    let created = if Vehicle::is_encrypted(dir) {
        false
    } else {
        Vehicle::encrypt(dir, officer, pin)?;
        true
    };
    let mut v = Vehicle::unlock(dir, officer, pin)?;
    let id = v.sign_in(officer)?;
    let session = Session {
        officer: id.to_string(),
        pin_set: created,
        locked: false,
    };
    Ok((v, session))
}

/// Who holds a key to this vehicle's data.
pub fn key_holders(v: &Vehicle) -> Result<KeyHolders, ApiError> {
    let (officers, keys) = v.key_holders()?;
    Ok(KeyHolders {
        officers,
        keys: u32::try_from(keys).unwrap_or(u32::MAX),
    })
}

/// Gives `officer` a key under `pin`, on the word of the officer signed in
/// (who confirms with their own PIN, `by_pin`: an unlocked app left alone
/// must not let a stranger add themselves).
pub fn add_officer(
    v: &mut Vehicle,
    by_pin: &str,
    officer: &str,
    pin: &str,
) -> Result<KeyHolders, ApiError> {
    let by = v.officer()?.ok_or(VehicleError::NotSignedIn)?;
    v.sign_in_with_pin(by.as_str(), by_pin, now_ms())?;
    v.add_officer(officer, pin)?;
    key_holders(v)
}

/// Removes `officer`'s key (the signed-in officer confirms with their PIN).
pub fn remove_officer(
    v: &mut Vehicle,
    by_pin: &str,
    officer: &str,
) -> Result<KeyHolders, ApiError> {
    let by = v.officer()?.ok_or(VehicleError::NotSignedIn)?;
    v.sign_in_with_pin(by.as_str(), by_pin, now_ms())?;
    v.remove_officer(officer)?;
    key_holders(v)
}

pub fn session(v: &Vehicle) -> Result<Option<Session>, ApiError> {
    Ok(v.officer()?.map(|o| Session {
        officer: o.to_string(),
        pin_set: false,
        locked: false,
    }))
}

pub fn sign_out(v: &mut Vehicle) -> Result<(), ApiError> {
    Ok(v.sign_out()?)
}

fn rows(v: &Vehicle, rows: Vec<kordon_store::IndexRow>) -> Result<Vec<InspectionRow>, ApiError> {
    let delivery = v
        .store()
        .delivery_by_inspection()
        .map_err(VehicleError::from)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let d = delivery.get(&r.view.id).copied();
            InspectionRow::new(r, d)
        })
        .collect())
}

/// Newest first, as `kordon inspection list`.
pub fn list_inspections(v: &Vehicle, q: &InspectionQuery) -> Result<Vec<InspectionRow>, ApiError> {
    let query = Query {
        plate: q.plate.clone().filter(|s| !s.trim().is_empty()),
        container: q.container.clone().filter(|s| !s.trim().is_empty()),
        day: q.day.clone().filter(|s| !s.trim().is_empty()),
        outcome: q.outcome.clone().filter(|s| !s.trim().is_empty()),
        plate_key: None,
        limit: Some(q.limit.unwrap_or(MAX_ROWS).min(MAX_ROWS) as usize),
    };
    let found = v.list(&query)?;
    rows(v, found)
}

pub fn get_inspection(v: &mut Vehicle, id: &str) -> Result<InspectionView, ApiError> {
    Ok(v.show(inspection_id(id)?)?)
}

/// Opens an inspection for the vehicle's unit, crewed by the officer signed
/// in. One signed record.
pub fn create_inspection(
    v: &mut Vehicle,
    input: &NewInspectionInput,
) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    let unit = v.unit()?.ok_or(VehicleError::NotEnrolled)?;
    let new = NewInspection {
        tractor_plate: input.tractor_plate.clone(),
        trailer_plate: input.trailer_plate.clone(),
        containers: input.containers.clone(),
        declaration: input.declaration.clone(),
        unit,
        crew: vec![officer.to_string()],
        location: input.location.clone(),
        notes: input.notes.clone(),
    };
    Ok(v.create_inspection(&new, &officer, now_ms())?)
}

pub fn decide(
    v: &mut Vehicle,
    id: &str,
    input: &NewDecisionInput,
) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    let reasons = input
        .reasons
        .iter()
        .map(|r| ReasonCode::new(r).map_err(ApiError::invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let decision = NewDecision {
        outcome: input.outcome,
        reasons,
        note: input.note.clone(),
    };
    Ok(v.decide(inspection_id(id)?, &decision, &officer, now_ms())?)
}

pub fn set_notes(v: &mut Vehicle, id: &str, text: &str) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    Ok(v.set_notes(inspection_id(id)?, text, &officer, now_ms())?)
}

pub fn annotate(
    v: &mut Vehicle,
    id: &str,
    mark: &NewAnnotation,
) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    Ok(v.annotate(inspection_id(id)?, mark, &officer, now_ms())?)
}

/// Records the crew's response to a hotlist alert.
pub fn respond_to_alert(
    v: &mut Vehicle,
    id: &str,
    response: &NewAlertResponse,
) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    Ok(v.respond_to_alert(inspection_id(id)?, response, &officer, now_ms())?)
}

/// Corrects what a camera read; the corrected plate is matched against
/// the hotlists like a typed one.
pub fn correct_read(
    v: &mut Vehicle,
    id: &str,
    input: &ReadCorrectionInput,
) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    Ok(v.correct_read(
        inspection_id(id)?,
        &input.read,
        &input.text,
        &officer,
        now_ms(),
    )?)
}

/// Takes a read off an inspection it was wrongly attached to.
pub fn detach_read(v: &mut Vehicle, id: &str, read: &str) -> Result<InspectionView, ApiError> {
    let officer = officer(v)?;
    Ok(v.detach_read(inspection_id(id)?, read, &officer, now_ms())?)
}

/// The hotlists this vehicle holds, as the server last sent them.
pub fn hotlists(v: &Vehicle) -> Result<Vec<HotlistView>, ApiError> {
    Ok(v.hotlists()?)
}

/// The image of a read on this vehicle.
pub fn read_image(v: &Vehicle, blob: &str) -> Result<crate::reads::ReadImageBytes, ApiError> {
    crate::reads::read_image(v.store(), &v.blob_store()?, blob)
}

pub fn vehicle_history(v: &mut Vehicle, id: &str) -> Result<Vec<InspectionRow>, ApiError> {
    let found = v.vehicle_history(inspection_id(id)?, HISTORY_ROWS)?;
    rows(v, found)
}

pub fn scan_info(v: &mut Vehicle, scan: &str) -> Result<ScanInfo, ApiError> {
    let (scan, info) = v.scan_info(scan)?;
    Ok(ScanInfo::new(&scan, &info))
}

/// Imports files from the vehicle's disk. Nothing is stored if a file does
/// not decode. Given one half of a dual-energy pair (`NAME_high.tif`,
/// `NAME_low.tif`, ...) whose other half lies beside it, imports the pair,
/// as the watch folder does.
pub fn import_scan(
    v: &mut Vehicle,
    id: &str,
    input: &ImportScanInput,
) -> Result<ScanImported, ApiError> {
    let officer = officer(v)?;
    let details = ScanDetails {
        scanner: input.scanner.clone().filter(|s| !s.trim().is_empty()),
        captured_ms: None,
        pixel_mm: input.pixel_mm,
    };
    let (high, low) = match input.low.as_deref().map(PathBuf::from) {
        Some(low) => (PathBuf::from(&input.path), Some(low)),
        None => match kordon_vehicle::dual_energy_pair(Path::new(&input.path)) {
            Some((high, low)) => (high, Some(low)),
            None => (PathBuf::from(&input.path), None),
        },
    };
    let done = v.add_scan(
        inspection_id(id)?,
        &high,
        low.as_deref(),
        &details,
        &officer,
        now_ms(),
    )?;
    Ok(ScanImported {
        inspection: done.inspection.to_string(),
        scan: done.scan,
        levels: done.levels,
        first_tile_ms: done.first_tile_ms,
    })
}

pub fn enroll(v: &mut Vehicle, token: &str) -> Result<kordon_vehicle::Status, ApiError> {
    v.enroll(token)?;
    Ok(v.status()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::{AnnotationKind, Outcome, Shape};

    fn vehicle(dir: &Path) -> Vehicle {
        let mut v = Vehicle::open(dir).expect("open");
        let token = kordon_transport::EnrollmentToken {
            addr: "127.0.0.1:4433".into(),
            fp: "00".repeat(32),
            key: kordon_record::DeviceKey::generate().public().to_string(),
            unit: "MOBILE-7".into(),
            secret: "11".repeat(32),
            also: vec![],
        };
        enroll(&mut v, &token.encode()).expect("enroll");
        sign_in(&mut v, "OF-9", "1234").expect("sign in");
        v
    }

    fn new(plate: &str, container: &str) -> NewInspectionInput {
        NewInspectionInput {
            tractor_plate: plate.into(),
            containers: vec![container.into()],
            ..NewInspectionInput::default()
        }
    }

    #[test]
    fn rows_carry_their_delivery_and_history_finds_the_same_vehicle() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = vehicle(dir.path());
        let first = create_inspection(&mut v, &new("АА 1234 ВС", "CSQU3054383")).expect("one");
        let other = create_inspection(&mut v, &new("BB7777CC", "MSKU1234565")).expect("two");
        let again = create_inspection(&mut v, &new("AA1234BC", "TGHU1234567")).expect("three");
        assert_eq!(again.crew, vec!["OF-9".to_string()]);
        assert_eq!(again.unit, "MOBILE-7");
        let by_container =
            create_inspection(&mut v, &new("CC1111AA", "CSQU 305438 3")).expect("four");

        let all = list_inspections(&v, &InspectionQuery::default()).expect("list");
        assert_eq!(all.len(), 4);
        assert!(all
            .iter()
            .all(|r| r.sync == RecordSync::Pending && r.pending == 1));

        let history = vehicle_history(&mut v, &first.id.to_string()).expect("history");
        let ids: Vec<_> = history.iter().map(|r| r.row.view.id).collect();
        assert_eq!(
            ids,
            vec![by_container.id, again.id],
            "newest first, not {other:?}"
        );
    }

    #[test]
    fn decisions_and_marks_are_attributed_and_bad_input_is_invalid() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = vehicle(dir.path());
        let view = create_inspection(&mut v, &new("AA1234BC", "CSQU3054383")).expect("create");
        let id = view.id.to_string();
        let scene = kordon_xraysim::SceneSpec {
            width: 600,
            height: 300,
            ..kordon_xraysim::SceneSpec::default()
        };
        let scan = kordon_xraysim::try_generate(&scene).expect("scene");
        let file = dir.path().join("truck.tif");
        kordon_xraysim::write_tiff16(&file, 600, 300, &scan.high).expect("write");
        let imported = import_scan(
            &mut v,
            &id,
            &ImportScanInput {
                path: file.to_string_lossy().into_owned(),
                low: None,
                pixel_mm: Some(5.0),
                scanner: None,
            },
        )
        .expect("import");
        let info = scan_info(&mut v, &imported.scan.id).expect("info");
        assert_eq!((info.width, info.height, info.planes), (600, 300, 1));
        assert_eq!(info.pixel_mm, Some(5.0));

        // One half of a pair named: the pair is imported.
        let other = kordon_xraysim::try_generate(&kordon_xraysim::SceneSpec { seed: 99, ..scene })
            .expect("scene");
        let (high, low) = (dir.path().join("T_high.tif"), dir.path().join("T_low.tif"));
        kordon_xraysim::write_tiff16(&high, 600, 300, &other.high).expect("write");
        kordon_xraysim::write_tiff16(&low, 600, 300, &other.low).expect("write");
        let pair = import_scan(
            &mut v,
            &id,
            &ImportScanInput {
                path: low.to_string_lossy().into_owned(),
                low: None,
                pixel_mm: None,
                scanner: None,
            },
        )
        .expect("import pair");
        assert_eq!(pair.scan.images.len(), 2);
        assert_eq!(
            scan_info(&mut v, &pair.scan.id).expect("info").planes,
            2,
            "dual energy"
        );

        let mark = NewAnnotation {
            scan: imported.scan.id.clone(),
            kind: AnnotationKind::Void,
            shape: Shape::Rect {
                x: 10.0,
                y: 10.0,
                w: 50.0,
                h: 20.0,
            },
            label: String::new(),
        };
        let marked = annotate(&mut v, &id, &mark).expect("annotate");
        assert_eq!(marked.annotations[0].added_by, "OF-9");
        let decided = decide(
            &mut v,
            &id,
            &NewDecisionInput {
                outcome: Outcome::PhysicalInspection,
                reasons: vec!["DENSITY_ANOMALY".into()],
                note: String::new(),
            },
        )
        .expect("decide");
        assert_eq!(decided.decisions[0].officer, "OF-9");

        let bad = decide(
            &mut v,
            &id,
            &NewDecisionInput {
                outcome: Outcome::Release,
                reasons: vec!["lower case".into()],
                note: String::new(),
            },
        )
        .expect_err("bad reason");
        assert_eq!(bad.code, "invalid_input");
        let missing = get_inspection(&mut v, "not-a-uuid").expect_err("bad id");
        assert_eq!(missing.code, "invalid_input");
        sign_out(&mut v).expect("out");
        let e = set_notes(&mut v, &id, "x").expect_err("signed out");
        assert_eq!(e.code, "not_signed_in");
    }
}
