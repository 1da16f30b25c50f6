//! Loading the hold: a seeded mix of goods, on pallets in trailers and
//! straight on the floor in vans, front to back with gaps. The first
//! [`FRONT_GAP`] millimetres behind the front wall stay empty (where a
//! false wall may go), so a scene with and without concealment carries the
//! same load.

use rand::rngs::StdRng;
use rand::Rng;

use crate::geometry::{Rect, Texture};
use crate::goods::{bottles, cartons, drums, liquid_tank, machine_parts, sacks};
use crate::physics::{Material, WOOD};
use crate::scene::{Hold, ObjectKind, Scene};

/// Empty length left behind the front wall of the hold.
pub(crate) const FRONT_GAP: f32 = 450.0;

/// Kinds of goods, in the order of the theme weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Goods {
    Cartons,
    Bottles,
    Drums,
    LiquidTank,
    MachineParts,
    Sacks,
}

const GOODS: [Goods; 6] = [
    Goods::Cartons,
    Goods::Bottles,
    Goods::Drums,
    Goods::LiquidTank,
    Goods::MachineParts,
    Goods::Sacks,
];

/// Uniform filler that something hidden can displace: adding the same
/// shape with the opposite density removes it exactly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Content {
    pub material: Material,
    pub density: f32,
    pub texture: Option<Texture>,
}

/// One unit of load as placed: goods over their footprint, `depth` along
/// the ray.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CargoSlot {
    pub goods: Goods,
    pub rect: Rect,
    pub depth: f32,
    pub content: Option<Content>,
}

/// What a load is, as a manifest would say it: the mix of goods the
/// hold is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Load {
    /// Mostly cartons, some drinks, drums, machine parts, sacks.
    GeneralGoods,
    /// Cartons of food, bottled drinks, sacks.
    FoodAndDrink,
    /// Drums, liquid tanks, crates of machine parts, some cartons.
    Industrial,
    /// Mostly sacks of bulk goods.
    Bulk,
}

impl Load {
    pub const ALL: [Load; 4] = [
        Load::GeneralGoods,
        Load::FoodAndDrink,
        Load::Industrial,
        Load::Bulk,
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Load::GeneralGoods => "general_goods",
            Load::FoodAndDrink => "food_and_drink",
            Load::Industrial => "industrial",
            Load::Bulk => "bulk",
        }
    }
}

pub(crate) fn load(
    scene: &mut Scene,
    hold: &Hold,
    rng: &mut StdRng,
    forced: Option<Load>,
) -> Vec<CargoSlot> {
    // A manifest theme: drawn even when given, so the rest of the load
    // comes out the same either way.
    let drawn = Load::ALL[rng.gen_range(0..4)];
    let weights: [u32; 6] = match forced.unwrap_or(drawn) {
        Load::GeneralGoods => [60, 12, 5, 4, 9, 10],
        Load::FoodAndDrink => [45, 40, 0, 0, 0, 15],
        Load::Industrial => [20, 0, 25, 20, 35, 0],
        Load::Bulk => [30, 0, 0, 0, 0, 70],
    };
    let total: u32 = weights.iter().sum();
    let start = hold.u0 + FRONT_GAP;
    let fill = rng.gen_range(0.55..0.97);
    let end = start + fill * (hold.u1 - start);
    let mut slots = Vec::new();
    let mut u = start;
    loop {
        let mut pick = rng.gen_range(0..total);
        let mut goods = Goods::Cartons;
        for (g, w) in GOODS.iter().zip(weights) {
            if pick < w {
                goods = *g;
                break;
            }
            pick -= w;
        }
        if !hold.palletised && matches!(goods, Goods::Drums | Goods::LiquidTank) {
            goods = Goods::Cartons;
        }
        let len = if hold.palletised {
            if goods == Goods::LiquidTank {
                1200.0
            } else {
                [1200.0, 1200.0, 1000.0, 800.0][rng.gen_range(0..4)]
            }
        } else {
            rng.gen_range(350.0..1100.0)
        };
        let limit = if slots.is_empty() { hold.u1 } else { end };
        if u + len > limit.min(hold.u1 - 10.0) {
            break;
        }
        let depth = rng.gen_range(0.7..0.97) * hold.depth;
        let mut floor = hold.floor;
        if hold.palletised && goods != Goods::LiquidTank {
            pallet(scene, u, u + len, floor, depth);
            floor += 144.0;
        }
        let room = Rect::new(u, u + len, floor, hold.ceiling - 40.0);
        let slot = match goods {
            Goods::Cartons => cartons(scene, rng, room, depth),
            Goods::Bottles => bottles(scene, rng, room, depth),
            Goods::Drums => drums(scene, rng, room, depth),
            Goods::LiquidTank => liquid_tank(scene, rng, room, depth),
            Goods::MachineParts => machine_parts(scene, rng, room, depth),
            Goods::Sacks => sacks(scene, rng, room, depth),
        };
        slots.push(slot);
        u += len
            + if rng.gen_bool(0.15) {
                rng.gen_range(250.0..700.0)
            } else {
                rng.gen_range(20.0..120.0)
            };
    }
    slots
}

fn pallet(scene: &mut Scene, u0: f32, u1: f32, v: f32, depth: f32) {
    let wood = Material::Organic;
    scene.slab(Rect::new(u0, u1, v + 122.0, v + 144.0), WOOD, 0.75 * depth);
    scene.slab(Rect::new(u0, u1, v, v + 22.0), WOOD, 0.45 * depth);
    let block = 145.0;
    for b in [u0, 0.5 * (u0 + u1 - block), u1 - block] {
        scene.slab(
            Rect::new(b, b + block, v + 22.0, v + 122.0),
            WOOD,
            0.4 * depth,
        );
    }
    scene.record(ObjectKind::Pallet, wood, Rect::new(u0, u1, v, v + 144.0));
}
