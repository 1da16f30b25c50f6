//! Cargo bodies of the semi-trailers: a 40-foot ISO container and an
//! aluminium box body.

use crate::geometry::{Profile, Rect, Shape};
use crate::physics::{Stuff, ALU, HARDWOOD, STEEL};
use crate::scene::{Hold, ObjectKind, Scene};

/// A 40-foot ISO container with its floor `v0` above the ground.
pub(crate) fn iso_container(scene: &mut Scene, u0: f32, v0: f32, height: f32) -> Hold {
    let u1 = u0 + 12_192.0;
    let v1 = v0 + height;
    let inside = 2350.0;
    // Corrugated side walls (both in line), between the rails and posts.
    let walls = Rect::new(u0 + 150.0, u1 - 150.0, v0 + 162.0, v1 - 60.0);
    let corrugation = Profile::Corrugated {
        depth: 2.0 * 1.6,
        web_factor: 1.7,
        period: 278.0,
        flat: 0.7,
    };
    scene.add(Shape::new(walls, corrugation, STEEL));
    // Top and bottom side rails, roof sheet edge-on, floor, cross members.
    scene.rail(Rect::new(u0, u1, v1 - 60.0, v1), 3.0, 60.0, 2.0, STEEL);
    scene.slab(
        Rect::new(u0 + 100.0, u1 - 100.0, v1 - 22.0, v1 - 4.0),
        STEEL,
        inside * 2.0 / 18.0,
    );
    scene.rail(Rect::new(u0, u1, v0, v0 + 162.0), 4.5, 48.0, 2.0, STEEL);
    scene.slab(
        Rect::new(u0 + 40.0, u1 - 40.0, v0 + 132.0, v0 + 160.0),
        HARDWOOD,
        inside,
    );
    let mut u = u0 + 230.0;
    while u < u1 - 200.0 {
        scene.cross_ibeam(
            Rect::new(u - 23.0, u + 23.0, v0 + 10.0, v0 + 132.0),
            4.0,
            4.0,
            inside,
        );
        u += 300.0;
    }
    // Front wall (corrugated, edge-on) and corner posts at both ends.
    scene.slab(
        Rect::new(u0 + 8.0, u0 + 44.0, v0 + 160.0, v1 - 60.0),
        STEEL,
        inside * 2.0 * 1.3 / 36.0,
    );
    for (a, b) in [(u0, u0 + 150.0), (u1 - 150.0, u1)] {
        scene.post(
            Rect::new(a, b, v0 + 110.0, v1 - 110.0),
            6.0,
            110.0,
            2.0,
            STEEL,
        );
    }
    // Corner castings, hollow blocks, left and right in line.
    for (cu, cv) in [
        (u0, v0),
        (u0, v1 - 118.0),
        (u1 - 178.0, v0),
        (u1 - 178.0, v1 - 118.0),
    ] {
        let r = Rect::new(cu, cu + 178.0, cv, cv + 118.0);
        scene.slab(r, STEEL, 2.0 * 45.0);
        scene.cross_box(r, 16.0, 2.0 * 162.0, STEEL);
    }
    // Doors: panels edge-on, header and sill, four locking bars with cams.
    scene.slab(
        Rect::new(u1 - 42.0, u1 - 6.0, v0 + 160.0, v1 - 210.0),
        STEEL,
        inside * 2.0 * 1.3 / 36.0,
    );
    scene.cross_box(
        Rect::new(u1 - 150.0, u1, v1 - 210.0, v1 - 60.0),
        6.0,
        inside,
        STEEL,
    );
    scene.cross_box(
        Rect::new(u0, u0 + 150.0, v1 - 200.0, v1 - 60.0),
        6.0,
        inside,
        STEEL,
    );
    let bars = Profile::vcyl(u1 + 14.0, 14.0, 3.5, 4.0);
    scene.add(Shape::new(
        Rect::new(u1, u1 + 28.0, v0 + 60.0, v1 - 60.0),
        bars,
        STEEL,
    ));
    for f in [0.12, 0.5, 0.88] {
        let v = v0 + f * height;
        scene.slab(
            Rect::new(u1, u1 + 45.0, v - 60.0, v + 60.0),
            STEEL,
            4.0 * 30.0,
        );
    }
    scene.record(
        ObjectKind::CargoBody,
        STEEL.material,
        Rect::new(u0, u1 + 28.0, v0, v1),
    );
    Hold {
        u0: u0 + 44.0,
        u1: u1 - 45.0,
        floor: v0 + 160.0,
        ceiling: v1 - 60.0,
        depth: inside,
        wall: STEEL,
        palletised: true,
    }
}

