//! Hiding things where customs officers look: behind a false front wall,
//! inside a tyre, as a dense block among the cargo, a metal cylinder in a
//! load. At least two of the four go into a concealed scene. Goods that a
//! hidden object takes the place of are removed, so the difference from
//! the same scene without concealment is the hidden object against what it
//! displaced. Some trailers also get a false floor with packages under it
//! ([`false_floor`], before the load goes in): the load then stands on it.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::cargo::{CargoSlot, Goods, FRONT_GAP};
use crate::geometry::{Profile, Rect, Shape, Texture};
use crate::physics::{Material, Stuff, LEAD, STEEL};
use crate::scene::{Hold, Layout, ObjectKind, Scene};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hide {
    FalseWall,
    Tyre,
    DenseBlock,
    Cylinder,
}

pub(crate) fn conceal(scene: &mut Scene, layout: &Layout, slots: &[CargoSlot], rng: &mut StdRng) {
    let mut all = [
        Hide::FalseWall,
        Hide::Tyre,
        Hide::DenseBlock,
        Hide::Cylinder,
    ];
    all.shuffle(rng);
    let n = rng.gen_range(2..=4);
    for hide in &all[..n] {
        match hide {
            Hide::FalseWall => false_wall(scene, layout, rng),
            Hide::Tyre => tyre(scene, layout, rng),
            Hide::DenseBlock => dense_block(scene, layout, slots, rng),
            Hide::Cylinder => cylinder(scene, layout, slots, rng),
        }
    }
}

/// Compressed packages: organic, about as dense as water, in bricks.
fn packages(rng: &mut StdRng) -> (f32, Texture) {
    let texture = Texture {
        cell: rng.gen_range(25.0..60.0),
        amp: rng.gen_range(0.15..0.3),
        seed: rng.gen(),
    };
    (rng.gen_range(0.95..1.25), texture)
}

/// A second wall a few hundred millimetres behind the front wall, the
/// space between packed with bricks of packages.
fn false_wall(scene: &mut Scene, layout: &Layout, rng: &mut StdRng) {
    let hold = &layout.hold;
    let gap = rng.gen_range(0.55..0.9) * FRONT_GAP;
    let (u0, u1) = (hold.u0, hold.u0 + gap);
    let top = hold.floor + rng.gen_range(0.7..1.0) * (hold.ceiling - hold.floor);
    let thickness = match hold.wall.material {
        Material::Aluminium => 3.0,
        Material::Steel => 1.5,
        _ => 12.0,
    };
    scene.slab(
        Rect::new(u1 - thickness, u1, hold.floor, hold.ceiling),
        hold.wall,
        hold.depth * 0.97,
    );
    let (rho, texture) = packages(rng);
    let (bw, bh) = (rng.gen_range(140.0..240.0), rng.gen_range(70.0..130.0));
    let mut v = hold.floor;
    while v + bh <= top {
        let mut u = u0 + 10.0;
        while u + bw <= u1 - thickness {
            let brick = Rect::new(u, u + bw - 6.0, v, v + bh - 4.0);
            scene.add(Shape::slab(brick, Stuff::organic(rho), 0.92 * hold.depth).textured(texture));
            u += bw;
        }
        v += bh;
    }
    scene.record(
        ObjectKind::FalseWallCompartment,
        Material::Organic,
        Rect::new(u0, u1, hold.floor, hold.ceiling),
    );
}

/// A second floor 100–160 mm above the real one, the length of the hold,
/// with flat packages packed under it over most of its length. The load
/// is then put on it (`hold.floor` is raised), so what shows is a floor
/// line too high and a dense band beneath it.
pub(crate) fn false_floor(scene: &mut Scene, hold: &mut Hold, rng: &mut StdRng) {
    let height = rng.gen_range(100.0..160.0);
    let plate = 4.0;
    let top = hold.floor + height;
    scene.slab(
        Rect::new(hold.u0, hold.u1, top - plate, top),
        Stuff::new(Material::Steel, STEEL.density),
        hold.depth * 0.97,
    );
    let (rho, texture) = packages(rng);
    let start = hold.u0 + rng.gen_range(0.05..0.2) * (hold.u1 - hold.u0);
    let end = hold.u1 - rng.gen_range(0.05..0.3) * (hold.u1 - hold.u0);
    let bw = rng.gen_range(300.0..520.0);
    let mut u = start;
    while u + bw <= end {
        let brick = Rect::new(u, u + bw - 8.0, hold.floor + 4.0, top - plate - 4.0);
        scene.add(Shape::slab(brick, Stuff::organic(rho), 0.9 * hold.depth).textured(texture));
        u += bw;
    }
    scene.record(
        ObjectKind::FalseFloorCompartment,
        Material::Organic,
        Rect::new(start, u.max(start + 1.0), hold.floor, top),
    );
    hold.floor = top;
}

