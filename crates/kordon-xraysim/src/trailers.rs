//! Semi-trailers: the chassis (beams, landing gear, bogie, bumper) with
//! one of the two bodies on it.

use rand::rngs::StdRng;
use rand::Rng;

use crate::bodies::{box_body, iso_container};
use crate::geometry::{Profile, Rect, Shape};
use crate::physics::{ALU, PLASTIC, RUBBER, STEEL};
use crate::scene::{Layout, Scene, VehicleKind, WheelSpec};
use crate::tractor::Tractor;
use crate::wheels::{self, Axle};

pub(crate) fn semi_trailer(
    scene: &mut Scene,
    rng: &mut StdRng,
    kind: VehicleKind,
    tractor: &Tractor,
) -> Layout {
    let container = kind == VehicleKind::ContainerTrailer;
    let setback = if container {
        rng.gen_range(1150.0..1300.0)
    } else {
        rng.gen_range(1500.0..1650.0)
    };
    let u0 = tractor.kingpin_u - setback;
    let length = if container { 12_192.0 } else { 13_600.0 };
    let u1 = u0 + length;
    let deck = tractor.coupling_v
        + if container {
            rng.gen_range(140.0..200.0)
        } else {
            110.0
        };
    let beam_h = if container { 460.0 } else { 380.0 };
    let mut wheels = tractor.wheels.clone();
    wheels.extend(chassis(
        scene, rng, tractor, u0, u1, deck, beam_h, container,
    ));
    let hold = if container {
        let high_cube = rng.gen_bool(0.25);
        iso_container(scene, u0, deck, if high_cube { 2896.0 } else { 2591.0 })
    } else {
        box_body(scene, u0, u1, deck, 4000.0)
    };
    Layout { hold, wheels }
}

