//! The centre's fleet, as administrators run it from the console: every
//! enrolled vehicle and how it stands, enrollment tokens (shown once, as
//! text and as a QR code the crew's app reads), and revocation with a
//! reason the vehicle is told at its next connection.
//!
//! Every change here is audited; the register itself lives in
//! `kordon-central`.

use crate::console::{allow, record_action, Op, ADMINISTRATORS};
use crate::ApiError;
use kordon_central::accounts::Actor;
use kordon_central::{Central, DeviceInfo, PendingEnrollment, RevokeTarget};
use serde::{Deserialize, Serialize};

pub const FLEET: Op = Op {
    name: "fleet",
    roles: ADMINISTRATORS,
};
pub const ENROLL: Op = Op {
    name: "enroll",
    roles: ADMINISTRATORS,
};
pub const REVOKE: Op = Op {
    name: "revoke",
    roles: ADMINISTRATORS,
};

/// A vehicle not heard from for longer than this is flagged, unless the
/// page asks for another threshold.
pub const STALE_AFTER_HOURS: u32 = 24;
/// The longest threshold a page may ask for (a month).
pub const MAX_STALE_AFTER_HOURS: u32 = 720;

/// One vehicle as the fleet page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct FleetDevice {
    #[serde(flatten)]
    #[ts(flatten)]
    pub device: DeviceInfo,
    /// Enrolled, and not heard from for longer than the threshold.
    pub stale: bool,
}

/// The fleet, as of `now_ms` on the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct FleetView {
    #[ts(type = "number")]
    pub now_ms: i64,
    #[ts(type = "number")]
    pub stale_after_ms: i64,
    pub devices: Vec<FleetDevice>,
}

/// A new enrollment token for a unit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NewEnrollmentInput {
    pub unit: String,
    /// How long the token may be used, in hours (1 to 720).
    pub ttl_hours: u32,
}

/// A token just made: the only time it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NewEnrollment {
    /// The token as the crew types or pastes it.
    pub token: String,
    /// The same token as a QR code (an SVG document).
    pub qr_svg: String,
    pub pending: PendingEnrollment,
}

/// A revocation: of one device (by key) or of a whole unit, with the
/// reason its vehicles are told.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RevokeInput {
    #[serde(default)]
    pub unit: Option<String>,
    /// The device's key (64 hex digits, or a prefix of at least 8).
    #[serde(default)]
    pub device: Option<String>,
    pub reason: String,
}

/// How many devices a revocation reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Revoked {
    pub revoked: u32,
}

/// The token as a QR code: an SVG document with a quiet zone, black on
/// white, that any phone or the crew's app can read off a screen or paper.
pub fn token_qr_svg(token: &str) -> Result<String, ApiError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::internal(format!("the token does not fit a QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Every device in the register, with those not heard from for longer
/// than `stale_after_hours` (default [`STALE_AFTER_HOURS`]) flagged.
pub fn fleet(
    c: &mut Central,
    who: &Actor,
    stale_after_hours: Option<u32>,
) -> Result<FleetView, ApiError> {
    allow(who, &FLEET)?;
    let hours = stale_after_hours.unwrap_or(STALE_AFTER_HOURS);
    if !(1..=MAX_STALE_AFTER_HOURS).contains(&hours) {
        return Err(ApiError::invalid(format!(
            "stale_after_hours must be between 1 and {MAX_STALE_AFTER_HOURS}"
        )));
    }
    let now_ms = kordon_central::now_ms();
    let stale_after_ms = i64::from(hours) * 3_600_000;
    let devices = c
        .devices()?
        .into_iter()
        .map(|device| FleetDevice {
            stale: device.revoked_ms.is_none()
                && now_ms - device.last_seen_ms.unwrap_or(device.enrolled_ms) > stale_after_ms,
            device,
        })
        .collect();
    Ok(FleetView {
        now_ms,
        stale_after_ms,
        devices,
    })
}

/// Enrollment tokens that can still be used.
pub fn enrollments(c: &mut Central, who: &Actor) -> Result<Vec<PendingEnrollment>, ApiError> {
    allow(who, &ENROLL)?;
    Ok(c.pending_enrollments(kordon_central::now_ms())?)
}

/// Makes a one-time enrollment token for a unit. Audited (the token
/// itself is not: only who made one, for which unit, valid how long).
pub fn enrollment_create(
    c: &mut Central,
    who: &Actor,
    input: &NewEnrollmentInput,
    peer: Option<&str>,
) -> Result<NewEnrollment, ApiError> {
    allow(who, &ENROLL)?;
    let now = kordon_central::now_ms();
    let token = c.enroll_by(&input.unit, None, input.ttl_hours, Some(&who.name), now)?;
    let id = Central::enrollment_id(&token)
        .ok_or_else(|| ApiError::internal("a token just made has no id"))?;
    let pending = c
        .pending_enrollments(now)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::internal("a token just made is not pending"))?;
    let text = token.encode();
    let qr_svg = token_qr_svg(&text)?;
    record_action(
        c,
        who,
        "enrollment_create",
        &pending.unit,
        &format!("token {id}, valid {} h", input.ttl_hours),
        peer,
        now,
    )?;
    Ok(NewEnrollment {
        token: text,
        qr_svg,
        pending,
    })
}

/// Cancels a pending token: a vehicle that tries it is refused. Audited.
pub fn enrollment_cancel(
    c: &mut Central,
    who: &Actor,
    id: &str,
    peer: Option<&str>,
) -> Result<PendingEnrollment, ApiError> {
    allow(who, &ENROLL)?;
    let now = kordon_central::now_ms();
    let cancelled = c.cancel_enrollment(id, Some(&who.name), now)?;
    record_action(
        c,
        who,
        "enrollment_cancel",
        &cancelled.unit,
        &format!("token {}", cancelled.id),
        peer,
        now,
    )?;
    Ok(cancelled)
}

/// Revokes one device or a whole unit. The reason is required: the
/// vehicle is told it at its next connection, and the fleet page and the
/// audit trail keep it. Audited.
pub fn revoke(
    c: &mut Central,
    who: &Actor,
    input: &RevokeInput,
    peer: Option<&str>,
) -> Result<Revoked, ApiError> {
    allow(who, &REVOKE)?;
    let target = match (&input.unit, &input.device) {
        (Some(unit), None) => RevokeTarget::Unit(unit.trim().to_string()),
        (None, Some(key)) => RevokeTarget::Device(key.trim().to_string()),
        _ => {
            return Err(ApiError::invalid(
                "name either a unit or a device to revoke",
            ))
        }
    };
    if input.reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "say why: the vehicle's crew is told the reason",
        ));
    }
    let now = kordon_central::now_ms();
    let n = c.revoke_with(&target, &input.reason, Some(&who.name), now)?;
    let target_text = match &target {
        RevokeTarget::Unit(u) => format!("unit {u}"),
        RevokeTarget::Device(k) => format!("device {}", kordon_central::fingerprint(k)),
    };
    record_action(
        c,
        who,
        "revoke",
        &target_text,
        input.reason.trim(),
        peer,
        now,
    )?;
    Ok(Revoked {
        revoked: u32::try_from(n).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_document_with_a_quiet_zone() {
        let svg = token_qr_svg("kordon-enroll:v1:abc").expect("qr");
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.60}"
        );
        assert!(svg.contains("#000000") && svg.contains("#ffffff"));
    }
}
