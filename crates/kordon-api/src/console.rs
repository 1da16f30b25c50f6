//! The supervisors' console operations, as the server's HTTP API calls
//! them: API types in, API types out, errors as [`ApiError`].
//!
//! Each operation names the roles that may use it ([`Op`]) and checks them
//! first, so the rule lives with the operation, not with whichever route
//! or command calls it; an operation that names no role is used by none
//! (deny by default). `kordon-http` derives the routes from these.

use crate::inspection_id;
use crate::view::ScanInfo;
use crate::ApiError;
use kordon_central::accounts::{Actor, Role, UserInfo};
use kordon_central::hotlists::HotlistChange;
use kordon_central::scans::ScanStage;
use kordon_central::{Central, CentralError};
use kordon_model::{
    HotlistView, InspectionId, InspectionView, NewAnnotation, NewHotlistEntry, NewReview,
    NewRiskProfile, OfficerId, Outcome, ReasonCode, ReviewState, Verdict,
};
use kordon_store::{
    AuditEntry, ConsolePage, ConsoleQuery, ConsoleRow, NewAuditEntry, QueueVersion,
};
use serde::{Deserialize, Serialize};

/// An operation of the console and the roles that may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    pub name: &'static str,
    pub roles: &'static [Role],
}

const READERS: &[Role] = &[Role::Supervisor, Role::Auditor];
const SUPERVISORS: &[Role] = &[Role::Supervisor];
pub(crate) const ADMINISTRATORS: &[Role] = &[Role::Administrator];
const TRAIL_READERS: &[Role] = &[Role::Auditor, Role::Administrator];

pub const QUEUE: Op = Op {
    name: "queue",
    roles: READERS,
};
pub const INSPECTION: Op = Op {
    name: "inspection",
    roles: READERS,
};
pub const HISTORY: Op = Op {
    name: "history",
    roles: READERS,
};
pub const SCANS: Op = Op {
    name: "scans",
    roles: READERS,
};
pub const REVIEW: Op = Op {
    name: "review",
    roles: SUPERVISORS,
};
pub const ANNOTATE: Op = Op {
    name: "annotate",
    roles: SUPERVISORS,
};
pub const HOTLISTS: Op = Op {
    name: "hotlists",
    roles: &[Role::Supervisor, Role::Auditor, Role::Administrator],
};
pub const HOTLIST_EDIT: Op = Op {
    name: "hotlist_edit",
    roles: SUPERVISORS,
};
pub const USERS: Op = Op {
    name: "users",
    roles: ADMINISTRATORS,
};
pub const AUDIT: Op = Op {
    name: "audit",
    roles: TRAIL_READERS,
};
pub const METRICS: Op = Op {
    name: "metrics",
    roles: ADMINISTRATORS,
};

/// Every operation that needs a role (login, logout and `me` need only a
/// session or none).
pub const OPERATIONS: &[Op] = &[
    QUEUE,
    INSPECTION,
    HISTORY,
    SCANS,
    REVIEW,
    ANNOTATE,
    HOTLISTS,
    HOTLIST_EDIT,
    USERS,
    AUDIT,
    METRICS,
    crate::evidence::BUNDLE,
    crate::fleet::FLEET,
    crate::fleet::ENROLL,
    crate::fleet::REVOKE,
    crate::statistics::STATISTICS,
];

/// Earlier inspections shown in the fleet-wide history.
pub const HISTORY_ROWS: u32 = 50;

/// Who is signed in, as the console sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsoleUser {
    pub name: String,
    pub role: Role,
    /// Send back in the `X-Kordon-CSRF` header on every state-changing
    /// request.
    pub csrf: String,
}

