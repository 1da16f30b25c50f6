//! The cab-over tractor unit of the articulated trucks.
//!
//! Panels that face the ray are thin (two skins of a millimetre); panels
//! seen edge-on (cab front, roof, rear wall, floor) cross the whole width
//! of the vehicle and draw the dark outlines a real scan shows. Curved
//! panels get a smaller effective depth than flat ones.

use rand::rngs::StdRng;
use rand::Rng;

use crate::geometry::{Profile, Rect, Shape, Texture};
use crate::physics::{Material, Stuff, ALU, FOAM, GLASS, PLASTIC, STEEL, WATER, WOOD};
use crate::powertrain::{batteries, engine, fuel_tank, seats};
use crate::scene::{ObjectKind, Scene, VehicleKind, WheelSpec};
use crate::wheels::{self, Axle};

/// What the trailer needs to know about the tractor it is coupled to.
#[derive(Debug, Clone)]
pub(crate) struct Tractor {
    /// Where the kingpin sits on the fifth wheel.
    pub kingpin_u: f32,
    /// Top of the fifth wheel plate.
    pub coupling_v: f32,
    pub wheels: Vec<WheelSpec>,
}

pub(crate) fn tractor(scene: &mut Scene, rng: &mut StdRng, kind: VehicleKind) -> Tractor {
    let front_axle = rng.gen_range(1300.0..1420.0);
    let rear_axle = front_axle + rng.gen_range(3600.0..3950.0);
    let (cab_front, cab_back) = (40.0, 40.0 + rng.gen_range(2200.0..2320.0));
    let cab_bottom = 1000.0;
    let cab_top: f32 = if rng.gen_bool(0.65) {
        rng.gen_range(3850.0..3980.0)
    } else {
        rng.gen_range(3300.0..3450.0)
    };
    let belt = 2450.0;
    let (r_out, r_rim) = (535.0, 286.0);
    let tyre = |cu: f32, tyres: f32| WheelSpec {
        cu,
        cv: r_out - 20.0,
        r_out,
        r_rim,
        width: 315.0,
        tyres,
    };
    let wheels = vec![tyre(front_axle, 2.0), tyre(rear_axle, 4.0)];
    wheels::wheel(scene, &wheels[0], Axle::Steer, 2050.0);
    wheels::wheel(scene, &wheels[1], Axle::Drive, 1850.0);
    wheels::mudguard(scene, &wheels[1], 2.0 * 550.0);

    // Chassis: two rails with cross members.
    let rail_top = 1040.0;
    let rear_end = rear_axle + rng.gen_range(750.0..1000.0);
    let rails = Rect::new(250.0, rear_end, rail_top - 270.0, rail_top);
    scene.beam_along(rails, 8.0, 9.0, 90.0, 2.0);
    for u in [
        400.0,
        front_axle + 650.0,
        rear_axle - 1300.0,
        rear_axle + 550.0,
        rear_end - 60.0,
    ] {
        scene.cross_box(
            Rect::new(u - 60.0, u + 60.0, rail_top - 230.0, rail_top - 40.0),
            6.0,
            820.0,
            STEEL,
        );
    }
    // Front bumper beam and plastic bumper.
    scene.cross_box(
        Rect::new(cab_front + 60.0, cab_front + 180.0, 520.0, 680.0),
        5.0,
        1900.0,
        STEEL,
    );
    scene.add(Shape::segment(
        (cab_front, 420.0),
        (cab_front + 30.0, 1000.0),
        4.0,
        PLASTIC,
        1200.0,
    ));

    // Cab shell: the side skins facing the ray, thicker at doors.
    let door = (cab_front + 380.0, cab_front + 1280.0);
    let window_top = belt + 720.0;
    scene.slab(Rect::new(cab_front, cab_back, cab_bottom, belt), STEEL, 4.0);
    scene.slab(Rect::new(door.0, door.1, belt, window_top), GLASS, 10.0);
    scene.slab(Rect::new(cab_front, door.0, belt, window_top), STEEL, 6.0);
    scene.slab(Rect::new(door.1, cab_back, belt, window_top), STEEL, 4.0);
    scene.slab(
        Rect::new(cab_front, cab_back, window_top, cab_top),
        STEEL,
        2.0,
    );
    // Door frames and intrusion beams.
    scene.post(
        Rect::new(door.0, door.0 + 60.0, cab_bottom + 150.0, window_top),
        2.0,
        80.0,
        2.0,
        STEEL,
    );
    scene.post(
        Rect::new(door.1 - 60.0, door.1, cab_bottom + 150.0, window_top),
        2.0,
        80.0,
        2.0,
        STEEL,
    );
    let beam = Profile::hcyl(belt - 350.0, 18.0, 2.0, 2.0);
    scene.add(Shape::new(
        Rect::new(door.0 + 60.0, door.1 - 60.0, belt - 368.0, belt - 332.0),
        beam,
        STEEL,
    ));
    // Edge-on outline: front, windscreen, rounded roof, rear wall, floor.
    let edge = 320.0;
    let corner = 300.0;
    scene.slab(
        Rect::new(cab_front, cab_front + 8.0, cab_bottom + 60.0, belt),
        STEEL,
        edge,
    );
    scene.slab(
        Rect::new(cab_front, cab_front + 40.0, 1150.0, 1850.0),
        PLASTIC,
        500.0,
    );
    scene.add(Shape::segment(
        (cab_front + 4.0, belt),
        (cab_front + 70.0, cab_top - corner),
        8.0,
        GLASS,
        200.0,
    ));
    let (ccu, ccv) = (cab_front + 70.0 + corner, cab_top - corner);
    scene.add(Shape::new(
        Rect::new(cab_front, ccu, ccv, cab_top),
        Profile::ring(ccu, ccv, corner - 9.0, corner, edge),
        STEEL,
    ));
    scene.slab(
        Rect::new(ccu, cab_back - 100.0, cab_top - 9.0, cab_top),
        STEEL,
        450.0,
    );
    scene.add(Shape::segment(
        (cab_back - 100.0, cab_top - 4.0),
        (cab_back - 4.0, cab_top - 100.0),
        8.0,
        STEEL,
        450.0,
    ));
    scene.slab(
        Rect::new(
            cab_back - 8.0,
            cab_back,
            cab_bottom + 150.0,
            cab_top - 100.0,
        ),
        STEEL,
        450.0,
    );
    scene.slab(
        Rect::new(cab_front + 100.0, cab_back, 1440.0, 1452.0),
        STEEL,
        500.0,
    );
    scene.slab(
        Rect::new(cab_front + 100.0, cab_back, 1452.0, 1470.0),
        PLASTIC,
        1000.0,
    );
    scene.slab(
        Rect::new(cab_front, cab_back, cab_bottom, cab_bottom + 8.0),
        STEEL,
        250.0,
    );
    // Inside: dashboard with its cross-car beam, steering, seats, bunk.
    let dash = Rect::new(cab_front + 150.0, cab_front + 700.0, 1900.0, 2360.0);
    scene.add(Shape::pillow(dash, PLASTIC, 350.0));
    scene.slab(
        Rect::new(cab_front + 60.0, cab_back - 20.0, 1470.0, cab_top - 40.0),
        PLASTIC,
        2.0 * 6.0,
    );
    scene.cross_tube(cab_front + 560.0, 2150.0, 32.0, 3.0, 2000.0);
    scene.add(Shape::segment(
        (cab_front + 380.0, 1500.0),
        (cab_front + 640.0, 2450.0),
        40.0,
        STEEL,
        12.0,
    ));
    scene.add(Shape::segment(
        (cab_front + 560.0, 2300.0),
        (cab_front + 760.0, 2700.0),
        35.0,
        Stuff::organic(1.2),
        80.0,
    ));
    seats(scene, cab_front + 880.0, 1470.0, 2.0);
    let bunk = Rect::new(cab_back - 720.0, cab_back - 20.0, 1850.0, 1960.0);
    scene.add(Shape::pillow(bunk, FOAM.times(2.0), 2000.0));
    scene.slab(Rect::new(bunk.u0, bunk.u1, 1830.0, 1850.0), WOOD, 2000.0);
    // Fridge and drawers under the bunk, lockers over the windscreen.
    let fridge = Rect::new(cab_back - 650.0, cab_back - 150.0, 1475.0, 1825.0);
    scene.post(fridge, 1.0, 450.0, 1.0, STEEL);
    scene.add(Shape::pillow(
        Rect::new(
            fridge.u0 + 20.0,
            fridge.u0 + 180.0,
            fridge.v0,
            fridge.v0 + 140.0,
        ),
        STEEL,
        60.0,
    ));
    let stuff = Texture {
        cell: 50.0,
        amp: 0.6,
        seed: rng.gen(),
    };
    scene.add(
        Shape::slab(
            Rect::new(
                fridge.u0 + 190.0,
                fridge.u1 - 10.0,
                fridge.v0 + 10.0,
                fridge.v1 - 60.0,
            ),
            Stuff::organic(0.5),
            250.0,
        )
        .textured(stuff),
    );
    if cab_top > 3700.0 {
        let lockers = Rect::new(
            cab_front + 350.0,
            cab_back - 150.0,
            cab_top - 480.0,
            cab_top - 60.0,
        );
        scene.cross_box(lockers, 4.0, 1900.0, PLASTIC);
        let inside = Rect::new(
            lockers.u0 + 30.0,
            lockers.u1 - 30.0,
            lockers.v0 + 8.0,
            lockers.v0 + 250.0,
        );
        scene.add(Shape::slab(inside, Stuff::organic(0.15), 1200.0).textured(stuff));
    }
    // Mirror arm and head sticking out in front.
    scene.slab(
        Rect::new(cab_front - 170.0, cab_front + 60.0, 2620.0, 2650.0),
        STEEL,
        40.0,
    );
    scene.slab(
        Rect::new(cab_front - 230.0, cab_front - 110.0, 2150.0, 2700.0),
        PLASTIC,
        120.0,
    );
    scene.slab(
        Rect::new(cab_front - 225.0, cab_front - 200.0, 2170.0, 2680.0),
        GLASS,
        60.0,
    );
    // Steps below the doors.
    for v in [640.0, 860.0] {
        scene.slab(
            Rect::new(door.0 + 40.0, door.0 + 520.0, v, v + 20.0),
            ALU,
            2.0 * 240.0,
        );
    }
    if kind == VehicleKind::BoxTrailer && cab_top < 3700.0 {
        // Roof deflector up to the height of the box body.
        let (a, b) = ((cab_back - 1250.0, cab_top), (cab_back - 80.0, 3960.0));
        scene.add(Shape::segment(a, b, 5.0, Stuff::organic(1.6), 700.0));
        scene.add(Shape::segment(
            b,
            (cab_back - 80.0, cab_top),
            5.0,
            Stuff::organic(1.6),
            700.0,
        ));
    }
    let cab_rect = Rect::new(cab_front, cab_back, cab_bottom, cab_top);
    scene.record(ObjectKind::Cab, Material::Steel, cab_rect);

    // Powertrain under the cab, radiator and fan in front of it.
    let engine_u = front_axle - 450.0;
    engine(scene, rng, engine_u, 640.0, 6, 1.0);
    scene.slab(
        Rect::new(cab_front + 170.0, cab_front + 250.0, 620.0, 1450.0),
        ALU,
        150.0,
    );
    scene.slab(
        Rect::new(cab_front + 170.0, cab_front + 250.0, 620.0, 1450.0),
        WATER,
        180.0,
    );
    let fan = Profile::hcyl(1000.0, 350.0, 0.0, 0.25);
    scene.add(Shape::new(
        Rect::new(engine_u - 130.0, engine_u - 60.0, 650.0, 1350.0),
        fan,
        Stuff::organic(1.1),
    ));
    let prop = Profile::hcyl(700.0, 55.0, 4.0, 1.0);
    scene.add(Shape::new(
        Rect::new(engine_u + 1900.0, rear_axle - 250.0, 645.0, 755.0),
        prop,
        STEEL,
    ));

    // Between the axles: fuel tank on one side, batteries, air tanks and
    // silencer on the other (they overlap in the projection).
    let tank_u0 = front_axle + r_out + 150.0;
    let tank_len = rng
        .gen_range(1200.0..1700.0_f32)
        .min(rear_axle - r_out - 200.0 - tank_u0);
    fuel_tank(scene, rng, tank_u0, tank_u0 + tank_len, 760.0, 300.0, true);
    for u in [tank_u0 + 150.0, tank_u0 + tank_len - 200.0] {
        let strap = Profile::hcyl(760.0, 305.0, 4.0, 1.0);
        scene.add(Shape::new(
            Rect::new(u, u + 50.0, 455.0, 1065.0),
            strap,
            STEEL,
        ));
    }
    let battery_u = rear_axle - r_out - 720.0;
    batteries(
        scene,
        Rect::new(battery_u, battery_u + 520.0, 580.0, 830.0),
        2.0 * 270.0,
    );
    for (u, v) in [(tank_u0 + 100.0, 560.0), (tank_u0 + 100.0, 830.0)] {
        let air = Profile::hcyl(v, 120.0, 3.0, 1.0);
        scene.add(Shape::new(
            Rect::new(u, u + 650.0, v - 120.0, v + 120.0),
            air,
            STEEL,
        ));
    }
    let silencer = Rect::new(front_axle + 700.0, front_axle + 1350.0, 480.0, 1000.0);
    scene.rail(silencer, 2.0, 550.0, 1.0, STEEL);
    for i in 1..4 {
        let u = silencer.u0 + i as f32 * silencer.width() / 4.0;
        scene.slab(
            Rect::new(u, u + 2.0, silencer.v0, silencer.v1),
            STEEL,
            500.0,
        );
    }
    // Plastic side skirt between the axles.
    let skirt = Rect::new(
        front_axle + r_out + 80.0,
        rear_axle - r_out - 80.0,
        420.0,
        1000.0,
    );
    scene.rail(skirt, 4.0, 60.0, 2.0, Stuff::organic(1.6));

    // Fifth wheel over the drive axle.
    let kingpin_u = rear_axle - rng.gen_range(250.0..550.0);
    let coupling_v = rail_top + 160.0;
    scene.slab(
        Rect::new(
            kingpin_u - 430.0,
            kingpin_u + 430.0,
            coupling_v - 45.0,
            coupling_v,
        ),
        STEEL,
        700.0,
    );
    let mount = Rect::new(
        kingpin_u - 380.0,
        kingpin_u + 380.0,
        rail_top,
        coupling_v - 45.0,
    );
    scene.post(mount, 12.0, 120.0, 2.0, STEEL);
    scene.slab(mount, STEEL, 40.0);
    // Lights and mudguard brackets at the end of the chassis.
    scene.slab(
        Rect::new(
            rear_end - 40.0,
            rear_end,
            rail_top - 400.0,
            rail_top - 270.0,
        ),
        PLASTIC,
        600.0,
    );

    Tractor {
        kingpin_u,
        coupling_v,
        wheels,
    }
}
