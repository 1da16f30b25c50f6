//! A 3.5 t panel van: engine under a bonnet, a cab, and a steel load space
//! behind a bulkhead.

use rand::rngs::StdRng;
use rand::Rng;

use crate::geometry::{Profile, Rect, Shape};
use crate::physics::{Material, Stuff, ALU, GLASS, PLASTIC, STEEL, WATER, WOOD};
use crate::powertrain::{batteries, engine, fuel_tank, seats};
use crate::scene::{Hold, Layout, ObjectKind, Scene, WheelSpec};
use crate::wheels::{self, Axle};

/// A 3.5 t panel van with a high roof.
pub(crate) fn van(scene: &mut Scene, rng: &mut StdRng) -> Layout {
    let length = rng.gen_range(5900.0..6000.0);
    let roof = rng.gen_range(2550.0..2700.0);
    let front_axle = 920.0;
    let rear_axle = front_axle + rng.gen_range(3600.0..3700.0);
    let (r_out, r_rim) = (355.0, 203.0);
    let twin = rng.gen_bool(0.5);
    let tyre = |cu: f32, tyres: f32| WheelSpec {
        cu,
        cv: r_out - 15.0,
        r_out,
        r_rim,
        width: 235.0,
        tyres,
    };
    let wheels = vec![
        tyre(front_axle, 2.0),
        tyre(rear_axle, if twin { 4.0 } else { 2.0 }),
    ];
    wheels::wheel(scene, &wheels[0], Axle::Steer, 1700.0);
    wheels::wheel(scene, &wheels[1], Axle::Drive, 1600.0);
    let (floor, sill, belt) = (600.0, 430.0, 1250.0);
    let bulkhead = 2000.0;
    let depth = 1750.0;

    // Skins facing the ray.
    scene.slab(Rect::new(30.0, length, sill, belt), STEEL, 1.6);
    scene.slab(Rect::new(1150.0, 1800.0, belt, 1850.0), GLASS, 8.0);
    scene.slab(Rect::new(1800.0, length - 20.0, belt, roof), STEEL, 1.6);
    for i in 0..7 {
        let u = bulkhead + 300.0 + i as f32 * 540.0;
        if u < length - 200.0 {
            scene.post(
                Rect::new(u, u + 40.0, floor + 100.0, roof - 80.0),
                1.0,
                30.0,
                2.0,
                STEEL,
            );
        }
    }
    // Edge-on outline: bumper, bonnet, windscreen, roof, rear doors, floor.
    scene.add(Shape::segment(
        (10.0, 330.0),
        (30.0, 950.0),
        4.0,
        PLASTIC,
        1200.0,
    ));
    scene.add(Shape::segment(
        (30.0, 950.0),
        (1050.0, 1140.0),
        3.0,
        STEEL,
        500.0,
    ));
    scene.add(Shape::segment(
        (1050.0, 1140.0),
        (1700.0, 1980.0),
        6.0,
        GLASS,
        900.0,
    ));
    scene.add(Shape::segment(
        (1700.0, 1980.0),
        (2000.0, roof - 10.0),
        3.0,
        STEEL,
        500.0,
    ));
    scene.slab(
        Rect::new(2000.0, length - 60.0, roof - 6.0, roof),
        STEEL,
        400.0,
    );
    scene.slab(
        Rect::new(length - 40.0, length, floor, roof - 40.0),
        STEEL,
        90.0,
    );
    let rod = Profile::vcyl(length - 60.0, 9.0, 2.0, 2.0);
    scene.add(Shape::new(
        Rect::new(length - 69.0, length - 51.0, floor + 20.0, roof - 60.0),
        rod,
        STEEL,
    ));
    scene.slab(
        Rect::new(bulkhead, bulkhead + 1.5, floor, roof - 10.0),
        STEEL,
        1500.0,
    );
    scene.slab(
        Rect::new(1150.0, length - 40.0, floor - 14.0, floor),
        WOOD,
        depth,
    );
    scene.slab(
        Rect::new(1150.0, length - 40.0, floor - 16.0, floor - 14.0),
        STEEL,
        depth,
    );
    scene.cross_box(
        Rect::new(length - 150.0, length, 380.0, 480.0),
        3.0,
        1700.0,
        STEEL,
    );
    // Ladder frame under the floor.
    scene.rail(
        Rect::new(300.0, length - 200.0, 420.0, 560.0),
        3.0,
        60.0,
        2.0,
        STEEL,
    );
    for u in [1600.0, 2600.0, 3500.0, rear_axle + 400.0] {
        scene.cross_box(
            Rect::new(u - 40.0, u + 40.0, 440.0, 540.0),
            3.0,
            1200.0,
            STEEL,
        );
    }
    // Engine bay, battery, radiator.
    engine(scene, rng, 250.0, 470.0, 4, 0.7);
    scene.slab(Rect::new(80.0, 130.0, 380.0, 820.0), ALU, 120.0);
    scene.slab(Rect::new(80.0, 130.0, 380.0, 820.0), WATER, 150.0);
    batteries(scene, Rect::new(150.0, 420.0, 760.0, 950.0), 175.0);
    // Cab inside: dashboard, seats.
    scene.slab(Rect::new(1100.0, 1450.0, 1150.0, 1400.0), PLASTIC, 300.0);
    scene.cross_tube(1380.0, 1300.0, 28.0, 2.5, 1700.0);
    seats(scene, 1350.0, floor + 20.0, 2.5);
    // Under the floor: plastic fuel tank, exhaust, spare wheel lying flat.
    fuel_tank(scene, rng, 2300.0, 3150.0, 460.0, 120.0, false);
    let exhaust = Profile::hcyl(300.0, 25.0, 1.5, 1.0);
    scene.add(Shape::new(
        Rect::new(1200.0, length - 100.0, 275.0, 325.0),
        exhaust,
        STEEL,
    ));
    let spare = rear_axle + r_out + 80.0;
    let spare_cu = spare + r_out;
    if spare_cu + r_out < length {
        let tyre_ring = Profile::vcyl(spare_cu, r_out, r_out - r_rim, 0.35);
        scene.add(Shape::new(
            Rect::new(spare, spare + 2.0 * r_out, 300.0, 535.0),
            tyre_ring,
            Stuff::organic(1.15),
        ));
        let rim = Profile::vcyl(spare_cu, r_rim, 0.0, 1.0);
        scene.add(Shape::new(
            Rect::new(spare_cu - r_rim, spare_cu + r_rim, 405.0, 420.0),
            rim,
            STEEL,
        ));
    }
    for w in &wheels {
        wheels::mudguard(scene, w, 300.0);
    }
    let hold = Hold {
        u0: bulkhead + 20.0,
        u1: length - 60.0,
        floor,
        ceiling: roof - 40.0,
        depth,
        wall: STEEL,
        palletised: false,
    };
    scene.record(
        ObjectKind::CargoBody,
        Material::Steel,
        Rect::new(bulkhead, length, floor, roof),
    );
    Layout { hold, wheels }
}