/// Beams, cross members, landing gear, bogie and bumper. Returns the
/// bogie's wheels.
#[allow(clippy::too_many_arguments)]
fn chassis(
    scene: &mut Scene,
    rng: &mut StdRng,
    tractor: &Tractor,
    u0: f32,
    u1: f32,
    deck: f32,
    beam_h: f32,
    container: bool,
) -> Vec<WheelSpec> {
    let k = tractor.kingpin_u;
    let low = deck - beam_h;
    // Main beams: shallow over the fifth wheel, deep behind it.
    let neck_end = k + 1500.0;
    let deep_start = k + 2100.0;
    if deck - tractor.coupling_v > 30.0 {
        scene.beam_along(
            Rect::new(u0 + 60.0, neck_end, tractor.coupling_v, deck),
            7.0,
            12.0,
            140.0,
            2.0,
        );
    }
    scene.slab(
        Rect::new(
            u0 + 40.0,
            k + 1100.0,
            tractor.coupling_v,
            tractor.coupling_v + 12.0,
        ),
        STEEL,
        1100.0,
    );
    let pin = Profile::vcyl(k, 45.0, 0.0, 1.0);
    scene.add(Shape::new(
        Rect::new(
            k - 45.0,
            k + 45.0,
            tractor.coupling_v - 80.0,
            tractor.coupling_v,
        ),
        pin,
        STEEL,
    ));
    scene.beam_along(
        Rect::new(deep_start, u1 - 80.0, low, deck),
        7.0,
        12.0,
        140.0,
        2.0,
    );
    // The sloping part between them: stepped web, slanted bottom flange.
    let steps = 4;
    for i in 0..steps {
        let f = (i + 1) as f32 / steps as f32;
        let a = neck_end + (deep_start - neck_end) * i as f32 / steps as f32;
        let b = neck_end + (deep_start - neck_end) * f;
        let bottom = tractor.coupling_v.max(low) - (tractor.coupling_v - low).max(0.0) * f;
        scene.slab(Rect::new(a, b, bottom, deck), STEEL, 14.0);
    }
    scene.add(Shape::segment(
        (neck_end, tractor.coupling_v),
        (deep_start, low),
        12.0,
        STEEL,
        280.0,
    ));
    if container {
        let mut u = deep_start + 300.0;
        while u < u1 - 400.0 {
            scene.cross_ibeam(
                Rect::new(u - 45.0, u + 45.0, deck - 160.0, deck),
                7.0,
                9.0,
                2300.0,
            );
            u += rng.gen_range(1300.0..1700.0);
        }
        scene.cross_ibeam(
            Rect::new(u0 + 60.0, u0 + 200.0, tractor.coupling_v, deck),
            8.0,
            10.0,
            2300.0,
        );
        scene.cross_ibeam(
            Rect::new(u1 - 220.0, u1 - 80.0, low, deck),
            8.0,
            10.0,
            2300.0,
        );
        for u in [u0 + 90.0, u1 - 90.0] {
            scene.slab(
                Rect::new(u - 90.0, u + 90.0, deck - 30.0, deck + 25.0),
                STEEL,
                2.0 * 160.0,
            );
        }
    }

    // Landing gear: two telescopic legs in line, feet, cross tube, braces.
    let leg = k + rng.gen_range(1800.0..2100.0);
    let top = if leg < deep_start { deck - 200.0 } else { low };
    scene.post(
        Rect::new(leg - 55.0, leg + 55.0, 720.0, top),
        6.0,
        110.0,
        2.0,
        STEEL,
    );
    scene.post(
        Rect::new(leg - 42.0, leg + 42.0, 230.0, 780.0),
        6.0,
        84.0,
        2.0,
        STEEL,
    );
    scene.slab(
        Rect::new(leg - 130.0, leg + 130.0, 185.0, 230.0),
        STEEL,
        2.0 * 250.0,
    );
    scene.slab(
        Rect::new(leg - 90.0, leg + 90.0, top - 260.0, top - 60.0),
        STEEL,
        2.0 * 60.0,
    );
    scene.cross_tube(leg, 950.0, 30.0, 3.0, 2000.0);
    scene.add(Shape::segment(
        (leg + 55.0, 900.0),
        (leg + 700.0, top),
        50.0,
        STEEL,
        2.0 * 8.0,
    ));

    // Bogie: three axles at the rear.
    let last = u1 - rng.gen_range(1300.0..1700.0);
    let spacing = 1310.0;
    let single = rng.gen_bool(0.6);
    let (r_out, width, tyres) = if single {
        (535.0, 385.0, 2.0)
    } else {
        (478.0, 275.0, 4.0)
    };
    let mut bogie = Vec::new();
    for i in 0..3 {
        let w = WheelSpec {
            cu: last - spacing * (2 - i) as f32,
            cv: r_out - 20.0,
            r_out,
            r_rim: 286.0,
            width,
            tyres,
        };
        wheels::wheel(scene, &w, Axle::Trailer, 1900.0);
        // Hanger, trailing arm, air bag.
        let hanger = Rect::new(w.cu - 640.0, w.cu - 500.0, w.cv + 40.0, low);
        scene.post(hanger, 10.0, 140.0, 2.0, STEEL);
        scene.add(Shape::segment(
            (w.cu - 570.0, w.cv + 110.0),
            (w.cu + 230.0, w.cv - 10.0),
            90.0,
            STEEL,
            2.0 * 20.0,
        ));
        let bag = Profile::vcyl(w.cu + 300.0, 150.0, 8.0, 2.0);
        scene.add(Shape::new(
            Rect::new(w.cu + 150.0, w.cu + 450.0, w.cv + 60.0, low),
            bag,
            RUBBER,
        ));
        bogie.push(w);
    }
    // Mudguard over the bogie, spray flap behind it.
    let (g0, g1) = (bogie[0].cu - r_out - 120.0, last + r_out + 120.0);
    let guard_v = 2.0 * r_out + 60.0;
    scene.slab(
        Rect::new(g0, g1, guard_v, guard_v + 6.0),
        PLASTIC,
        2.0 * 550.0,
    );
    scene.slab(Rect::new(g1 - 6.0, g1, 260.0, guard_v), RUBBER, 2.0 * 500.0);
    // Side guards between landing gear and bogie.
    for v in [480.0, 820.0] {
        let r = Rect::new(leg + 350.0, g0 - 150.0, v, v + 90.0);
        scene.rail(r, 3.0, 40.0, 2.0, ALU);
    }
    // Rear underrun bumper and lights.
    scene.cross_box(
        Rect::new(u1 - 140.0, u1 - 20.0, 440.0, 560.0),
        5.0,
        2300.0,
        STEEL,
    );
    scene.post(
        Rect::new(u1 - 170.0, u1 - 100.0, 560.0, low),
        6.0,
        70.0,
        2.0,
        STEEL,
    );
    scene.slab(Rect::new(u1 - 70.0, u1, 620.0, 760.0), PLASTIC, 400.0);
    bogie
}
