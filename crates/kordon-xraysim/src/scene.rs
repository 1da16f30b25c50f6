//! What a scan shows: the scene description, the objects placed in it, and
//! the builder helpers shared by the vehicle, cargo and concealment code.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::geometry::{Profile, Rect, Shape};
use crate::physics::{Material, Stuff, STEEL};
use crate::{cargo, concealment, tractor, trailers, van};

/// The vehicle in the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VehicleKind {
    /// A tractor unit pulling a semi-trailer with an aluminium box body
    /// (13.6 m, palletised load).
    BoxTrailer,
    /// A tractor unit pulling a skeletal chassis carrying a 40-foot steel
    /// ISO container (standard or high-cube, palletised load).
    ContainerTrailer,
    /// A 3.5 t panel van with parcels in the back.
    Van,
}

/// What a placed object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// The driver's cab (its shell).
    Cab,
    /// Engine block, head and gearbox.
    Engine,
    /// A fuel tank, with diesel up to some level.
    FuelTank,
    /// Lead-acid batteries in their box.
    Battery,
    /// One axle line of wheels: tyres, rims, hub, axle.
    Wheel,
    /// The cargo body: container, box body or van load space.
    CargoBody,
    /// A wooden pallet base.
    Pallet,
    /// Cardboard cartons of (mostly organic) goods.
    Cartons,
    /// Packs of bottled drinks.
    BottledLiquid,
    /// Steel drums of liquid.
    Drums,
    /// An intermediate bulk container: plastic tank of liquid in a steel cage.
    LiquidTank,
    /// A crate of machine parts (steel, some aluminium).
    MachineParts,
    /// Stacked sacks of bulk goods.
    Sacks,
    /// Concealed: packages behind a false front wall of the load space.
    FalseWallCompartment,
    /// Concealed: packages inside a tyre.
    TyreCache,
    /// Concealed: a dense block of organic packages among the cargo.
    DenseOrganicBlock,
    /// Concealed: a metal (steel or lead) cylinder among the cargo.
    MetalCylinder,
    /// Concealed: packages under a second floor the load stands on.
    FalseFloorCompartment,
}

impl ObjectKind {
    /// A stable snake_case name, for ground-truth files.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Cab => "cab",
            ObjectKind::Engine => "engine",
            ObjectKind::FuelTank => "fuel_tank",
            ObjectKind::Battery => "battery",
            ObjectKind::Wheel => "wheel",
            ObjectKind::CargoBody => "cargo_body",
            ObjectKind::Pallet => "pallet",
            ObjectKind::Cartons => "cartons",
            ObjectKind::BottledLiquid => "bottled_liquid",
            ObjectKind::Drums => "drums",
            ObjectKind::LiquidTank => "liquid_tank",
            ObjectKind::MachineParts => "machine_parts",
            ObjectKind::Sacks => "sacks",
            ObjectKind::FalseWallCompartment => "false_wall_compartment",
            ObjectKind::TyreCache => "tyre_cache",
            ObjectKind::DenseOrganicBlock => "dense_organic_block",
            ObjectKind::MetalCylinder => "metal_cylinder",
            ObjectKind::FalseFloorCompartment => "false_floor_compartment",
        }
    }

    /// True for what a customs officer should find.
    pub fn is_concealed(self) -> bool {
        matches!(
            self,
            ObjectKind::FalseWallCompartment
                | ObjectKind::TyreCache
                | ObjectKind::DenseOrganicBlock
                | ObjectKind::MetalCylinder
                | ObjectKind::FalseFloorCompartment
        )
    }
}

/// One object of the ground truth: what it is, its dominant material and
/// its bounding box in image pixels `(x, y, w, h)`, clipped to the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlacedObject {
    pub kind: ObjectKind,
    pub material: Material,
    pub bbox: (u32, u32, u32, u32),
}

/// An object before it is mapped to pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SceneObject {
    pub kind: ObjectKind,
    pub material: Material,
    pub rect: Rect,
}

/// The space cargo can go in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hold {
    pub u0: f32,
    pub u1: f32,
    pub floor: f32,
    pub ceiling: f32,
    /// Inside width, i.e. the extent along the ray.
    pub depth: f32,
    /// What the walls are made of (for a false wall that matches them).
    pub wall: Stuff,
    /// Loads go on pallets (trailers) or straight on the floor (vans).
    pub palletised: bool,
}

/// One axle line of wheels, as seen from the side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WheelSpec {
    pub cu: f32,
    pub cv: f32,
    pub r_out: f32,
    pub r_rim: f32,
    /// Section width of one tyre.
    pub width: f32,
    /// Tyres in line along the ray (2 for singles, 4 for twin tyres).
    pub tyres: f32,
}

/// The vehicle as built: its hold and its wheels.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub hold: Hold,
    pub wheels: Vec<WheelSpec>,
}

/// Shapes and ground-truth objects, in scene millimetres.
#[derive(Debug, Default)]
pub(crate) struct Scene {
    pub shapes: Vec<Shape>,
    pub objects: Vec<SceneObject>,
}

impl Scene {
    pub fn add(&mut self, shape: Shape) {
        if shape.rect.width() > 0.0 && shape.rect.height() > 0.0 && shape.density != 0.0 {
            self.shapes.push(shape);
        }
    }

    pub fn slab(&mut self, rect: Rect, stuff: Stuff, depth: f32) {
        self.add(Shape::slab(rect, stuff, depth));
    }