/// An aluminium box body with a wooden floor on steel cross members.
pub(crate) fn box_body(scene: &mut Scene, u0: f32, u1: f32, floor: f32, v1: f32) -> Hold {
    let inside = 2480.0;
    // Skins and plywood lining facing the ray, posts every 620 mm.
    scene.slab(Rect::new(u0, u1, floor - 90.0, v1), ALU, 2.0 * 1.2);
    scene.slab(
        Rect::new(u0 + 35.0, u1 - 60.0, floor, v1 - 120.0),
        Stuff::organic(0.6),
        2.0 * 10.0,
    );
    let mut u = u0 + 600.0;
    while u < u1 - 300.0 {
        scene.post(
            Rect::new(u, u + 60.0, floor - 90.0, v1 - 110.0),
            3.0,
            40.0,
            2.0,
            ALU,
        );
        u += 620.0;
    }
    // Rails, roof sheet edge-on with bows, floor and cross members.
    scene.rail(Rect::new(u0, u1, v1 - 120.0, v1), 5.0, 90.0, 2.0, ALU);
    scene.slab(
        Rect::new(u0 + 30.0, u1 - 30.0, v1 - 12.0, v1 - 6.0),
        ALU,
        inside / 6.0,
    );
    let mut u = u0 + 300.0;
    while u < u1 - 200.0 {
        scene.cross_box(
            Rect::new(u - 25.0, u + 25.0, v1 - 55.0, v1 - 12.0),
            2.0,
            inside,
            ALU,
        );
        u += 600.0;
    }
    scene.rail(
        Rect::new(u0, u1, floor - 110.0, floor + 50.0),
        6.0,
        100.0,
        2.0,
        STEEL,
    );
    scene.slab(
        Rect::new(u0 + 30.0, u1 - 60.0, floor - 30.0, floor),
        HARDWOOD,
        inside,
    );
    let mut u = u0 + 200.0;
    while u < u1 - 200.0 {
        scene.cross_ibeam(
            Rect::new(u - 30.0, u + 30.0, floor - 140.0, floor - 30.0),
            5.0,
            6.0,
            inside,
        );
        u += 380.0;
    }
    // Front wall (sandwich panel, edge-on).
    scene.slab(
        Rect::new(u0, u0 + 35.0, floor - 30.0, v1),
        ALU,
        inside * 2.4 / 35.0,
    );
    scene.slab(
        Rect::new(u0 + 3.0, u0 + 32.0, floor, v1 - 10.0),
        Stuff::organic(0.04),
        inside,
    );
    // Rear portal: steel posts, header, sill; doors edge-on, locking bars.
    scene.post(
        Rect::new(u1 - 160.0, u1 - 20.0, floor - 110.0, v1),
        5.0,
        150.0,
        2.0,
        STEEL,
    );
    scene.cross_box(
        Rect::new(u1 - 160.0, u1, v1 - 230.0, v1 - 40.0),
        5.0,
        inside,
        STEEL,
    );
    scene.cross_box(
        Rect::new(u1 - 180.0, u1, floor - 200.0, floor),
        8.0,
        inside,
        STEEL,
    );
    scene.slab(
        Rect::new(u1 - 45.0, u1 - 15.0, floor, v1 - 230.0),
        ALU,
        inside * 2.0 / 30.0,
    );
    scene.slab(
        Rect::new(u1 - 45.0, u1 - 15.0, floor, v1 - 230.0),
        Stuff::organic(0.35),
        inside * 0.5,
    );
    let bars = Profile::vcyl(u1 + 12.0, 12.0, 3.0, 4.0);
    scene.add(Shape::new(
        Rect::new(u1, u1 + 24.0, floor, v1 - 100.0),
        bars,
        STEEL,
    ));
    scene.record(
        ObjectKind::CargoBody,
        ALU.material,
        Rect::new(u0, u1 + 24.0, floor - 110.0, v1),
    );
    Hold {
        u0: u0 + 35.0,
        u1: u1 - 50.0,
        floor,
        ceiling: v1 - 130.0,
        depth: inside - 40.0,
        wall: ALU,
        palletised: true,
    }
}
