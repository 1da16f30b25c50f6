//! The goods that go in a hold, each built over its footprint (`room`)
//! with a depth along the ray, and recorded as one object.

use rand::rngs::StdRng;
use rand::Rng;

use crate::cargo::{CargoSlot, Content, Goods};
use crate::geometry::{Profile, Rect, Shape, Texture};
use crate::physics::{Material, Stuff, ALU, CARDBOARD, PLASTIC, STEEL, WATER, WOOD};
use crate::scene::{ObjectKind, Scene};

/// Upright bottles or jars of liquid `depth` deep along the ray: the pack
/// nearest the detector lines up in visible columns, packs further along
/// are offset from it and add up to an even layer.
fn rows_of_cylinders(scene: &mut Scene, r: Rect, pitch: f32, radius: f32, depth: f32, rho: f32) {
    let aligned = (depth / pitch).min(4.0);
    let row = Profile::CylinderRow {
        pitch,
        r: radius,
        count: aligned,
    };
    scene.add(Shape::new(r, row, Stuff::new(Material::Water, rho)));
    let rest = depth - aligned * pitch;
    if rest > 0.0 {
        // Mean chord of a row of circles of this radius at this pitch.
        let fill = std::f32::consts::PI * radius * radius / (pitch * pitch);
        scene.slab(r, Stuff::new(Material::Water, rho), rest * fill);
    }
}

fn texture(rng: &mut StdRng, cell: (f32, f32), amp: (f32, f32)) -> Texture {
    Texture {
        cell: rng.gen_range(cell.0..cell.1),
        amp: rng.gen_range(amp.0..amp.1),
        seed: rng.gen(),
    }
}

/// Cardboard cartons in a grid, their walls parallel to the ray showing as
/// outlines; bulk goods inside, or rows of jars and bottles.
pub(crate) fn cartons(scene: &mut Scene, rng: &mut StdRng, room: Rect, depth: f32) -> CargoSlot {
    let organic = Material::Organic;
    let per_row = rng
        .gen_range(1..=4)
        .min((room.width() / 250.0) as usize)
        .max(1);
    let cw = room.width() / per_row as f32;
    let ch = rng.gen_range(220.0..480.0);
    let layers = ((rng.gen_range(0.45..1.0) * room.height()) / ch)
        .floor()
        .max(1.0) as usize;
    // Bulk density of packed consumer goods, mostly light.
    let density = 0.05 + 0.3 * rng.gen_range(0.0..1.0_f32).powi(2);
    let tex = texture(rng, (30.0, 140.0), (0.2, 0.6));
    let jars = rng.gen_bool(0.25);
    let pitch = rng.gen_range(70.0..110.0);
    let across = (depth / rng.gen_range(300.0..600.0)).round().max(1.0);
    let content = Content {
        material: organic,
        density,
        texture: Some(tex),
    };
    let mut top = room.v0;
    for layer in 0..layers {
        let v0 = room.v0 + layer as f32 * ch;
        for i in 0..per_row {
            if layer + 1 == layers && layers > 1 && rng.gen_bool(0.3) {
                continue;
            }
            let u0 = room.u0 + i as f32 * cw;
            let r = Rect::new(u0 + 2.0, u0 + cw - 2.0, v0, v0 + ch - 2.0);
            top = top.max(r.v1);
            for strip in [
                Rect::new(r.u0, r.u0 + 4.0, r.v0, r.v1),
                Rect::new(r.u1 - 4.0, r.u1, r.v0, r.v1),
                Rect::new(r.u0, r.u1, r.v0, r.v0 + 7.0),
                Rect::new(r.u0, r.u1, r.v1 - 7.0, r.v1),
            ] {
                scene.slab(strip, CARDBOARD, depth);
            }
            scene.slab(r, CARDBOARD, 2.0 * 4.0 * across);
            let inner = Rect::new(r.u0 + 4.0, r.u1 - 4.0, r.v0 + 7.0, r.v1 - 7.0);
            if jars {
                let h = inner.v0 + 0.85 * inner.height();
                rows_of_cylinders(
                    scene,
                    Rect::new(inner.u0, inner.u1, inner.v0, h),
                    pitch,
                    0.44 * pitch,
                    depth,
                    0.9,
                );
            } else {
                let fill = content.density;
                scene.add(Shape::slab(inner, Stuff::organic(fill), depth).textured(tex));
            }
        }
    }
    let rect = Rect::new(room.u0, room.u1, room.v0, top);
    let material = if jars { Material::Water } else { organic };
    scene.record(ObjectKind::Cartons, material, rect);
    CargoSlot {
        goods: Goods::Cartons,
        rect,
        depth,
        content: (!jars).then_some(content),
    }
}

