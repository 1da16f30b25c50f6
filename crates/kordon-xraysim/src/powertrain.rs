//! What drives a vehicle and sits under it: engine and gearbox, fuel
//! tank, batteries, and the seats of the cab.

use rand::rngs::StdRng;
use rand::Rng;

use crate::geometry::{Profile, Rect, Shape, Texture};
use crate::physics::{Material, Stuff, ALU, CAST_IRON, DIESEL, FOAM, LEAD, PLASTIC, STEEL};
use crate::scene::{ObjectKind, Scene};

/// Engine block with six bores, head, sump, flywheel and gearbox, its
/// crankshaft along u starting at `u0`, the block bottom at `v0`.
pub(crate) fn engine(
    scene: &mut Scene,
    rng: &mut StdRng,
    u0: f32,
    v0: f32,
    cylinders: usize,
    scale: f32,
) {
    let bore = 65.0 * scale;
    let pitch = 160.0 * scale;
    let len = pitch * cylinders as f32 + 140.0 * scale;
    let (block_h, width) = (560.0 * scale, 380.0 * scale);
    let block = Rect::new(u0, u0 + len, v0, v0 + block_h);
    let texture = Texture {
        cell: 60.0,
        amp: 0.35,
        seed: rng.gen(),
    };
    // Water jackets, oil galleries and the crankcase leave about half of
    // the block's volume as metal.
    let iron = CAST_IRON.times(0.5);
    scene.add(Shape::slab(block, iron, width).textured(texture));
    let deck = v0 + block_h;
    for i in 0..cylinders {
        let cu = u0 + 70.0 * scale + pitch * (i as f32 + 0.5);
        let bore_rect = Rect::new(cu - bore, cu + bore, deck - 300.0 * scale, deck);
        let profile = Profile::vcyl(cu, bore, 0.0, 1.0);
        scene.add(Shape::new(bore_rect, profile, iron.removed()));
        // Pistons at different heights, aluminium.
        let top = deck - rng.gen_range(20.0..140.0) * scale;
        let piston = Rect::new(cu - bore, cu + bore, top - 110.0 * scale, top);
        scene.add(Shape::new(piston, profile, ALU));
    }
    // Crankshaft along the engine, head, valve cover, sump.
    let crank = Profile::hcyl(v0 + 120.0 * scale, 45.0 * scale, 0.0, 1.0);
    let crank_rect = Rect::new(
        u0 - 80.0,
        u0 + len + 60.0,
        v0 + 75.0 * scale,
        v0 + 165.0 * scale,
    );
    scene.add(Shape::new(crank_rect, crank, STEEL));
    let head = Rect::new(u0 + 20.0, u0 + len - 20.0, deck, deck + 150.0 * scale);
    scene.add(Shape::pillow(head, iron, width).textured(texture));
    let cover = Rect::new(
        u0 + 40.0,
        u0 + len - 40.0,
        deck + 150.0 * scale,
        deck + 210.0 * scale,
    );
    scene.slab(cover, ALU, 25.0);
    let sump = Rect::new(u0 + 60.0, u0 + len - 150.0, v0 - 150.0 * scale, v0);
    scene.rail(sump, 2.0, width, 1.0, STEEL);
    scene.slab(
        Rect::new(sump.u0, sump.u1, sump.v0 + 3.0, sump.v0 + 70.0 * scale),
        Stuff::organic(0.87),
        width - 10.0,
    );
    // Flywheel (a disc facing forward, so a bar thickest at its middle).
    let fly_cv = v0 + 120.0 * scale;
    let fly_r = 240.0 * scale;
    let fly = Rect::new(u0 + len, u0 + len + 60.0, fly_cv - fly_r, fly_cv + fly_r);
    let fly_profile = Profile::hcyl(fly_cv, fly_r, 0.0, 1.0);
    scene.add(Shape::new(fly, fly_profile, STEEL));
    // Gearbox: aluminium housing, gear discs on two shafts.
    let g0 = u0 + len + 60.0;
    let g_len = 700.0 * scale;
    let housing = Rect::new(g0, g0 + g_len, v0 - 40.0 * scale, v0 + 330.0 * scale);
    scene.rail(housing, 12.0, 320.0 * scale, 1.0, ALU);
    scene.slab(housing, ALU, 50.0);
    for (shaft_v, n) in [(v0 + 180.0 * scale, 5), (v0 + 40.0 * scale, 4)] {
        let mut u = g0 + 40.0;
        for _ in 0..n {
            let r = rng.gen_range(60.0..120.0) * scale;
            let w = rng.gen_range(30.0..60.0) * scale;
            let p = Profile::hcyl(shaft_v, r, 0.0, 1.0);
            scene.add(Shape::new(
                Rect::new(u, u + w, shaft_v - r, shaft_v + r),
                p,
                STEEL,
            ));
            u += w + rng.gen_range(30.0..80.0) * scale;
        }
        let p = Profile::hcyl(shaft_v, 28.0 * scale, 0.0, 1.0);
        let shaft = Rect::new(
            g0,
            g0 + g_len,
            shaft_v - 28.0 * scale,
            shaft_v + 28.0 * scale,
        );
        scene.add(Shape::new(shaft, p, STEEL));
    }
    let all = Rect::new(
        u0 - 80.0,
        g0 + g_len,
        v0 - 150.0 * scale,
        deck + 210.0 * scale,
    );
    scene.record(ObjectKind::Engine, Material::Steel, all);
}

