//! Wheels and axles. The wheel axis lies along the ray, so a wheel is seen
//! face-on as concentric rings: the tread (the full tyre width of rubber),
//! the steel belt under it, the thin sidewalls, the bead wires, the rim
//! barrel, the disc with its hand holes, the brake drum and the hub, and
//! the axle tube end-on in the middle.

use crate::geometry::{Profile, Rect, Shape};
use crate::physics::{Material, Stuff, CAST_IRON, PLASTIC, RUBBER, STEEL};
use crate::scene::{ObjectKind, Scene, WheelSpec};

/// What the axle does, which decides its middle part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axle {
    /// Steered axle: an I-beam axle, kingpins.
    Steer,
    /// Driven axle with a differential in the middle.
    Drive,
    /// Trailer axle: a plain tube.
    Trailer,
}

fn ring(scene: &mut Scene, w: &WheelSpec, r_in: f32, r_out: f32, stuff: Stuff, depth: f32) {
    let profile = Profile::ring(w.cu, w.cv, r_in, r_out, depth);
    scene.add(Shape::new(Rect::around(w.cu, w.cv, r_out), profile, stuff));
}

/// Add one axle line of wheels and record it.
pub(crate) fn wheel(scene: &mut Scene, w: &WheelSpec, axle: Axle, track: f32) {
    let n = w.tyres;
    let tread = 0.09 * w.r_out;
    // Tyre: tread band, steel belts, sidewalls, beads.
    ring(
        scene,
        w,
        w.r_out - tread,
        w.r_out,
        RUBBER,
        0.85 * w.width * n,
    );
    ring(
        scene,
        w,
        w.r_out - tread - 8.0,
        w.r_out - tread,
        STEEL,
        0.25 * w.width * n,
    );
    ring(
        scene,
        w,
        w.r_rim + 10.0,
        w.r_out - tread,
        RUBBER,
        2.0 * 20.0 * n,
    );
    ring(scene, w, w.r_rim, w.r_rim + 14.0, STEEL, 2.0 * 8.0 * n);
    // Rim barrel and disc.
    ring(scene, w, w.r_rim - 7.0, w.r_rim, STEEL, 0.75 * w.width * n);
    let hub = 0.42 * w.r_rim;
    ring(scene, w, hub, w.r_rim - 7.0, STEEL, 13.0 * n);
    // Hand holes in the disc of the wheel nearest the detector; those of
    // the other wheels do not line up with them.
    let holes = 8;
    let (hr, hole) = (0.5 * (hub + w.r_rim), 0.14 * w.r_rim);
    for i in 0..holes {
        let a = i as f32 * std::f32::consts::TAU / holes as f32 + 0.2;
        let (cu, cv) = (w.cu + hr * a.cos(), w.cv + hr * a.sin());
        scene.add(Shape::new(
            Rect::around(cu, cv, hole),
            Profile::ring(cu, cv, 0.0, hole, 13.0),
            STEEL.removed(),
        ));
    }
    // Brake drum, hub with studs.
    let drum = 0.72 * w.r_rim;
    ring(scene, w, drum - 16.0, drum, CAST_IRON, 2.0 * 190.0);
    ring(scene, w, 0.0, hub, STEEL, 2.0 * 140.0);
    let studs = 10;
    for i in 0..studs {
        let a = i as f32 * std::f32::consts::TAU / studs as f32;
        let (cu, cv) = (w.cu + hub * 1.05 * a.cos(), w.cv + hub * 1.05 * a.sin());
        scene.cross_tube(cu, cv, 11.0, 11.0, 2.0 * 90.0);
    }
    // The axle itself, end-on.
    match axle {
        Axle::Steer => {
            scene.slab(
                Rect::new(w.cu - 60.0, w.cu + 60.0, w.cv - 45.0, w.cv + 45.0),
                STEEL,
                track - 300.0,
            );
        }
        Axle::Drive => {
            scene.cross_tube(w.cu, w.cv, 75.0, 14.0, track);
            // Differential housing and crown wheel.
            ring(scene, w, 0.3 * w.r_rim, 0.78 * w.r_rim, CAST_IRON, 90.0);
            ring(scene, w, 0.45 * w.r_rim, 0.68 * w.r_rim, STEEL, 50.0);
        }
        Axle::Trailer => scene.cross_tube(w.cu, w.cv, 70.0, 12.0, track),
    }
    scene.record(
        ObjectKind::Wheel,
        Material::Organic,
        Rect::around(w.cu, w.cv, w.r_out),
    );
}

/// A plastic mudguard arching over a wheel.
pub(crate) fn mudguard(scene: &mut Scene, w: &WheelSpec, depth: f32) {
    let r_in = w.r_out + 45.0;
    let r_out = r_in + 5.0;
    scene.add(Shape::new(
        Rect::new(
            w.cu - r_out,
            w.cu + r_out,
            w.cv + 0.15 * r_out,
            w.cv + r_out,
        ),
        Profile::ring(w.cu, w.cv, r_in, r_out, depth),
        PLASTIC,
    ));
}
