//! Dual-energy material classes, coloured as X-ray operators know them:
//! orange for organic, green for inorganic and light metals, blue for
//! metals, brightness from how much the object attenuates.
//!
//! # The ratio
//!
//! A scan records transmitted intensity `I = I0 · exp(−μ·t)` for an object
//! of thickness `t` and attenuation coefficient `μ`, with `I0` the
//! open-beam ("air") value. Taking logs, `ln(I0/I) = μ·t`. With a high- and
//! a low-energy image of the same object the thickness cancels:
//!
//! ```text
//! R = ln(I0_low / L) / ln(I0_high / H) = μ_low / μ_high
//! ```
//!
//! `R` depends on what the object is made of, not how thick it is. In the
//! X-ray tube range (tens to a couple of hundred kV) the photoelectric
//! effect, which grows roughly as Z³⁻⁴ and falls as E⁻³, adds much more
//! attenuation at the low energy for heavier elements, so `R` rises with the
//! effective atomic number Z_eff. Mass attenuation coefficients (NIST
//! XCOM) at 60 keV and 100 keV, as effective energies of the two beams,
//! give:
//!
//! | material | Z_eff | R = μ(60 keV)/μ(100 keV) |
//! | --- | --- | --- |
//! | polyethylene, plastics, paper, food, water | 5.5–7.5 | 1.15–1.21 |
//! | aluminium, glass, silicon | 13–14 | 1.6–1.75 |
//! | iron, steel | 26 | 3.2 |
//! | copper, brass | 29 | 3.5 |
//!
//! The default boundaries lie between these groups: `R < 1.4` organic,
//! `1.4 ≤ R < 2.3` inorganic / light metal, `R ≥ 2.3` metal. A real tube's
//! spectrum is broad and hardens in thick objects, which pulls all ratios
//! towards 1; a scanner should be calibrated with a step wedge of each
//! class and the boundaries set from it ([`MaterialThresholds`]).
//!
//! With MeV linac sources (most cargo scanners) the order is reversed:
//! pair production makes heavy elements attenuate relatively *more* at the
//! high energy, so `R` falls with Z_eff. Give the boundaries in descending
//! order (`organic_inorganic > inorganic_metal`) and the classes follow.
//!
//! Where the object hardly attenuates (`ln(I0/H)` below
//! `min_attenuation`, i.e. over ~90% transmission by default) both logs
//! are mostly noise, so those pixels are left uncoloured (grey).

/// What a pixel of a dual-energy scan is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Material {
    /// Too little attenuation to tell (air, thin wrapping).
    Unclassified,
    /// Low Z_eff: plastics, food, paper, wood, drugs, most explosives.
    Organic,
    /// Middle Z_eff: aluminium, glass, salts, light alloys.
    Inorganic,
    /// High Z_eff: iron, steel, copper, heavier metals.
    Metal,
}

/// Boundaries on the attenuation ratio `R` between the classes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaterialThresholds {
    /// `R` at the boundary between organic and inorganic.
    pub organic_inorganic: f32,
    /// `R` at the boundary between inorganic and metal. Smaller than
    /// `organic_inorganic` for sources where `R` falls with Z_eff (MeV).
    pub inorganic_metal: f32,
    /// Below this high-energy attenuation `ln(I0/H)` a pixel is unclassified.
    pub min_attenuation: f32,
}

impl Default for MaterialThresholds {
    /// Boundaries for tube (kV) sources; see the module documentation.
    fn default() -> Self {
        MaterialThresholds {
            organic_inorganic: 1.4,
            inorganic_metal: 2.3,
            min_attenuation: 0.1,
        }
    }
}

impl MaterialThresholds {
    /// Boundaries for MeV linac sources (cargo scanners, e.g. a 6/3 MV
    /// pair): `R` falls with Z_eff. From NIST XCOM at 1.5 and 3 MeV,
    /// organic ≈ 1.45, aluminium ≈ 1.41, steel ≈ 1.35, lead ≈ 1.23; the
    /// boundaries sit between them. Calibrate on the scanner's own wedge.
    pub fn linac() -> Self {
        MaterialThresholds {
            organic_inorganic: 1.43,
            inorganic_metal: 1.38,
            min_attenuation: 0.1,
        }
    }

    /// Checks the values are usable.
    pub fn is_valid(&self) -> bool {
        [
            self.organic_inorganic,
            self.inorganic_metal,
            self.min_attenuation,
        ]
        .iter()
        .all(|v| v.is_finite() && *v >= 0.0)
            && self.organic_inorganic != self.inorganic_metal
    }

    /// Classifies a pixel from its high- and low-energy values and the
    /// open-beam values of both planes.
    pub fn classify(&self, high: f32, low: f32, air_high: f32, air_low: f32) -> Material {
        let attenuation_high = (air_high.max(1.0) / high.max(1.0)).ln();
        let attenuation_low = (air_low.max(1.0) / low.max(1.0)).ln();
        let too_thin = attenuation_high.is_nan() || attenuation_high < self.min_attenuation;
        if too_thin || attenuation_low <= 0.0 {
            return Material::Unclassified;
        }
        self.classify_ratio(attenuation_low / attenuation_high)
    }

