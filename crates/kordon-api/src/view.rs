//! How a scan is shown: [`ViewParams`] (what the UI sets) and
//! [`ScanInfo`] (what the UI needs to lay out the tiles).
//!
//! Tile URLs carry the view as a short query string
//! ([`ViewParams::to_query`] / [`ViewParams::from_query`]); the UI builds
//! the same string (`ui/src/transport/tileQuery.ts`), and both sides are
//! tested against the same examples.

use crate::ApiError;
use kordon_imaging::{Colormap, MaterialThresholds, PyramidInfo, View, Window};
use kordon_model::Scan;
use kordon_plates::quoted;
use serde::{Deserialize, Serialize};

/// Raw values shown black and white.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct WindowRange {
    pub low: f64,
    pub high: f64,
}

/// How tiles are rendered. Ranges are checked by [`ViewParams::to_view`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ViewParams {
    /// None: automatic (the scan's 0.5th to 99.5th percentiles).
    pub window: Option<WindowRange>,
    pub invert: bool,
    /// 0.1 to 10; 1 is linear.
    pub gamma: f64,
    /// `grey`, `hot`, `jet`, `bone` or `viridis`.
    #[ts(type = "\"grey\" | \"hot\" | \"jet\" | \"bone\" | \"viridis\"")]
    pub colormap: String,
    /// Edge enhancement, 0 (off) to 10.
    pub edge: f64,
    /// Dual-energy material colours (ignored for single-energy scans).
    pub materials: bool,
}

impl Default for ViewParams {
    fn default() -> Self {
        ViewParams {
            window: None,
            invert: false,
            gamma: 1.0,
            colormap: "grey".into(),
            edge: 0.0,
            materials: false,
        }
    }
}

impl ViewParams {
    /// The renderer's settings (material boundaries for MeV linacs, the
    /// usual cargo source). Fails with `invalid_input` on out-of-range
    /// values.
    pub fn to_view(&self) -> Result<View, ApiError> {
        let colormap: Colormap =
            self.colormap
                .parse()
                .map_err(|_: kordon_imaging::ImagingError| {
                    ApiError::invalid(format!(
                        "unknown colour map {} (grey, hot, jet, bone or viridis)",
                        quoted(&self.colormap)
                    ))
                })?;
        let window = match self.window {
            None => None,
            Some(w) if w.low.is_finite() && w.high.is_finite() && w.high > w.low => Some(Window {
                center: ((w.low + w.high) / 2.0) as f32,
                width: (w.high - w.low) as f32,
            }),
            Some(w) => {
                return Err(ApiError::invalid(format!(
                    "window {}..{} is empty",
                    short_number(w.low),
                    short_number(w.high)
                )))
            }
        };
        let view = View {
            window,
            invert: self.invert,
            gamma: self.gamma as f32,
            colormap,
            edge: self.edge as f32,
            materials: self.materials,
            thresholds: MaterialThresholds::linac(),
        };
        view.validate()
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(view)
    }

    /// `w=LOW,HIGH&inv=1&g=GAMMA&cm=NAME&e=EDGE&mat=1`; defaults left out.
    pub fn to_query(&self) -> String {
        let mut parts = vec![];
        if let Some(w) = self.window {
            parts.push(format!("w={},{}", w.low, w.high));
        }
        if self.invert {
            parts.push("inv=1".into());
        }
        if self.gamma != 1.0 {
            parts.push(format!("g={}", self.gamma));
        }
        if self.colormap != "grey" {
            parts.push(format!("cm={}", self.colormap));
        }
        if self.edge != 0.0 {
            parts.push(format!("e={}", self.edge));
        }
        if self.materials {
            parts.push("mat=1".into());
        }
        parts.join("&")
    }

    /// Parses [`to_query`](Self::to_query)'s form; unknown keys are refused.
    pub fn from_query(query: &str) -> Result<ViewParams, ApiError> {
        let mut p = ViewParams::default();
        let num = |k: &str, v: &str| -> Result<f64, ApiError> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| ApiError::invalid(format!("{k}={} is not a number", quoted(v))))
        };
        for pair in query.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "w" => {
                    let (lo, hi) = v.split_once(',').ok_or_else(|| {
                        ApiError::invalid(format!("w={} is not LOW,HIGH", quoted(v)))
                    })?;
                    p.window = Some(WindowRange {
                        low: num(k, lo)?,
                        high: num(k, hi)?,
                    });
                }
                "inv" => p.invert = v == "1",
                "g" => p.gamma = num(k, v)?,
                "cm" => p.colormap = v.to_string(),
                "e" => p.edge = num(k, v)?,
                "mat" => p.materials = v == "1",
                _ => {
                    return Err(ApiError::invalid(format!(
                        "unknown view setting {}",
                        quoted(k)
                    )))
                }
            }
        }
        Ok(p)
    }
}

/// A number as an error quotes it: as written when short, else in
/// scientific notation (`1e308` is 309 digits written out).
fn short_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// Raw-value statistics of one plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct PlaneRange {
    pub min: u16,
    pub max: u16,
    /// 0.5th percentile: the low end of the automatic window.
    pub p_low: u16,
    /// 99.5th percentile: the high end of the automatic window.
    pub p_high: u16,
}

/// A scan's tile pyramid. Levels are numbered as in DZI and OpenSeadragon:
/// `max_level` is full size, each level below halves it; tiles are
/// `tile_size` square with no overlap.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ScanInfo {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub tile_size: u32,
    pub max_level: u32,
    /// 1: single energy; 2: dual energy (materials colouring possible).
    pub planes: u8,
    pub bits: u8,
    /// Millimetres per full-resolution pixel, when the scanner said.
    pub pixel_mm: Option<f64>,
    /// One per plane: high (or single), then low.
    pub stats: Vec<PlaneRange>,
}

impl ScanInfo {
    pub fn new(scan: &Scan, info: &PyramidInfo) -> Self {
        ScanInfo {
            id: scan.id.clone(),
            width: info.width,
            height: info.height,
            tile_size: info.tile_size,
            max_level: info.max_level,
            planes: info.planes,
            bits: info.bits,
            pixel_mm: scan.pixel_mm,
            stats: info
                .stats
                .iter()
                .map(|s| PlaneRange {
                    min: s.min,
                    max: s.max,
                    p_low: s.p_low,
                    p_high: s.p_high,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same strings are checked on the UI side (tileQuery.test.ts).
    const EXAMPLES: [&str; 3] = [
        "",
        "w=1200,54000&inv=1&g=0.8&cm=hot&e=1.5&mat=1",
        "cm=viridis",
    ];

    #[test]
    fn queries_round_trip() {
        for q in EXAMPLES {
            let p = ViewParams::from_query(q).expect(q);
            assert_eq!(p.to_query(), q);
            p.to_view().expect("valid");
        }
        let p = ViewParams::from_query(EXAMPLES[1]).expect("parse");
        assert_eq!(
            p.window,
            Some(WindowRange {
                low: 1200.0,
                high: 54000.0
            })
        );
        assert!(p.invert && p.materials);
        assert_eq!(p.colormap, "hot");
    }

    #[test]
    fn bad_views_are_refused_with_invalid_input() {
        for q in [
            "w=5,1", "w=abc", "g=0", "g=NaN", "cm=sepia", "e=11", "zoom=2", "w=1,inf",
        ] {
            let r = ViewParams::from_query(q).and_then(|p| p.to_view());
            let e = r.expect_err(q);
            assert_eq!(e.code, "invalid_input", "{q}: {e}");
        }
    }
}