impl From<&Actor> for ConsoleUser {
    fn from(a: &Actor) -> Self {
        ConsoleUser {
            name: a.name.clone(),
            role: a.role,
            csrf: a.csrf.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct LoginInput {
    pub name: String,
    pub password: String,
}

/// One stored record of an inspection: who signed what, and when it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DeliveryRecord {
    /// Record id (hex of the signed digest).
    pub id: String,
    /// `create`, `decide`, `review`, `notes`, `scan`, `annotate`, ...
    pub op: String,
    /// The signing device's public key (hex).
    pub signer: String,
    /// The signing device's unit; None when the server itself signed.
    pub signer_unit: Option<String>,
    pub officer: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub received_ms: i64,
    /// Position in the server's log.
    #[ts(type = "number")]
    pub server_seq: i64,
}

/// An inspection as the console shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsoleInspection {
    pub view: InspectionView,
    pub review_state: ReviewState,
    pub records: Vec<DeliveryRecord>,
}

/// A supervisor's verdict.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NewReviewInput {
    pub verdict: Verdict,
    /// The outcome that replaces the crew's (overrule only).
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// Reason codes (overrule only).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Required for overrule and return.
    #[serde(default)]
    pub comment: String,
}

/// A new hotlist entry from the console.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct HotlistEntryInput {
    /// The list's name; a new list is made if none has it.
    pub list: String,
    /// For a new list: the units it goes to (empty: every unit).
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub entry: NewHotlistEntry,
}

/// A new risk profile from the console.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RiskProfileInput {
    pub list: String,
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub profile: NewRiskProfile,
}

/// Where a scan stands on the server.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScanState {
    /// Tiles can be fetched.
    Ready { info: ScanInfo },
    /// Blobs are still arriving from the vehicle.
    Arriving {
        #[ts(type = "number")]
        bytes_received: u64,
        #[ts(type = "number")]
        bytes_total: u64,
    },
    /// Every blob is here; the tile pyramid is being built.
    Building,
}

/// Appends what `who` did from the console to the audit trail (`target`
/// empty: none).
pub(crate) fn record_action(
    c: &Central,
    who: &Actor,
    action: &str,
    target: &str,
    detail: &str,
    peer: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    c.audit(
        &NewAuditEntry {
            actor: Some(&who.name),
            role: Some(who.role.as_str()),
            action,
            target: (!target.is_empty()).then_some(target),
            detail,
            peer,
            ..Default::default()
        },
        now,
    )?;
    Ok(())
}

/// Fails with `forbidden` unless `who`'s role may use `op`.
pub fn allow(who: &Actor, op: &Op) -> Result<(), ApiError> {
    if op.roles.contains(&who.role) {
        Ok(())
    } else {
        Err(ApiError::new(
            "forbidden",
            format!("the role {} may not use {}", who.role, op.name),
        ))
    }
}

fn not_found(id: InspectionId) -> ApiError {
    ApiError::new("not_found", format!("inspection {id} does not exist"))
}

pub fn queue(c: &mut Central, who: &Actor, q: &ConsoleQuery) -> Result<ConsolePage, ApiError> {
    allow(who, &QUEUE)?;
    q.check().map_err(ApiError::invalid)?;
    c.store_mut()
        .project(kordon_central::now_ms())
        .map_err(CentralError::from)?;
    Ok(c.store().console_page(q).map_err(CentralError::from)?)
}

pub fn queue_version(c: &mut Central, who: &Actor) -> Result<QueueVersion, ApiError> {
    allow(who, &QUEUE)?;
    c.store_mut()
        .project(kordon_central::now_ms())
        .map_err(CentralError::from)?;
    Ok(c.store().queue_version().map_err(CentralError::from)?)
}

