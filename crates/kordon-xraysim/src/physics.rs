//! Materials, attenuation coefficients and the detector model.
//!
//! The two beams are modelled as mono-energetic at their effective
//! energies: the low beam (a 3 MV linac endpoint) at 1.5 MeV and the high
//! beam (6 MV endpoint) at 3.0 MeV, about half the endpoint energy of each
//! bremsstrahlung spectrum. The mass attenuation coefficients are the
//! total (coherent included) values of the NIST XCOM / Hubbell–Seltzer
//! tables at those energies. At these energies Compton scattering dominates
//! for every material, so both coefficients are close; what separates
//! materials is pair production, which grows with Z² and matters more at
//! 3 MeV than at 1.5 MeV. The low/high attenuation ratio therefore falls
//! with atomic number: about 1.45 for organics and water, 1.41 for
//! aluminium, 1.35 for steel and 1.23 for lead.

/// A material class, as far as attenuation at MeV energies can tell.
///
/// Densities are not part of the class: wood, cardboard, rubber, foam and
/// diesel are all [`Material::Organic`] with their own densities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Material {
    /// Low-Z organic matter (cellulose-like C6H10O5): wood, paper,
    /// cardboard, plastics, rubber, foodstuffs, fuel.
    Organic,
    /// Water and aqueous liquids.
    Water,
    /// Light metals and glass (Z ≈ 11–14).
    Aluminium,
    /// Iron and steel (Z = 26).
    Steel,
    /// Lead and other heavy metals (Z = 82).
    Lead,
}

/// One of the two beams of a dual-energy scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Energy {
    /// The 6 MV beam, effective energy [`HIGH_ENERGY_MEV`].
    High,
    /// The 3 MV beam, effective energy [`LOW_ENERGY_MEV`].
    Low,
}

/// Effective photon energy of the high beam, MeV.
pub const HIGH_ENERGY_MEV: f32 = 3.0;
/// Effective photon energy of the low beam, MeV.
pub const LOW_ENERGY_MEV: f32 = 1.5;

/// Counts read through air (open beam, dark offset included), both beams.
pub const OPEN_BEAM: u16 = 60_000;
/// Counts read with no beam at all (detector and electronics offset).
pub const DARK_OFFSET: u16 = 400;

impl Material {
    /// Every class, from low to high atomic number.
    pub const ALL: [Material; 5] = [
        Material::Organic,
        Material::Water,
        Material::Aluminium,
        Material::Steel,
        Material::Lead,
    ];

    /// Mass attenuation coefficient μ/ρ in cm²/g at the effective energy
    /// of `energy`.
    pub fn mass_attenuation(self, energy: Energy) -> f32 {
        // (1.5 MeV, 3.0 MeV), NIST XCOM totals with coherent scattering.
        // Organic is the mass-weighted mix of H 6.2 %, C 44.4 %, O 49.4 %.
        let (low, high) = match self {
            Material::Organic => (0.054_92, 0.037_89),
            Material::Water => (0.057_54, 0.039_69),
            Material::Aluminium => (0.050_06, 0.035_41),
            Material::Steel => (0.048_83, 0.036_21),
            Material::Lead => (0.052_22, 0.042_34),
        };
        match energy {
            Energy::Low => low,
            Energy::High => high,
        }
    }

    /// The ratio of low- to high-energy attenuation this material gives on
    /// its own: what `attenuation(low) / attenuation(high)` tends to.
    pub fn attenuation_ratio(self) -> f32 {
        self.mass_attenuation(Energy::Low) / self.mass_attenuation(Energy::High)
    }

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Material::Organic => "organic",
            Material::Water => "water",
            Material::Aluminium => "aluminium",
            Material::Steel => "steel",
            Material::Lead => "lead",
        }
    }
}

/// A material class at a density (g/cm³): what a shape is made of.
/// Negative densities remove material (see the shapes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stuff {
    pub material: Material,
    pub density: f32,
}

impl Stuff {
    pub const fn new(material: Material, density: f32) -> Stuff {
        Stuff { material, density }
    }

    pub const fn organic(density: f32) -> Stuff {
        Stuff::new(Material::Organic, density)
    }

    /// The same material at `factor` times the density (a porous or
    /// partly filled volume).
    pub fn times(self, factor: f32) -> Stuff {
        Stuff::new(self.material, self.density * factor)
    }

    /// The same amount taken away.
    pub fn removed(self) -> Stuff {
        self.times(-1.0)
    }
}

pub(crate) const STEEL: Stuff = Stuff::new(Material::Steel, 7.85);
pub(crate) const CAST_IRON: Stuff = Stuff::new(Material::Steel, 7.2);
pub(crate) const ALU: Stuff = Stuff::new(Material::Aluminium, 2.7);
pub(crate) const GLASS: Stuff = Stuff::new(Material::Aluminium, 2.5);
pub(crate) const LEAD: Stuff = Stuff::new(Material::Lead, 11.35);
pub(crate) const WATER: Stuff = Stuff::new(Material::Water, 1.0);
pub(crate) const RUBBER: Stuff = Stuff::organic(1.15);
pub(crate) const PLASTIC: Stuff = Stuff::organic(0.95);
pub(crate) const WOOD: Stuff = Stuff::organic(0.55);
pub(crate) const HARDWOOD: Stuff = Stuff::organic(0.75);
pub(crate) const CARDBOARD: Stuff = Stuff::organic(0.15);
pub(crate) const FOAM: Stuff = Stuff::organic(0.06);
pub(crate) const DIESEL: Stuff = Stuff::organic(0.84);