/// Shrink-wrapped packs of PET bottles, layers on slip sheets.
pub(crate) fn bottles(scene: &mut Scene, rng: &mut StdRng, room: Rect, depth: f32) -> CargoSlot {
    let pitch = rng.gen_range(80.0..100.0);
    let h = rng.gen_range(260.0..330.0);
    let layers = ((rng.gen_range(0.5..1.0) * room.height()) / (h + 40.0))
        .floor()
        .max(1.0) as usize;
    let count = depth / pitch;
    for layer in 0..layers {
        let v0 = room.v0 + layer as f32 * (h + 40.0);
        scene.slab(Rect::new(room.u0, room.u1, v0, v0 + 3.0), CARDBOARD, depth);
        rows_of_cylinders(
            scene,
            Rect::new(room.u0, room.u1, v0 + 5.0, v0 + 5.0 + h),
            pitch,
            0.46 * pitch,
            depth,
            WATER.density,
        );
        let neck = Profile::CylinderRow {
            pitch,
            r: 0.14 * pitch,
            count: count.min(4.0),
        };
        scene.add(Shape::new(
            Rect::new(room.u0, room.u1, v0 + 5.0 + h, v0 + 35.0 + h),
            neck,
            PLASTIC,
        ));
    }
    let rect = Rect::new(
        room.u0,
        room.u1,
        room.v0,
        room.v0 + layers as f32 * (h + 40.0),
    );
    scene.record(ObjectKind::BottledLiquid, Material::Water, rect);
    CargoSlot {
        goods: Goods::Bottles,
        rect,
        depth,
        content: None,
    }
}

/// 200-litre steel drums, upright, filled with water or oil.
pub(crate) fn drums(scene: &mut Scene, rng: &mut StdRng, room: Rect, depth: f32) -> CargoSlot {
    let (r, h) = (292.0, 880.0);
    let count = (depth / 600.0).floor().max(1.0);
    let oil = rng.gen_bool(0.5);
    let (liquid, rho) = if oil {
        (Material::Organic, 0.88)
    } else {
        (Material::Water, WATER.density)
    };
    let n = ((room.width() / 600.0).floor() as usize).max(1);
    let pitch = room.width() / n as f32;
    let (v0, v1) = (room.v0, room.v0 + h);
    for i in 0..n {
        let cu = room.u0 + pitch * (i as f32 + 0.5);
        let shell = |wall: f32, rr: f32| Profile::vcyl(cu, rr, wall, count);
        let span = Rect::new(cu - r, cu + r, v0, v1);
        scene.add(Shape::new(span, shell(1.2, r), STEEL));
        for (a, b) in [(v0, v0 + 2.5), (v1 - 2.5, v1)] {
            scene.add(Shape::new(
                Rect::new(span.u0, span.u1, a, b),
                shell(0.0, r),
                STEEL,
            ));
        }
        for f in [0.33, 0.66] {
            let v = v0 + f * h;
            let hoop = Rect::new(cu - r - 8.0, cu + r + 8.0, v - 8.0, v + 8.0);
            scene.add(Shape::new(hoop, shell(3.0, r + 8.0), STEEL));
        }
        let level = v0 + rng.gen_range(0.6..0.95) * h;
        let inside = Rect::new(cu - r, cu + r, v0 + 2.5, level);
        scene.add(Shape::new(
            inside,
            shell(0.0, r - 1.2),
            Stuff::new(liquid, rho),
        ));
    }
    let rect = Rect::new(room.u0, room.u1, v0, v1);
    scene.record(ObjectKind::Drums, liquid, rect);
    CargoSlot {
        goods: Goods::Drums,
        rect,
        depth,
        content: None,
    }
}

