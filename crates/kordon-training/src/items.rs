//! The threat items a training exercise projects: drawn from simple solids
//! in millimetres, each with its material, as a map of how many centimetres
//! of that material a ray crosses at each pixel.
//!
//! The items are what crews must find at a border: a pistol, bricks of
//! drugs, a lead shielding container, a box of ammunition. They are drawn,
//! not photographed, so their path lengths (and so their attenuation on
//! both beams) are known exactly.

use kordon_xraysim::Material;
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// What a projected item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatKind {
    /// A steel pistol lying flat: slide, grip, trigger guard.
    Pistol,
    /// Six compressed bricks of drugs (organic, 1.2 g/cm³).
    DrugBricks,
    /// A lead container standing upright, as radioactive sources travel.
    LeadShield,
    /// A steel box of cartridges in rows.
    Ammunition,
}

impl ThreatKind {
    pub const ALL: [ThreatKind; 4] = [
        ThreatKind::Pistol,
        ThreatKind::DrugBricks,
        ThreatKind::LeadShield,
        ThreatKind::Ammunition,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ThreatKind::Pistol => "pistol",
            ThreatKind::DrugBricks => "drug_bricks",
            ThreatKind::LeadShield => "lead_shield",
            ThreatKind::Ammunition => "ammunition",
        }
    }

    /// Its material and density (g/cm³).
    pub fn material(self) -> (Material, f32) {
        match self {
            ThreatKind::Pistol | ThreatKind::Ammunition => (Material::Steel, 7.85),
            ThreatKind::DrugBricks => (Material::Organic, 1.2),
            ThreatKind::LeadShield => (Material::Lead, 11.35),
        }
    }

    /// The solids it is made of, in millimetres, centred near the origin.
    fn solids(self) -> Vec<Solid> {
        match self {
            ThreatKind::Pistol => vec![
                // Slide and barrel.
                Solid::Slab(Rect::new(-95.0, 95.0, -16.0, 16.0), 2.6),
                // Grip, with its magazine.
                Solid::Slab(Rect::new(40.0, 72.0, 16.0, 125.0), 1.4),
                // Trigger guard: a frame.
                Solid::Slab(Rect::new(5.0, 40.0, 16.0, 20.0), 0.8),
                Solid::Slab(Rect::new(5.0, 9.0, 16.0, 45.0), 0.8),
                Solid::Slab(Rect::new(5.0, 40.0, 41.0, 45.0), 0.8),
            ],
            ThreatKind::DrugBricks => (0..6)
                .map(|i| {
                    let (col, row) = ((i % 3) as f32, (i / 3) as f32);
                    let u = -360.0 + col * 240.0;
                    let v = -120.0 + row * 120.0;
                    Solid::Slab(Rect::new(u, u + 230.0, v, v + 112.0), 10.0)
                })
                .collect(),
            ThreatKind::LeadShield => vec![Solid::UprightPipe {
                cu: 0.0,
                r_out: 60.0,
                r_in: 30.0,
                v0: -90.0,
                v1: 90.0,
                lid_cm: 3.0,
            }],
            ThreatKind::Ammunition => {
                // The box's walls seen edge-on, then 5 rows of 16 cartridges.
                let mut s = vec![
                    Solid::Slab(Rect::new(-150.0, 150.0, -90.0, 90.0), 0.2),
                    Solid::Slab(Rect::new(-150.0, -147.0, -90.0, 90.0), 18.0),
                    Solid::Slab(Rect::new(147.0, 150.0, -90.0, 90.0), 18.0),
                ];
                for row in 0..5 {
                    for col in 0..16 {
                        let u = -140.0 + f32::from(col as u8) * 17.5;
                        let v = -85.0 + f32::from(row as u8) * 34.0;
                        s.push(Solid::Rod {
                            cu: u + 4.5,
                            r: 4.5,
                            v0: v,
                            v1: v + 30.0,
                            along_cm: 9.0,
                        });
                    }
                }
                s
            }
        }
    }
}