    pub fn record(&mut self, kind: ObjectKind, material: Material, rect: Rect) {
        self.objects.push(SceneObject {
            kind,
            material,
            rect,
        });
    }

    /// A hollow member running along the vehicle, seen from the side: the
    /// two walls facing the ray over the whole section, and the top and
    /// bottom walls seen edge-on, which cross `across` millimetres of the
    /// vehicle. `count` members lie in line along the ray.
    pub fn rail(&mut self, r: Rect, wall: f32, across: f32, count: f32, stuff: Stuff) {
        self.slab(r, stuff, 2.0 * wall * count);
        self.slab(
            Rect::new(r.u0, r.u1, r.v0, r.v0 + wall),
            stuff,
            across * count,
        );
        self.slab(
            Rect::new(r.u0, r.u1, r.v1 - wall, r.v1),
            stuff,
            across * count,
        );
    }

    /// Like [`Scene::rail`] for an upright member: its front and back
    /// walls are the ones seen edge-on.
    pub fn post(&mut self, r: Rect, wall: f32, across: f32, count: f32, stuff: Stuff) {
        self.slab(r, stuff, 2.0 * wall * count);
        self.slab(
            Rect::new(r.u0, r.u0 + wall, r.v0, r.v1),
            stuff,
            across * count,
        );
        self.slab(
            Rect::new(r.u1 - wall, r.u1, r.v0, r.v1),
            stuff,
            across * count,
        );
    }

    /// A steel I-beam running along u: web facing the ray, flanges edge-on.
    pub fn beam_along(&mut self, r: Rect, web: f32, flange: f32, flange_width: f32, count: f32) {
        self.slab(r, STEEL, web * count);
        let depth = flange_width * count;
        self.slab(Rect::new(r.u0, r.u1, r.v0, r.v0 + flange), STEEL, depth);
        self.slab(Rect::new(r.u0, r.u1, r.v1 - flange, r.v1), STEEL, depth);
    }

    /// A member crossing the vehicle (its axis along the ray), with a
    /// hollow rectangular section `r` of wall thickness `wall`.
    pub fn cross_box(&mut self, r: Rect, wall: f32, length: f32, stuff: Stuff) {
        self.slab(Rect::new(r.u0, r.u1, r.v0, r.v0 + wall), stuff, length);
        self.slab(Rect::new(r.u0, r.u1, r.v1 - wall, r.v1), stuff, length);
        let (v0, v1) = (r.v0 + wall, r.v1 - wall);
        self.slab(Rect::new(r.u0, r.u0 + wall, v0, v1), stuff, length);
        self.slab(Rect::new(r.u1 - wall, r.u1, v0, v1), stuff, length);
    }

    /// A steel I-section member crossing the vehicle: flanges top and
    /// bottom, web in the middle.
    pub fn cross_ibeam(&mut self, r: Rect, web: f32, flange: f32, length: f32) {
        self.slab(Rect::new(r.u0, r.u1, r.v0, r.v0 + flange), STEEL, length);
        self.slab(Rect::new(r.u0, r.u1, r.v1 - flange, r.v1), STEEL, length);
        let mid = 0.5 * (r.u0 + r.u1);
        let web_rect = Rect::new(
            mid - 0.5 * web,
            mid + 0.5 * web,
            r.v0 + flange,
            r.v1 - flange,
        );
        self.slab(web_rect, STEEL, length);
    }

    /// A round steel tube crossing the vehicle, seen end-on as a ring.
    pub fn cross_tube(&mut self, cu: f32, cv: f32, r: f32, wall: f32, length: f32) {
        let ring = Profile::ring(cu, cv, (r - wall).max(0.0), r, length);
        self.add(Shape::new(Rect::around(cu, cv, r), ring, STEEL));
    }
}

/// Build the whole scene for a spec: vehicle, cargo, and what is hidden.
///
/// Each part draws from its own seeded stream, so a scene with concealment
/// is the same scene as without, plus the hidden objects; but for a false
/// floor, which lifts the load (and leaves it less room).
pub(crate) fn build(
    seed: u64,
    kind: VehicleKind,
    concealed: bool,
    load: Option<cargo::Load>,
) -> (Scene, Layout) {
    let mut scene = Scene::default();
    let mut vehicle_rng = StdRng::seed_from_u64(seed ^ 0x7e41_c1e5_0000_0000);
    let layout = match kind {
        VehicleKind::BoxTrailer | VehicleKind::ContainerTrailer => {
            let tractor = tractor::tractor(&mut scene, &mut vehicle_rng, kind);
            trailers::semi_trailer(&mut scene, &mut vehicle_rng, kind, &tractor)
        }
        VehicleKind::Van => van::van(&mut scene, &mut vehicle_rng),
    };
    // A concealed load may stand on a false floor (its own random stream,
    // so the other hiding places come out as without it).
    let mut hold = layout.hold;
    if concealed && hold.palletised {
        let mut floor_rng = StdRng::seed_from_u64(seed ^ 0xf100_4000_0000_0000);
        if floor_rng.gen_bool(0.4) {
            concealment::false_floor(&mut scene, &mut hold, &mut floor_rng);
        }
    }
    let mut cargo_rng = StdRng::seed_from_u64(seed ^ 0xca56_0000_0000_0000);
    let slots = cargo::load(&mut scene, &hold, &mut cargo_rng, load);
    if concealed {
        let mut hide_rng = StdRng::seed_from_u64(seed ^ 0x41de_0000_0000_0000);
        concealment::conceal(&mut scene, &layout, &slots, &mut hide_rng);
    }
    (scene, layout)
}