/// The attenuation `ln(I0 / I)` a pixel value stands for, after removing
/// the dark offset. Values at or below the offset are read as one count
/// above it, so the result is finite (about 11 at most).
pub fn attenuation(value: u16) -> f32 {
    let open = f32::from(OPEN_BEAM - DARK_OFFSET);
    let signal = (f32::from(value) - f32::from(DARK_OFFSET)).max(1.0);
    (open / signal).ln()
}

/// Photon statistics and electronics of the detector, per beam.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Detector {
    /// Photon-equivalent quanta per pixel through air: the signal-to-noise
    /// ratio in air is its square root.
    pub quanta_open: f32,
    /// Electronic noise, counts (standard deviation).
    pub read_noise: f32,
}

impl Detector {
    /// The low beam delivers fewer photons per pulse, so it is noisier.
    pub fn for_energy(energy: Energy) -> Detector {
        match energy {
            Energy::High => Detector {
                quanta_open: 40_000.0,
                read_noise: 6.0,
            },
            Energy::Low => Detector {
                quanta_open: 25_000.0,
                read_noise: 6.0,
            },
        }
    }

    /// Counts above the dark offset for a transmission of `t` (0..=1 before
    /// gain errors), and their standard deviation.
    pub fn signal(&self, t: f32) -> (f32, f32) {
        let open = f32::from(OPEN_BEAM - DARK_OFFSET);
        let signal = open * t.max(0.0);
        // Quantum noise: counts = (open / quanta) · Poisson(quanta · t).
        let variance = signal * open / self.quanta_open + self.read_noise * self.read_noise;
        (signal, variance.sqrt())
    }
}

/// A small, fast, seedable generator for per-pixel noise (SplitMix64).
///
/// Noise needs hundreds of millions of samples; this keeps them cheap and
/// makes each row's stream depend only on the seed and the row, so the
/// result does not depend on how rows are shared between threads.
#[derive(Debug, Clone)]
pub(crate) struct NoiseRng(u64);

impl NoiseRng {
    pub fn new(seed: u64, stream: u64) -> NoiseRng {
        NoiseRng(mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Approximately standard normal: the sum of four 16-bit uniforms,
    /// rescaled (Irwin–Hall; tails stop at ±3.46σ).
    pub fn gaussian(&mut self) -> f32 {
        let r = self.next_u64();
        let sum = (r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48);
        // Mean 4 · 32767.5, variance 4 · 65536² / 12.
        (sum as f32 - 131_070.0) * (3.0_f32.sqrt() / 65_536.0)
    }
}

/// The SplitMix64 finaliser, also used as a hash.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attenuation_ratio_falls_with_atomic_number() {
        let r = |m: Material| m.attenuation_ratio();
        assert!(r(Material::Organic) > r(Material::Aluminium) + 0.02);
        assert!(r(Material::Water) > r(Material::Aluminium) + 0.02);
        assert!(r(Material::Aluminium) > r(Material::Steel) + 0.05);
        assert!(r(Material::Steel) > r(Material::Lead) + 0.1);
        for m in Material::ALL {
            for e in [Energy::High, Energy::Low] {
                assert!((0.03..0.06).contains(&m.mass_attenuation(e)), "{m:?} {e:?}");
            }
        }
    }

    #[test]
    fn attenuation_inverts_the_detector_response() {
        let detector = Detector::for_energy(Energy::High);
        for t in [1.0_f32, 0.5, 0.05, 0.002] {
            let (signal, _) = detector.signal(t);
            let value = (f32::from(DARK_OFFSET) + signal).round() as u16;
            let a = attenuation(value);
            assert!((a + t.ln()).abs() < 0.01, "t {t}: {a}");
        }
        assert!(attenuation(OPEN_BEAM).abs() < 1e-6);
        assert!(attenuation(0).is_finite());
    }

    #[test]
    fn noise_is_zero_mean_unit_variance() {
        let mut rng = NoiseRng::new(7, 3);
        let n = 200_000;
        let samples: Vec<f32> = (0..n).map(|_| rng.gaussian()).collect();
        let mean = samples.iter().sum::<f32>() / n as f32;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n as f32;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        // Streams differ by row.
        assert_ne!(
            NoiseRng::new(7, 3).next_u64(),
            NoiseRng::new(7, 4).next_u64()
        );
    }

    #[test]
    fn quantum_noise_grows_with_the_signal() {
        let detector = Detector::for_energy(Energy::Low);
        let (open, sigma_open) = detector.signal(1.0);
        let (_, sigma_dark) = detector.signal(0.0);
        assert!((sigma_open - open / detector.quanta_open.sqrt()).abs() < 1.0);
        assert!((sigma_dark - detector.read_noise).abs() < 1e-3);
    }
}