/// A rectangle in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    u0: f32,
    u1: f32,
    v0: f32,
    v1: f32,
}

impl Rect {
    fn new(u0: f32, u1: f32, v0: f32, v1: f32) -> Rect {
        Rect { u0, u1, v0, v1 }
    }
    fn contains(&self, u: f32, v: f32) -> bool {
        u >= self.u0 && u < self.u1 && v >= self.v0 && v < self.v1
    }
}

/// A solid, as the path length a ray crosses at a point of the image plane
/// (the ray runs side to side through the vehicle, across the image).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Solid {
    /// A slab of even thickness (cm) along the ray.
    Slab(Rect, f32),
    /// A hollow cylinder standing upright (axis along v), with a lid and a
    /// bottom `lid_cm` thick: the ray crosses its wall as a chord.
    UprightPipe {
        cu: f32,
        r_out: f32,
        r_in: f32,
        v0: f32,
        v1: f32,
        lid_cm: f32,
    },
    /// A solid rod standing upright, `along_cm` deep along the ray at most
    /// (cartridges in a row seen end on are many rods one behind another).
    Rod {
        cu: f32,
        r: f32,
        v0: f32,
        v1: f32,
        along_cm: f32,
    },
}

impl Solid {
    /// Path length in cm at (u, v) mm.
    fn path_cm(&self, u: f32, v: f32) -> f32 {
        let chord = |r: f32, d: f32| {
            if d.abs() < r {
                2.0 * (r * r - d * d).sqrt() / 10.0
            } else {
                0.0
            }
        };
        match *self {
            Solid::Slab(rect, cm) => {
                if rect.contains(u, v) {
                    cm
                } else {
                    0.0
                }
            }
            Solid::UprightPipe {
                cu,
                r_out,
                r_in,
                v0,
                v1,
                lid_cm,
            } => {
                if v < v0 || v >= v1 || (u - cu).abs() >= r_out {
                    return 0.0;
                }
                let lid = 10.0 * lid_cm;
                if v < v0 + lid || v >= v1 - lid {
                    chord(r_out, u - cu)
                } else {
                    chord(r_out, u - cu) - chord(r_in, u - cu)
                }
            }
            Solid::Rod {
                cu,
                r,
                v0,
                v1,
                along_cm,
            } => {
                if v < v0 || v >= v1 {
                    0.0
                } else {
                    (chord(r, u - cu) / (2.0 * r / 10.0)).min(1.0) * along_cm
                }
            }
        }
    }
}

/// An item drawn at a scale and an angle: centimetres of its material
/// along the ray at each pixel of a `width` × `height` patch.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub kind: ThreatKind,
    pub width: u32,
    pub height: u32,
    /// Row-major, `width * height`.
    pub path_cm: Vec<f32>,
}

/// The item's extent in mm before rotation (half-diagonal bound).
fn reach_mm(solids: &[Solid]) -> f32 {
    let mut reach: f32 = 0.0;
    for s in solids {
        let corners: [(f32, f32); 2] = match *s {
            Solid::Slab(r, _) => [(r.u0, r.v0), (r.u1, r.v1)],
            Solid::UprightPipe {
                cu, r_out, v0, v1, ..
            } => [(cu - r_out, v0), (cu + r_out, v1)],
            Solid::Rod { cu, r, v0, v1, .. } => [(cu - r, v0), (cu + r, v1)],
        };
        for (a, b) in [
            (corners[0].0, corners[0].1),
            (corners[1].0, corners[1].1),
            (corners[0].0, corners[1].1),
            (corners[1].0, corners[0].1),
        ] {
            reach = reach.max((a * a + b * b).sqrt());
        }
    }
    reach
}