/// A fuel tank: a horizontal cylinder along the vehicle, part full.
pub(crate) fn fuel_tank(
    scene: &mut Scene,
    rng: &mut StdRng,
    u0: f32,
    u1: f32,
    cv: f32,
    r: f32,
    aluminium: bool,
) {
    let rect = Rect::new(u0, u1, cv - r, cv + r);
    let (shell, wall) = if aluminium {
        (ALU, 3.0)
    } else {
        (PLASTIC, 6.0)
    };
    let profile = Profile::hcyl(cv, r, wall, 1.0);
    scene.add(Shape::new(rect, profile, shell));
    // End caps, seen edge-on.
    scene.slab(Rect::new(u0, u0 + wall, cv - r, cv + r), shell, 1.4 * r);
    scene.slab(Rect::new(u1 - wall, u1, cv - r, cv + r), shell, 1.4 * r);
    let level = cv - r + wall + rng.gen_range(0.15..0.95) * 2.0 * (r - wall);
    let diesel = Profile::hcyl(cv, r - wall, 0.0, 1.0);
    let liquid = Rect::new(u0 + wall, u1 - wall, cv - r + wall, level);
    scene.add(Shape::new(liquid, diesel, DIESEL));
    scene.record(ObjectKind::FuelTank, Material::Organic, rect);
}

/// Lead-acid batteries: lead grids, acid, plastic cases.
pub(crate) fn batteries(scene: &mut Scene, rect: Rect, depth: f32) {
    scene.slab(rect, LEAD.times(0.16), depth);
    scene.slab(rect, Stuff::new(Material::Water, 1.25 * 0.3), depth);
    scene.rail(rect, 4.0, depth, 1.0, PLASTIC);
    scene.record(ObjectKind::Battery, Material::Lead, rect);
}

/// Seats with foam and steel frames; `count` seats in line along the ray.
pub(crate) fn seats(scene: &mut Scene, u0: f32, floor: f32, count: f32) {
    let cushion = Rect::new(u0, u0 + 520.0, floor + 290.0, floor + 460.0);
    scene.add(Shape::pillow(cushion, FOAM.times(1.5), 500.0 * count));
    let back = Rect::new(u0 + 420.0, u0 + 580.0, floor + 440.0, floor + 1220.0);
    scene.add(Shape::pillow(back, FOAM.times(1.5), 500.0 * count));
    let head = Rect::new(u0 + 440.0, u0 + 580.0, floor + 1240.0, floor + 1450.0);
    scene.add(Shape::pillow(head, FOAM.times(1.5), 280.0 * count));
    let base = Rect::new(u0 + 40.0, u0 + 460.0, floor, floor + 300.0);
    scene.rail(base, 3.0, 400.0, count, STEEL);
    let frame = Rect::new(u0 + 480.0, u0 + 500.0, floor + 450.0, floor + 1150.0);
    scene.slab(frame, STEEL, 60.0 * count);
}
