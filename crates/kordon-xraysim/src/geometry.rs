//! Shapes in scene millimetres and their thickness along the ray.
//!
//! Scene coordinates: `u` runs along the vehicle from its front bumper
//! (u = 0) to the rear, `v` is the height above the ground. The ray is
//! horizontal and crosses the vehicle from side to side, so every shape is
//! a footprint in the (u, v) plane plus a *depth*: the length of material
//! the ray crosses at that point, in millimetres.

use crate::physics::{mix, Material, Stuff};

/// An axis-aligned rectangle in scene millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub u0: f32,
    pub u1: f32,
    pub v0: f32,
    pub v1: f32,
}

impl Rect {
    pub fn new(u0: f32, u1: f32, v0: f32, v1: f32) -> Rect {
        Rect {
            u0: u0.min(u1),
            u1: u0.max(u1),
            v0: v0.min(v1),
            v1: v0.max(v1),
        }
    }

    /// A square around a centre.
    pub fn around(cu: f32, cv: f32, r: f32) -> Rect {
        Rect::new(cu - r, cu + r, cv - r, cv + r)
    }

    pub fn width(&self) -> f32 {
        self.u1 - self.u0
    }

    pub fn height(&self) -> f32 {
        self.v1 - self.v0
    }

    pub fn union(&self, other: &Rect) -> Rect {
        Rect::new(
            self.u0.min(other.u0),
            self.u1.max(other.u1),
            self.v0.min(other.v0),
            self.v1.max(other.v1),
        )
    }
}

/// How the depth along the ray varies over a shape's footprint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Profile {
    /// The same depth everywhere (a plate facing the ray, or a plate seen
    /// edge-on, whose depth is its extent across the vehicle).
    Slab { depth: f32 },
    /// `count` cylinders in line along the ray, axis vertical, centred at
    /// `cu`: the chord grows towards the axis. Hollow when `wall > 0`, so
    /// the walls seen tangentially make dark edges (drums, posts).
    VerticalCylinder {
        cu: f32,
        r: f32,
        wall: f32,
        count: f32,
    },
    /// Like [`Profile::VerticalCylinder`] with the axis along the vehicle
    /// (tanks, exhausts, pipes), centred at height `cv`.
    HorizontalCylinder {
        cv: f32,
        r: f32,
        wall: f32,
        count: f32,
    },
    /// A ring (or disc, `r_in = 0`) whose axis is along the ray: tyres,
    /// rims, axles, tubes crossing the vehicle.
    Ring {
        cu: f32,
        cv: f32,
        r_in: f32,
        r_out: f32,
        depth: f32,
    },
    /// A pillow: about full depth over most of its footprint, falling
    /// off steeply at the edges (sacks, cushions, rounded castings).
    Pillow {
        cu: f32,
        cv: f32,
        ru: f32,
        rv: f32,
        depth: f32,
    },
    /// Corrugated sheet facing the ray: flats give `depth`, the slanted
    /// webs `depth * web_factor`, repeating every `period` along u.
    Corrugated {
        depth: f32,
        web_factor: f32,
        period: f32,
        flat: f32,
    },
    /// Rows of upright cylinders (bottles, cans), `count` deep along the
    /// ray, repeating every `pitch` along u.
    CylinderRow { pitch: f32, r: f32, count: f32 },
    /// A straight band of thickness `2 * half` from point a to point b: a
    /// slanted panel seen edge-on (windscreen, bonnet, brace).
    Segment {
        au: f32,
        av: f32,
        bu: f32,
        bv: f32,
        half: f32,
        depth: f32,
    },
}

/// Multiplicative density variation, value noise in two octaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Texture {
    pub cell: f32,
    pub amp: f32,
    pub seed: u64,
}

impl Texture {
    pub fn factor(&self, u: f32, v: f32) -> f32 {
        let coarse = value_noise(u / self.cell, v / self.cell, self.seed);
        let fine = value_noise(u * 3.1 / self.cell, v * 3.1 / self.cell, self.seed ^ 0x5bd1);
        1.0 + self.amp * (0.65 * coarse + 0.35 * fine)
    }
}

