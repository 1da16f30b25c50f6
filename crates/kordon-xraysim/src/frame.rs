//! Where the scene lands in the image: scale, orientation, and the maps
//! between pixels and scene millimetres.

use crate::geometry::Rect;

/// How one image axis maps to one scene axis: `pixel = offset + coord * k`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AxisMap {
    pub offset: f32,
    pub k: f32,
}

impl AxisMap {
    pub fn scene_at(self, pixel: f32) -> f32 {
        (pixel - self.offset) / self.k
    }

    /// The pixel interval covered by the scene interval [c0, c1].
    pub fn span(self, c0: f32, c1: f32) -> (f32, f32) {
        let (a, b) = (self.offset + c0 * self.k, self.offset + c1 * self.k);
        (a.min(b), a.max(b))
    }
}

/// Placement of the scene in the image: a uniform scale, the vehicle
/// centred along its length with the ground near one edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub width: u32,
    pub height: u32,
    pub px_per_mm: f32,
    /// The vehicle's length runs down the image instead of across it.
    pub portrait: bool,
    /// Pixel coordinate (along the length axis) of u = 0.
    pub front_px: f32,
    /// Pixel coordinate (along the height axis) of v = 0.
    pub ground_px: f32,
}

impl Frame {
    /// Fit a scene `length` × `height` millimetres into the image. The
    /// vehicle lies across a landscape image (front on the left, ground at
    /// the bottom) and down a portrait one (front at the top, ground on the
    /// left: the landscape image turned a quarter clockwise).
    ///
    /// `u_min..u_max` is the scene's extent along the vehicle, `top` its
    /// height above the ground.
    pub fn fit(width: u32, height: u32, u_min: f32, u_max: f32, top: f32) -> Frame {
        let portrait = height > width;
        let (along, across) = if portrait {
            (height as f32, width as f32)
        } else {
            (width as f32, height as f32)
        };
        let length = (u_max - u_min).max(1.0);
        let px_per_mm = (along * 0.94 / length).min(across * 0.90 / top.max(1.0));
        let front_px = 0.5 * (along - length * px_per_mm) - u_min * px_per_mm;
        let margin = 0.04 * across;
        let ground_px = if portrait { margin } else { across - margin };
        Frame {
            width,
            height,
            px_per_mm,
            portrait,
            front_px,
            ground_px,
        }
    }

    /// Scene millimetres per pixel.
    pub fn pixel_mm(&self) -> f32 {
        1.0 / self.px_per_mm
    }

    fn along(&self) -> AxisMap {
        AxisMap {
            offset: self.front_px,
            k: self.px_per_mm,
        }
    }

    fn across(&self) -> AxisMap {
        AxisMap {
            offset: self.ground_px,
            k: if self.portrait {
                self.px_per_mm
            } else {
                -self.px_per_mm
            },
        }
    }

    /// The map of image x (columns).
    pub fn x_map(&self) -> AxisMap {
        if self.portrait {
            self.across()
        } else {
            self.along()
        }
    }

    /// The map of image y (rows).
    pub fn y_map(&self) -> AxisMap {
        if self.portrait {
            self.along()
        } else {
            self.across()
        }
    }

    /// The pixel-space extent `(x0, x1, y0, y1)` of a scene rectangle.
    pub fn pixel_extent(&self, r: &Rect) -> (f32, f32, f32, f32) {
        let (xs, ys) = if self.portrait {
            ((r.v0, r.v1), (r.u0, r.u1))
        } else {
            ((r.u0, r.u1), (r.v0, r.v1))
        };
        let (x0, x1) = self.x_map().span(xs.0, xs.1);
        let (y0, y1) = self.y_map().span(ys.0, ys.1);
        (x0, x1, y0, y1)
    }

    /// The whole pixels touched by a scene rectangle, clipped to the image,
    /// as `(x, y, w, h)`; `None` when nothing of it is inside.
    pub fn bbox(&self, r: &Rect) -> Option<(u32, u32, u32, u32)> {
        let (x0, x1, y0, y1) = self.pixel_extent(r);
        let clip = |a: f32, b: f32, n: u32| -> Option<(u32, u32)> {
            let lo = a.floor().max(0.0);
            let hi = b.ceil().min(n as f32);
            (hi > lo).then_some((lo as u32, (hi - lo) as u32))
        };
        let (x, w) = clip(x0, x1, self.width)?;
        let (y, h) = clip(y0, y1, self.height)?;
        Some((x, y, w, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landscape_and_portrait_are_quarter_turns_of_each_other() {
        let land = Frame::fit(6000, 2000, 0.0, 16_000.0, 4_500.0);
        let port = Frame::fit(2000, 6000, 0.0, 16_000.0, 4_500.0);
        let r = Rect::new(1000.0, 2000.0, 0.0, 500.0);
        let (lx0, lx1, ly0, ly1) = land.pixel_extent(&r);
        let (px0, px1, py0, py1) = port.pixel_extent(&r);
        // Length runs along x in landscape and along y in portrait.
        assert!((lx1 - lx0 - (py1 - py0)).abs() < 1e-3);
        assert!((ly1 - ly0 - (px1 - px0)).abs() < 1e-3);
        // Ground at the bottom in landscape, on the left in portrait.
        assert!(ly1 > 1900.0 && px0 < 100.0);
    }
}