    /// Classifies an attenuation ratio `R = ln(I0/L) / ln(I0/H)`.
    pub fn classify_ratio(&self, ratio: f32) -> Material {
        let rising = self.organic_inorganic < self.inorganic_metal;
        let beyond = |boundary: f32| {
            if rising {
                ratio >= boundary
            } else {
                ratio <= boundary
            }
        };
        if !ratio.is_finite() {
            Material::Unclassified
        } else if beyond(self.inorganic_metal) {
            Material::Metal
        } else if beyond(self.organic_inorganic) {
            Material::Inorganic
        } else {
            Material::Organic
        }
    }
}

impl Material {
    /// The class colour at full strength, as fractions.
    pub fn hue(self) -> [f32; 3] {
        match self {
            Material::Unclassified => [1.0, 1.0, 1.0],
            Material::Organic => [1.0, 0.55, 0.1],
            Material::Inorganic => [0.2, 0.8, 0.2],
            Material::Metal => [0.15, 0.35, 1.0],
        }
    }

    /// The displayed colour for a brightness in 0..=1 (1 = air): the class
    /// colour darkened with attenuation, fading to white as the object
    /// thins out towards air.
    pub fn color(self, brightness: f32) -> [u8; 3] {
        let b = if brightness.is_nan() {
            0.0
        } else {
            brightness.clamp(0.0, 1.0)
        };
        let fade = b * b * b;
        self.hue().map(|c| {
            ((b * (c + (1.0 - c) * fade)) * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transmitted intensity through `thickness_cm` of a material with
    /// mass attenuation `mu` (cm²/g) and density `rho` (g/cm³).
    fn transmitted(air: f32, mu: f32, rho: f32, thickness_cm: f32) -> f32 {
        air * (-mu * rho * thickness_cm).exp()
    }

    #[test]
    fn steel_is_metal_plastic_is_organic_aluminium_inorganic() {
        let t = MaterialThresholds::default();
        let air = 60_000.0;
        // XCOM values at 100 keV (high) and 60 keV (low).
        let steel = |cm| {
            (
                transmitted(air, 0.372, 7.87, cm),
                transmitted(air, 1.205, 7.87, cm),
            )
        };
        let plastic = |cm| {
            (
                transmitted(air, 0.169, 0.95, cm),
                transmitted(air, 0.194, 0.95, cm),
            )
        };
        let aluminium = |cm| {
            (
                transmitted(air, 0.170, 2.70, cm),
                transmitted(air, 0.278, 2.70, cm),
            )
        };
        for cm in [0.1, 0.3, 0.5] {
            let (h, l) = steel(cm);
            assert_eq!(t.classify(h, l, air, air), Material::Metal, "steel {cm} cm");
        }
        for cm in [2.0, 5.0, 15.0] {
            let (h, l) = plastic(cm);
            assert_eq!(
                t.classify(h, l, air, air),
                Material::Organic,
                "plastic {cm} cm"
            );
        }
        for cm in [1.0, 3.0] {
            let (h, l) = aluminium(cm);
            assert_eq!(
                t.classify(h, l, air, air),
                Material::Inorganic,
                "aluminium {cm} cm"
            );
        }
    }

    #[test]
    fn air_and_noise_stay_unclassified() {
        let t = MaterialThresholds::default();
        assert_eq!(
            t.classify(60_000.0, 60_000.0, 60_000.0, 60_000.0),
            Material::Unclassified
        );
        assert_eq!(
            t.classify(59_000.0, 58_000.0, 60_000.0, 60_000.0),
            Material::Unclassified
        );
        assert_eq!(
            t.classify(61_000.0, 30_000.0, 60_000.0, 60_000.0),
            Material::Unclassified
        );
        assert_eq!(t.classify_ratio(f32::NAN), Material::Unclassified);
    }

    #[test]
    fn descending_boundaries_reverse_the_order() {
        let megavolt = MaterialThresholds {
            organic_inorganic: 1.21,
            inorganic_metal: 1.15,
            min_attenuation: 0.1,
        };
        assert_eq!(megavolt.classify_ratio(1.23), Material::Organic);
        assert_eq!(megavolt.classify_ratio(1.18), Material::Inorganic);
        assert_eq!(megavolt.classify_ratio(1.10), Material::Metal);
    }

    #[test]
    fn colours_darken_with_attenuation_and_whiten_towards_air() {
        assert_eq!(Material::Metal.color(1.0), [255, 255, 255]);
        assert_eq!(Material::Organic.color(0.0), [0, 0, 0]);
        let [r, g, b] = Material::Organic.color(0.5);
        assert!(r > g && g > b, "orange: {r} {g} {b}");
        let [r, g, b] = Material::Metal.color(0.5);
        assert!(b > g && g > r, "blue: {r} {g} {b}");
        let [r, g, b] = Material::Inorganic.color(0.5);
        assert!(g > r && g > b, "green: {r} {g} {b}");
    }
}