/// Smooth value noise in [-1, 1].
fn value_noise(x: f32, y: f32, seed: u64) -> f32 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (ix, iy) = (xi as i64, yi as i64);
    let corner = |dx: i64, dy: i64| -> f32 {
        let h = mix(seed
            ^ ((ix + dx) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ ((iy + dy) as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f));
        (h >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    let top = corner(0, 0) + (corner(1, 0) - corner(0, 0)) * sx;
    let bottom = corner(0, 1) + (corner(1, 1) - corner(0, 1)) * sx;
    top + (bottom - top) * sy
}

/// Chord through a cylinder of radius `r` (hollow with `wall`) at
/// distance `x` from its axis.
fn tube_chord(x: f32, r: f32, wall: f32) -> f32 {
    let x2 = x * x;
    if x2 >= r * r {
        return 0.0;
    }
    let outer = 2.0 * (r * r - x2).sqrt();
    let ri = r - wall;
    if wall <= 0.0 || ri <= 0.0 || x2 >= ri * ri {
        outer
    } else {
        outer - 2.0 * (ri * ri - x2).sqrt()
    }
}

impl Profile {
    pub fn vcyl(cu: f32, r: f32, wall: f32, count: f32) -> Profile {
        Profile::VerticalCylinder { cu, r, wall, count }
    }

    pub fn hcyl(cv: f32, r: f32, wall: f32, count: f32) -> Profile {
        Profile::HorizontalCylinder { cv, r, wall, count }
    }

    pub fn ring(cu: f32, cv: f32, r_in: f32, r_out: f32, depth: f32) -> Profile {
        Profile::Ring {
            cu,
            cv,
            r_in,
            r_out,
            depth,
        }
    }

    /// Depth along the ray in millimetres at scene point (u, v); `pixel`
    /// is the pixel size in millimetres, used to anti-alias thin rings.
    pub fn depth(&self, u: f32, v: f32, pixel: f32) -> f32 {
        match *self {
            Profile::Slab { depth } => depth,
            Profile::VerticalCylinder { cu, r, wall, count } => count * tube_chord(u - cu, r, wall),
            Profile::HorizontalCylinder { cv, r, wall, count } => {
                count * tube_chord(v - cv, r, wall)
            }
            Profile::Ring {
                cu,
                cv,
                r_in,
                r_out,
                depth,
            } => {
                let r = ((u - cu) * (u - cu) + (v - cv) * (v - cv)).sqrt();
                let half = 0.5 * pixel;
                let covered = (r + half).min(r_out) - (r - half).max(r_in);
                depth * (covered / pixel).clamp(0.0, 1.0)
            }
            Profile::Pillow {
                cu,
                cv,
                ru,
                rv,
                depth,
            } => {
                let (a, b) = ((u - cu) / ru, (v - cv) / rv);
                let (a2, b2) = (a * a, b * b);
                depth * ((1.0 - a2 * a2).max(0.0) * (1.0 - b2 * b2).max(0.0)).sqrt()
            }
            Profile::Corrugated {
                depth,
                web_factor,
                period,
                flat,
            } => {
                let x = (u / period).rem_euclid(1.0);
                let half_flat = 0.5 * flat;
                let on_flat = x < half_flat || (0.5..0.5 + half_flat).contains(&x);
                if on_flat {
                    depth
                } else {
                    depth * web_factor
                }
            }
            Profile::CylinderRow { pitch, r, count } => {
                let x = (u.rem_euclid(pitch)) - 0.5 * pitch;
                count * tube_chord(x, r, 0.0)
            }
            Profile::Segment {
                au,
                av,
                bu,
                bv,
                half,
                depth,
            } => {
                let (du, dv) = (bu - au, bv - av);
                let len2 = (du * du + dv * dv).max(1e-6);
                let t = (((u - au) * du + (v - av) * dv) / len2).clamp(0.0, 1.0);
                let (eu, ev) = (u - au - t * du, v - av - t * dv);
                let d = (eu * eu + ev * ev).sqrt();
                let h = 0.5 * pixel;
                let covered = (d + h).min(half) - (d - h).max(-half);
                depth * (covered / pixel).clamp(0.0, 1.0)
            }
        }
    }
}

/// One piece of material: a footprint, a depth profile, a material and a
/// density in g/cm³. A negative density removes material that another
/// shape put there (a bore in an engine block, goods displaced by a hidden
/// package).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    pub rect: Rect,
    pub profile: Profile,
    pub material: Material,
    pub density: f32,
    pub texture: Option<Texture>,
}

impl Shape {
    pub fn new(rect: Rect, profile: Profile, stuff: Stuff) -> Shape {
        Shape {
            rect,
            profile,
            material: stuff.material,
            density: stuff.density,
            texture: None,
        }
    }

    pub fn slab(rect: Rect, stuff: Stuff, depth: f32) -> Shape {
        Shape::new(rect, Profile::Slab { depth }, stuff)
    }

    /// A pillow filling `rect`.
    pub fn pillow(rect: Rect, stuff: Stuff, depth: f32) -> Shape {
        let profile = Profile::Pillow {
            cu: 0.5 * (rect.u0 + rect.u1),
            cv: 0.5 * (rect.v0 + rect.v1),
            ru: 0.5 * rect.width(),
            rv: 0.5 * rect.height(),
            depth,
        };
        Shape::new(rect, profile, stuff)
    }

    /// A slanted band from a to b, `thickness` thick.
    pub fn segment(
        a: (f32, f32),
        b: (f32, f32),
        thickness: f32,
        stuff: Stuff,
        depth: f32,
    ) -> Shape {
        // Room for the band and the anti-aliasing around it (pixels up to
        // 80 mm).
        let pad = 0.5 * thickness + 40.0;
        let rect = Rect::new(
            a.0.min(b.0) - pad,
            a.0.max(b.0) + pad,
            a.1.min(b.1) - pad,
            a.1.max(b.1) + pad,
        );
        let profile = Profile::Segment {
            au: a.0,
            av: a.1,
            bu: b.0,
            bv: b.1,
            half: 0.5 * thickness,
            depth,
        };
        Shape::new(rect, profile, stuff)
    }

    pub fn textured(mut self, texture: Texture) -> Shape {
        self.texture = Some(texture);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hollow_cylinder_is_darker_at_its_edges_than_at_its_axis() {
        let p = Profile::VerticalCylinder {
            cu: 0.0,
            r: 300.0,
            wall: 2.0,
            count: 1.0,
        };
        let centre = p.depth(0.0, 0.0, 1.0);
        let edge = p.depth(298.5, 0.0, 1.0);
        assert!((centre - 4.0).abs() < 0.1, "{centre}");
        assert!(edge > 10.0 * centre, "{edge}");
        assert_eq!(p.depth(301.0, 0.0, 1.0), 0.0);
    }

    #[test]
    fn thin_ring_is_antialiased_not_lost_between_pixel_centres() {
        let p = Profile::Ring {
            cu: 0.0,
            cv: 0.0,
            r_in: 100.0,
            r_out: 101.0,
            depth: 300.0,
        };
        // A 4 mm pixel centred 1 mm from the ring still sees a quarter of it.
        let d = p.depth(102.0, 0.0, 4.0);
        assert!((d - 75.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn corrugation_repeats_with_its_period() {
        let p = Profile::Corrugated {
            depth: 3.2,
            web_factor: 1.5,
            period: 278.0,
            flat: 0.7,
        };
        for u in [10.0_f32, 120.0, 200.0, 270.0] {
            assert_eq!(p.depth(u, 0.0, 1.0), p.depth(u + 278.0 * 3.0, 0.0, 1.0));
        }
        assert!(p.depth(120.0, 0.0, 1.0) > p.depth(10.0, 0.0, 1.0));
    }
}