/// An IBC: a plastic tank of liquid in a cage of steel tubes, on a base.
pub(crate) fn liquid_tank(
    scene: &mut Scene,
    rng: &mut StdRng,
    room: Rect,
    depth: f32,
) -> CargoSlot {
    let (u0, u1) = (room.u0, room.u1);
    let count = (depth / 1000.0).floor().clamp(1.0, 2.0);
    let (v0, v1) = (room.v0 + 150.0, room.v0 + 1160.0);
    scene.rail(
        Rect::new(u0, u1, room.v0, v0),
        3.0,
        1000.0 * count,
        1.0,
        STEEL,
    );
    scene.slab(
        Rect::new(u0 + 30.0, u1 - 30.0, v0, v1 - 30.0),
        PLASTIC,
        2.0 * 2.0 * count,
    );
    for a in [u0 + 30.0, u1 - 32.0] {
        scene.slab(Rect::new(a, a + 2.0, v0, v1 - 30.0), PLASTIC, 950.0 * count);
    }
    let level = v0 + rng.gen_range(0.5..0.97) * (v1 - 30.0 - v0);
    let rho = rng.gen_range(1.0..1.25);
    scene.slab(
        Rect::new(u0 + 32.0, u1 - 32.0, v0 + 2.0, level),
        Stuff::new(Material::Water, rho),
        950.0 * count,
    );
    let mut u = u0 + 15.0;
    while u < u1 {
        let p = Profile::vcyl(u, 10.0, 1.5, 2.0 * count);
        scene.add(Shape::new(Rect::new(u - 10.0, u + 10.0, v0, v1), p, STEEL));
        u += 195.0;
    }
    let mut v = v0 + 20.0;
    while v < v1 {
        let p = Profile::hcyl(v, 10.0, 1.5, 2.0 * count);
        scene.add(Shape::new(Rect::new(u0, u1, v - 10.0, v + 10.0), p, STEEL));
        v += 240.0;
    }
    let rect = Rect::new(u0, u1, room.v0, v1);
    scene.record(ObjectKind::LiquidTank, Material::Water, rect);
    CargoSlot {
        goods: Goods::LiquidTank,
        rect,
        depth,
        content: None,
    }
}

