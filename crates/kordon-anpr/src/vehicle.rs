//! The vehicle as the spool's consumer: each camera read becomes a read
//! in an inspection (`kordon_vehicle::Vehicle::attach_reads`), once.

use crate::spool::{PushMeta, Sink};
use crate::{CameraRead, ImageKind, Vendor};
use kordon_model::{AnprRead, NewAlert, ReadImageKind};
use kordon_vehicle::{AttachRules, IncomingRead, Vehicle};

/// Hands parsed pushes to a vehicle.
pub struct VehicleSink<'a> {
    pub vehicle: &'a mut Vehicle,
    pub rules: AttachRules,
    /// Inspections the last pushes attached to, for logs and tests.
    pub attached: Vec<String>,
    /// Alerts the last pushes raised, with their inspection.
    pub alerts: Vec<(String, NewAlert)>,
}

impl std::fmt::Debug for VehicleSink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VehicleSink")
            .field("rules", &self.rules)
            .field("attached", &self.attached)
            .field("alerts", &self.alerts)
            .finish_non_exhaustive()
    }
}

impl<'a> VehicleSink<'a> {
    pub fn new(vehicle: &'a mut Vehicle, rules: AttachRules) -> Self {
        VehicleSink {
            vehicle,
            rules,
            attached: vec![],
            alerts: vec![],
        }
    }
}

fn vendor(v: Option<Vendor>) -> &'static str {
    match v {
        Some(Vendor::Hikvision) => "hikvision",
        Some(Vendor::Dahua) => "dahua",
        Some(Vendor::Axis) => "axis",
        Some(Vendor::Generic) | None => "generic",
    }
}

/// A camera's read as the vehicle attaches it (the id and images are set
/// there).
pub fn incoming(read: CameraRead, received_ms: i64, camera_name: Option<&str>) -> IncomingRead {
    IncomingRead {
        read: AnprRead {
            id: String::new(),
            received_ms,
            captured_ms: read.captured_ms,
            vendor: vendor(read.vendor).into(),
            // The configured name (from the credentials) when there is one.
            camera: camera_name.map(String::from).or(read.camera),
            lane: read.lane,
            role: None,
            text: read.text,
            plate: None,
            confidence: read.confidence.map(f64::from),
            char_confidence: read.char_confidence,
            country: read.country,
            direction: read.direction,
            images: vec![],
            added_by: String::new(),
            correction: None,
            detached: None,
        },
        images: read
            .images
            .into_iter()
            .map(|i| {
                let kind = match i.kind {
                    ImageKind::Plate => ReadImageKind::Plate,
                    ImageKind::Scene => ReadImageKind::Scene,
                };
                (kind, i.content_type, i.bytes)
            })
            .collect(),
    }
}

impl Sink for VehicleSink<'_> {
    type Error = kordon_vehicle::VehicleError;

    fn attach(
        &mut self,
        push: &str,
        meta: &PushMeta,
        reads: Vec<CameraRead>,
    ) -> Result<(), Self::Error> {
        let reads = reads
            .into_iter()
            .map(|r| incoming(r, meta.received_ms, meta.camera.as_deref()))
            .collect();
        let done = self
            .vehicle
            .attach_reads(push, reads, &self.rules, kordon_vehicle::now_ms())?;
        for a in done.into_iter().flatten() {
            let id = a.inspection.to_string();
            tracing::info!(push, inspection = %id, "ANPR read attached");
            for alert in a.alerts {
                tracing::warn!(push, inspection = %id, list = %alert.list, entry = %alert.entry_value, tier = alert.tier.as_str(), "HOTLIST ALERT");
                self.alerts.push((id.clone(), alert));
            }
            self.attached.push(id);
        }
        Ok(())
    }
}