/// Packages filling the cavity of one tyre of a wheel.
fn tyre(scene: &mut Scene, layout: &Layout, rng: &mut StdRng) {
    let Some(w) = layout.wheels.choose(rng) else {
        return;
    };
    let (r_in, r_out) = (w.r_rim + 20.0, w.r_out - 0.09 * w.r_out - 15.0);
    let (rho, texture) = packages(rng);
    let profile = Profile::ring(w.cu, w.cv, r_in, r_out, 0.75 * w.width);
    scene.add(
        Shape::new(
            Rect::around(w.cu, w.cv, r_out),
            profile,
            Stuff::organic(rho),
        )
        .textured(texture),
    );
    scene.record(
        ObjectKind::TyreCache,
        Material::Organic,
        Rect::around(w.cu, w.cv, w.r_out),
    );
}

/// A slot to hide in: cartons of uniform goods first, then anything.
fn pick_slot<'a>(slots: &'a [CargoSlot], rng: &mut StdRng) -> Option<&'a CargoSlot> {
    let uniform: Vec<&CargoSlot> = slots.iter().filter(|s| s.content.is_some()).collect();
    if let Some(s) = uniform.choose(rng) {
        return Some(s);
    }
    slots.choose(rng)
}

/// A block of packages taking the place of part of a carton stack, away
/// from its outside faces.
fn dense_block(scene: &mut Scene, layout: &Layout, slots: &[CargoSlot], rng: &mut StdRng) {
    let hold = &layout.hold;
    let (rect, depth, content) = match pick_slot(slots, rng) {
        Some(s) => (s.rect, s.depth, s.content),
        None => {
            let r = Rect::new(
                hold.u0 + FRONT_GAP,
                hold.u0 + FRONT_GAP + 800.0,
                hold.floor,
                hold.floor + 600.0,
            );
            (r, 0.8 * hold.depth, None)
        }
    };
    let w = rng.gen_range(0.4..0.7) * rect.width();
    let h = rng.gen_range(0.3..0.6) * rect.height().max(300.0);
    let u0 = rect.u0 + rng.gen_range(0.0..=(rect.width() - w).max(0.0));
    let v0 = rect.v0 + rng.gen_range(0.0..=(rect.height() - h).max(0.0) * 0.7);
    let block = Rect::new(u0, u0 + w, v0, v0 + h);
    let d = rng.gen_range(0.35..0.55) * depth;
    let (rho, texture) = packages(rng);
    scene.add(Shape::slab(block, Stuff::organic(rho), d).textured(texture));
    if let Some(c) = content {
        let mut displaced = Shape::slab(block, Stuff::new(c.material, -c.density), d);
        displaced.texture = c.texture;
        scene.add(displaced);
    }
    scene.record(ObjectKind::DenseOrganicBlock, Material::Organic, block);
}

/// A steel or lead cylinder (a shielded container), lying across the
/// vehicle or standing, inside a load.
fn cylinder(scene: &mut Scene, layout: &Layout, slots: &[CargoSlot], rng: &mut StdRng) {
    let hold = &layout.hold;
    let lead = rng.gen_bool(0.6);
    let (material, rho) = if lead {
        (Material::Lead, LEAD.density)
    } else {
        (Material::Steel, STEEL.density)
    };
    let r = rng.gen_range(70.0..150.0);
    let len = rng.gen_range(250.0..550.0);
    let slot = pick_slot(slots, rng).filter(|s| s.goods != Goods::LiquidTank || rng.gen_bool(0.5));
    let area = slot.map_or(
        Rect::new(hold.u0 + FRONT_GAP, hold.u1, hold.floor, hold.floor + 800.0),
        |s| s.rect,
    );
    let standing = rng.gen_bool(0.4);
    let (half_u, half_v) = if standing { (r, 0.5 * len) } else { (r, r) };
    let cu = pick(rng, area.u0 + half_u, area.u1 - half_u);
    let cv = pick(rng, area.v0 + half_v, area.v1 - half_v);
    let rect = Rect::new(cu - half_u, cu + half_u, cv - half_v, cv + half_v);
    let wall = if lead { 0.45 * r } else { 0.2 * r };
    let (outer, cavity) = if standing {
        (
            Profile::vcyl(cu, r, 0.0, 1.0),
            Profile::vcyl(cu, r - wall, 0.0, 1.0),
        )
    } else {
        (
            Profile::ring(cu, cv, 0.0, r, len),
            Profile::ring(cu, cv, 0.0, r - wall, len - 2.0 * wall),
        )
    };
    scene.add(Shape::new(rect, outer, Stuff::new(material, rho)));
    // The cavity inside: whatever it shields weighs little next to it.
    let inner = if standing {
        Rect::new(rect.u0, rect.u1, rect.v0 + wall, rect.v1 - wall)
    } else {
        rect
    };
    scene.add(Shape::new(inner, cavity, Stuff::new(material, -rho)));
    if let Some(c) = slot.and_then(|s| s.content) {
        let mut displaced = Shape::new(rect, outer, Stuff::new(c.material, -c.density));
        displaced.texture = c.texture;
        scene.add(displaced);
    }
    scene.record(ObjectKind::MetalCylinder, material, rect);
}

/// A uniform value in [lo, hi], or their middle when the range is empty.
fn pick(rng: &mut StdRng, lo: f32, hi: f32) -> f32 {
    if hi > lo {
        rng.gen_range(lo..hi)
    } else {
        0.5 * (lo + hi)
    }
}