/// Draws `kind` at `mm_per_pixel`, turned by `angle` radians in the image
/// plane (an upright item stays upright: only flat items turn).
pub fn draw(kind: ThreatKind, mm_per_pixel: f32, angle: f32) -> Drawn {
    let solids = kind.solids();
    let angle = match kind {
        ThreatKind::LeadShield => 0.0,
        _ => angle,
    };
    let mm = mm_per_pixel.max(0.05);
    let side = ((2.0 * reach_mm(&solids) / mm).ceil() as u32 + 2).max(3);
    let (sin, cos) = angle.sin_cos();
    let centre = side as f32 / 2.0;
    // Four samples per pixel, so thin parts and edges are drawn in
    // proportion to how much of the pixel they cover.
    let offsets = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];
    let mut path_cm = vec![0.0f32; (side * side) as usize];
    for y in 0..side {
        for x in 0..side {
            let mut sum = 0.0;
            for (ox, oy) in offsets {
                let (px, py) = ((x as f32 + ox - centre) * mm, (y as f32 + oy - centre) * mm);
                // Into the item's own frame.
                let (u, v) = (cos * px + sin * py, -sin * px + cos * py);
                sum += solids.iter().map(|s| s.path_cm(u, v)).sum::<f32>();
            }
            path_cm[(y * side + x) as usize] = sum / offsets.len() as f32;
        }
    }
    trim(Drawn {
        kind,
        width: side,
        height: side,
        path_cm,
    })
}

/// Cuts the empty border off a drawn item.
fn trim(d: Drawn) -> Drawn {
    let (w, h) = (d.width as usize, d.height as usize);
    let filled = |x: usize, y: usize| d.path_cm[y * w + x] > 0.0;
    let rows: Vec<usize> = (0..h).filter(|&y| (0..w).any(|x| filled(x, y))).collect();
    let cols: Vec<usize> = (0..w).filter(|&x| (0..h).any(|y| filled(x, y))).collect();
    let (Some(&y0), Some(&y1), Some(&x0), Some(&x1)) =
        (rows.first(), rows.last(), cols.first(), cols.last())
    else {
        return d;
    };
    let (nw, nh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut path_cm = Vec::with_capacity(nw * nh);
    for y in y0..=y1 {
        path_cm.extend_from_slice(&d.path_cm[y * w + x0..y * w + x1 + 1]);
    }
    Drawn {
        kind: d.kind,
        width: nw as u32,
        height: nh as u32,
        path_cm,
    }
}

/// A random angle for a flat item.
pub fn random_angle(rng: &mut StdRng) -> f32 {
    rng.gen_range(0.0..std::f32::consts::TAU)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_have_their_real_size_at_any_scale() {
        // A pistol is about 19 cm long and 14 cm high.
        let p = draw(ThreatKind::Pistol, 2.0, 0.0);
        assert!((93..=98).contains(&p.width), "{} px at 2 mm", p.width);
        assert!((68..=73).contains(&p.height), "{} px at 2 mm", p.height);
        let p5 = draw(ThreatKind::Pistol, 5.0, 0.0);
        assert!((37..=40).contains(&p5.width), "{} px at 5 mm", p5.width);
        // Turned a quarter, it stands.
        let turned = draw(ThreatKind::Pistol, 2.0, std::f32::consts::FRAC_PI_2);
        assert!((turned.height as i32 - p.width as i32).abs() <= 2);
        // The lead shield's wall is thickest at its inner edge: 2·√(60²−30²) mm.
        let lead = draw(ThreatKind::LeadShield, 1.0, 1.0);
        let max = lead.path_cm.iter().cloned().fold(0.0, f32::max);
        assert!((10.0..=12.0).contains(&max), "{max} cm");
        for kind in ThreatKind::ALL {
            let d = draw(kind, 3.0, 0.3);
            assert_eq!(d.path_cm.len(), (d.width * d.height) as usize);
            assert!(d.path_cm.iter().all(|c| c.is_finite() && *c >= 0.0));
            assert!(d.path_cm.iter().any(|c| *c > 0.0), "{kind:?} is drawn");
        }
    }
}