fn console_inspection(c: &mut Central, id: InspectionId) -> Result<ConsoleInspection, ApiError> {
    c.store_mut()
        .project(kordon_central::now_ms())
        .map_err(CentralError::from)?;
    let row = c
        .store()
        .console_row(id)
        .map_err(CentralError::from)?
        .ok_or_else(|| not_found(id))?;
    let server = c.public_key();
    let mut records = vec![];
    for f in c.store().record_facts(id.as_bytes())? {
        let signer_unit = if f.signer == server {
            None
        } else {
            c.unit_of(&f.signer)?
        };
        records.push(DeliveryRecord {
            id: f.id,
            op: f.op,
            signer: f.signer.to_string(),
            signer_unit,
            officer: f.officer,
            created_ms: f.created_ms,
            received_ms: f.received_ms,
            server_seq: f.seq,
        });
    }
    Ok(ConsoleInspection {
        review_state: row.review_state,
        view: row.row.view,
        records,
    })
}

pub fn inspection(c: &mut Central, who: &Actor, id: &str) -> Result<ConsoleInspection, ApiError> {
    allow(who, &INSPECTION)?;
    console_inspection(c, inspection_id(id)?)
}

/// Earlier inspections of the same vehicle from any unit.
pub fn history(c: &mut Central, who: &Actor, id: &str) -> Result<Vec<ConsoleRow>, ApiError> {
    allow(who, &HISTORY)?;
    let id = inspection_id(id)?;
    c.store_mut()
        .project(kordon_central::now_ms())
        .map_err(CentralError::from)?;
    c.store()
        .same_vehicle(id, HISTORY_ROWS)?
        .ok_or_else(|| not_found(id))
}

fn officer_of(who: &Actor) -> Result<OfficerId, ApiError> {
    OfficerId::new(&who.name)
        .map_err(|e| ApiError::invalid(format!("the account name {:?} cannot sign: {e}", who.name)))
}