/// A wooden crate of machine parts: castings, gears, shafts, a motor,
/// aluminium profiles.
pub(crate) fn machine_parts(
    scene: &mut Scene,
    rng: &mut StdRng,
    room: Rect,
    depth: f32,
) -> CargoSlot {
    let steel = Material::Steel;
    let h = rng.gen_range(500.0..1300.0_f32).min(room.height());
    let crate_rect = Rect::new(room.u0, room.u1, room.v0, room.v0 + h);
    scene.slab(crate_rect, WOOD, 2.0 * 20.0);
    scene.cross_box(crate_rect, 20.0, depth, WOOD);
    let inner = Rect::new(
        room.u0 + 30.0,
        room.u1 - 30.0,
        room.v0 + 30.0,
        room.v0 + h - 30.0,
    );
    let parts = rng.gen_range(2..6);
    for _ in 0..parts {
        let cu = rng.gen_range(inner.u0..inner.u1);
        match rng.gen_range(0..5) {
            0 => {
                let (w, hh) = (
                    rng.gen_range(120.0..450.0),
                    rng.gen_range(100.0..400.0_f32).min(inner.height()),
                );
                let r = Rect::new(cu - 0.5 * w, cu + 0.5 * w, inner.v0, inner.v0 + hh);
                let t = texture(rng, (30.0, 80.0), (0.3, 0.6));
                scene.add(Shape::slab(r, STEEL, rng.gen_range(80.0..350.0)).textured(t));
            }
            1 => {
                let r_out = rng.gen_range(90.0..240.0_f32).min(0.5 * inner.height());
                let cv = inner.v0 + r_out;
                scene.add(Shape::new(
                    Rect::around(cu, cv, r_out),
                    Profile::ring(cu, cv, 0.25 * r_out, r_out, rng.gen_range(40.0..120.0)),
                    STEEL,
                ));
            }
            2 => {
                let r = rng.gen_range(25.0..60.0);
                let len = rng.gen_range(300.0..900.0);
                let cv = inner.v0 + r;
                let p = Profile::hcyl(cv, r, 0.0, 1.0);
                scene.add(Shape::new(
                    Rect::new(cu - 0.5 * len, cu + 0.5 * len, cv - r, cv + r),
                    p,
                    STEEL,
                ));
            }
            3 => {
                let r_out = rng.gen_range(130.0..200.0_f32).min(0.5 * inner.height());
                let cv = inner.v0 + r_out;
                let len = rng.gen_range(250.0..400.0);
                for (r_in, r_o, rho) in [
                    (0.0, 0.55 * r_out, STEEL.density),
                    (0.6 * r_out, 0.9 * r_out, 8.9),
                    (0.93 * r_out, r_out, STEEL.density),
                ] {
                    let p = Profile::ring(cu, cv, r_in, r_o, len);
                    scene.add(Shape::new(
                        Rect::around(cu, cv, r_o),
                        p,
                        Stuff::new(Material::Steel, rho * 0.8),
                    ));
                }
            }
            _ => {
                let r = Rect::new(
                    inner.u0,
                    inner.u1,
                    inner.v0,
                    inner.v0 + rng.gen_range(60.0..200.0_f32).min(inner.height()),
                );
                scene.slab(r, ALU, 0.3 * depth);
            }
        }
    }
    scene.record(ObjectKind::MachineParts, steel, crate_rect);
    CargoSlot {
        goods: Goods::MachineParts,
        rect: crate_rect,
        depth,
        content: None,
    }
}

/// Sacks of bulk goods stacked in a brick pattern.
pub(crate) fn sacks(scene: &mut Scene, rng: &mut StdRng, room: Rect, depth: f32) -> CargoSlot {
    let (ru, rv) = (
        rng.gen_range(280.0..420.0_f32).min(0.5 * room.width()),
        rng.gen_range(65.0..100.0),
    );
    let rho = rng.gen_range(0.55..0.85);
    let layers = ((rng.gen_range(0.4..0.9) * room.height()) / (1.7 * rv))
        .floor()
        .max(1.0) as usize;
    let tex = texture(rng, (40.0, 90.0), (0.1, 0.25));
    for layer in 0..layers {
        let cv = room.v0 + rv + layer as f32 * 1.7 * rv;
        let shift = if layer % 2 == 0 { 0.0 } else { ru };
        let mut cu = room.u0 + ru + shift;
        while cu + ru <= room.u1 + 1.0 {
            let p = Profile::Pillow {
                cu,
                cv,
                ru,
                rv: 1.05 * rv,
                depth: 0.9 * depth,
            };
            scene.add(
                Shape::new(
                    Rect::new(cu - ru, cu + ru, cv - 1.05 * rv, cv + 1.05 * rv),
                    p,
                    Stuff::organic(rho),
                )
                .textured(tex),
            );
            cu += 2.0 * ru;
        }
    }
    let rect = Rect::new(
        room.u0,
        room.u1,
        room.v0,
        room.v0 + (layers as f32 * 1.7 + 0.4) * rv,
    );
    scene.record(ObjectKind::Sacks, Material::Organic, rect);
    CargoSlot {
        goods: Goods::Sacks,
        rect,
        depth,
        content: None,
    }
}