/// A verdict, signed with the server's key and attributed to the
/// supervisor; it flows down to the vehicle at its next sync. Audited.
pub fn review(
    c: &mut Central,
    who: &Actor,
    id: &str,
    input: &NewReviewInput,
    peer: Option<&str>,
) -> Result<ConsoleInspection, ApiError> {
    allow(who, &REVIEW)?;
    let id = inspection_id(id)?;
    let reasons = input
        .reasons
        .iter()
        .map(|r| ReasonCode::new(r).map_err(ApiError::invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let review = NewReview {
        verdict: input.verdict,
        comment: input.comment.trim().to_string(),
        outcome: input.outcome,
        reasons,
    };
    review.check().map_err(ApiError::invalid)?;
    let supervisor = officer_of(who)?;
    let now = kordon_central::now_ms();
    c.review(id, &review, &supervisor, now)?;
    let target = id.to_string();
    let detail = match input.outcome {
        Some(o) => format!("{} {}", input.verdict.as_str(), o.as_str()),
        None => input.verdict.as_str().to_string(),
    };
    record_action(c, who, "review", &target, &detail, peer, now)?;
    console_inspection(c, id)
}

/// A mark on a scan, signed by the server and attributed to the
/// supervisor. Audited.
pub fn annotate(
    c: &mut Central,
    who: &Actor,
    id: &str,
    mark: &NewAnnotation,
    peer: Option<&str>,
) -> Result<ConsoleInspection, ApiError> {
    allow(who, &ANNOTATE)?;
    let id = inspection_id(id)?;
    let supervisor = officer_of(who)?;
    let now = kordon_central::now_ms();
    c.annotate(id, mark, &supervisor, now)?;
    let target = id.to_string();
    record_action(c, who, "annotate", &target, mark.kind.as_str(), peer, now)?;
    console_inspection(c, id)
}

/// Where a scan stands. A whole scan without a pyramid is handed to the
/// background builder.
pub fn scan_state(c: &mut Central, who: &Actor, scan: &str) -> Result<ScanState, ApiError> {
    allow(who, &SCANS)?;
    let (_, found) = c.find_scan(scan)?;
    Ok(match c.scan_stage(&found)? {
        ScanStage::Ready(p) => ScanState::Ready {
            info: ScanInfo::new(&found, p.info()),
        },
        ScanStage::Arriving {
            bytes_received,
            bytes_total,
        } => ScanState::Arriving {
            bytes_received,
            bytes_total,
        },
        ScanStage::Building => {
            if let (Some(builder), Some(image)) = (c.pyramid_builder(), found.primary()) {
                builder.blob_ready(&image.blob);
            }
            ScanState::Building
        }
    })
}

/// Every hotlist with its entries and profiles (removed ones included,
/// marked).
pub fn hotlists(c: &mut Central, who: &Actor) -> Result<Vec<HotlistView>, ApiError> {
    allow(who, &HOTLISTS)?;
    Ok(c.hotlists()?)
}

fn audit_hotlist(
    c: &mut Central,
    who: &Actor,
    action: &str,
    change: &HotlistChange,
    detail: &str,
    peer: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let target = format!("{}/{}", change.list, change.id);
    record_action(c, who, action, &target, detail, peer, now)
}

/// Puts a plate or container on a list, signed by the server for the
/// supervisor; it reaches the vehicles of the list's units at their next
/// sync. Audited.
pub fn hotlist_add(
    c: &mut Central,
    who: &Actor,
    input: &HotlistEntryInput,
    peer: Option<&str>,
) -> Result<HotlistChange, ApiError> {
    allow(who, &HOTLIST_EDIT)?;
    let officer = officer_of(who)?;
    let now = kordon_central::now_ms();
    let change = c.hotlist_add(&input.list, &input.units, &input.entry, &officer, now)?;
    audit_hotlist(
        c,
        who,
        "hotlist_add",
        &change,
        &input.entry.value,
        peer,
        now,
    )?;
    Ok(change)
}

/// Adds a risk profile to a list. Audited.
pub fn profile_add(
    c: &mut Central,
    who: &Actor,
    input: &RiskProfileInput,
    peer: Option<&str>,
) -> Result<HotlistChange, ApiError> {
    allow(who, &HOTLIST_EDIT)?;
    let officer = officer_of(who)?;
    let now = kordon_central::now_ms();
    let change = c.profile_add(&input.list, &input.units, &input.profile, &officer, now)?;
    audit_hotlist(
        c,
        who,
        "profile_add",
        &change,
        &input.profile.name,
        peer,
        now,
    )?;
    Ok(change)
}

/// Removes an entry or a profile (it stays in the list's history). Audited.
pub fn hotlist_remove(
    c: &mut Central,
    who: &Actor,
    id: &str,
    peer: Option<&str>,
) -> Result<HotlistChange, ApiError> {
    allow(who, &HOTLIST_EDIT)?;
    let officer = officer_of(who)?;
    let now = kordon_central::now_ms();
    let change = c.hotlist_remove(id, &officer, now)?;
    audit_hotlist(c, who, "hotlist_remove", &change, "", peer, now)?;
    Ok(change)
}

/// The image of a read of any inspection on the server.
pub fn read_image(
    c: &mut Central,
    who: &Actor,
    blob: &str,
) -> Result<crate::reads::ReadImageBytes, ApiError> {
    allow(who, &INSPECTION)?;
    c.store_mut()
        .project(kordon_central::now_ms())
        .map_err(CentralError::from)?;
    crate::reads::read_image(c.store(), c.blob_store()?.as_ref(), blob)
}

pub fn users(c: &mut Central, who: &Actor) -> Result<Vec<UserInfo>, ApiError> {
    allow(who, &USERS)?;
    Ok(c.users()?)
}

pub fn audit(
    c: &mut Central,
    who: &Actor,
    before: Option<i64>,
    limit: Option<u32>,
) -> Result<Vec<AuditEntry>, ApiError> {
    allow(who, &AUDIT)?;
    Ok(c.audit_trail(before, limit.unwrap_or(100))?)
}

/// The server's metrics in the Prometheus text format.
pub fn metrics(c: &mut Central, who: &Actor) -> Result<String, ApiError> {
    allow(who, &METRICS)?;
    Ok(c.metrics_text(kordon_central::now_ms())?)
}
