//! Colour maps: from a display value in 0..=1 to an RGB colour.
//!
//! Each map is a few control points joined by straight lines, expanded
//! once into a 256-entry table.

use std::fmt;
use std::str::FromStr;

use crate::error::ImagingError;

/// How display values become colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colormap {
    /// Black to white.
    #[default]
    Grey,
    /// Black, red, yellow, white ("hot iron"): small differences in dense
    /// areas stand out.
    Hot,
    /// Dark blue, cyan, yellow, red, dark red (the classic "rainbow").
    Jet,
    /// Black to white through blue-grey, the radiographers' "bone".
    Bone,
    /// Dark purple, teal, yellow: even in perceived brightness, readable
    /// by colour-blind viewers.
    Viridis,
}

/// Control points `(position, [r, g, b])`, positions rising from 0 to 1.
type Stops = &'static [(f32, [f32; 3])];

const GREY: Stops = &[(0.0, [0.0, 0.0, 0.0]), (1.0, [1.0, 1.0, 1.0])];
const HOT: Stops = &[
    (0.0, [0.0416, 0.0, 0.0]),
    (0.365, [1.0, 0.0, 0.0]),
    (0.746, [1.0, 1.0, 0.0]),
    (1.0, [1.0, 1.0, 1.0]),
];
const JET: Stops = &[
    (0.0, [0.0, 0.0, 0.5]),
    (0.11, [0.0, 0.0, 1.0]),
    (0.34, [0.0, 1.0, 1.0]),
    (0.65, [1.0, 1.0, 0.0]),
    (0.89, [1.0, 0.0, 0.0]),
    (1.0, [0.5, 0.0, 0.0]),
];
const BONE: Stops = &[
    (0.0, [0.0, 0.0, 0.0]),
    (0.375, [0.319, 0.319, 0.444]),
    (0.75, [0.652, 0.777, 0.777]),
    (1.0, [1.0, 1.0, 1.0]),
];
/// Ten samples of matplotlib's viridis.
const VIRIDIS: Stops = &[
    (0.0 / 9.0, [0.267, 0.005, 0.329]),
    (1.0 / 9.0, [0.282, 0.157, 0.471]),
    (2.0 / 9.0, [0.243, 0.286, 0.537]),
    (3.0 / 9.0, [0.192, 0.408, 0.557]),
    (4.0 / 9.0, [0.149, 0.510, 0.557]),
    (5.0 / 9.0, [0.122, 0.620, 0.537]),
    (6.0 / 9.0, [0.208, 0.718, 0.475]),
    (7.0 / 9.0, [0.427, 0.804, 0.349]),
    (8.0 / 9.0, [0.706, 0.871, 0.173]),
    (1.0, [0.992, 0.906, 0.145]),
];

impl Colormap {
    /// Every colour map, for menus.
    pub const ALL: [Colormap; 5] = [
        Colormap::Grey,
        Colormap::Hot,
        Colormap::Jet,
        Colormap::Bone,
        Colormap::Viridis,
    ];

    /// The name used in settings and URLs.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Grey => "grey",
            Colormap::Hot => "hot",
            Colormap::Jet => "jet",
            Colormap::Bone => "bone",
            Colormap::Viridis => "viridis",
        }
    }

    fn stops(self) -> Stops {
        match self {
            Colormap::Grey => GREY,
            Colormap::Hot => HOT,
            Colormap::Jet => JET,
            Colormap::Bone => BONE,
            Colormap::Viridis => VIRIDIS,
        }
    }

    /// The colour of display value `t` (clamped to 0..=1).
    pub fn color(self, t: f32) -> [u8; 3] {
        let stops = self.stops();
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let upper = stops
            .iter()
            .position(|&(at, _)| at >= t)
            .unwrap_or(stops.len() - 1);
        let (high_at, high) = stops[upper];
        let (low_at, low) = stops[upper.saturating_sub(1)];
        let span = high_at - low_at;
        let f = if span > 0.0 { (t - low_at) / span } else { 0.0 };
        [0, 1, 2].map(|c| {
            ((low[c] + (high[c] - low[c]) * f) * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        })
    }

    /// The 256-entry table: entry `i` is the colour of `i / 255`.
    pub fn table(self) -> [[u8; 3]; 256] {
        let mut table = [[0u8; 3]; 256];
        for (i, entry) in table.iter_mut().enumerate() {
            *entry = self.color(i as f32 / 255.0);
        }
        table
    }
}

impl fmt::Display for Colormap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Colormap {
    type Err = ImagingError;

    /// Accepts the names of [`Colormap::name`], any case, plus "gray" and
    /// "rainbow".
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "grey" | "gray" => Ok(Colormap::Grey),
            "hot" => Ok(Colormap::Hot),
            "jet" | "rainbow" => Ok(Colormap::Jet),
            "bone" => Ok(Colormap::Bone),
            "viridis" => Ok(Colormap::Viridis),
            _ => Err(ImagingError::InvalidView(format!(
                "unknown colour map {text:?} (grey, hot, jet, bone or viridis)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for map in Colormap::ALL {
            assert_eq!(map.name().parse::<Colormap>().ok(), Some(map));
        }
        assert_eq!("Gray".parse::<Colormap>().ok(), Some(Colormap::Grey));
        assert_eq!(" RAINBOW ".parse::<Colormap>().ok(), Some(Colormap::Jet));
        assert!("sepia".parse::<Colormap>().is_err());
    }

    #[test]
    fn ends_and_middles() {
        assert_eq!(Colormap::Grey.color(0.0), [0, 0, 0]);
        assert_eq!(Colormap::Grey.color(1.0), [255, 255, 255]);
        assert_eq!(Colormap::Grey.color(0.5), [128, 128, 128]);
        assert_eq!(Colormap::Grey.color(7.0), [255, 255, 255]);
        assert_eq!(Colormap::Grey.color(f32::NAN), [0, 0, 0]);
        assert_eq!(Colormap::Hot.color(1.0), [255, 255, 255]);
        assert_eq!(Colormap::Hot.color(0.746), [255, 255, 0]);
        assert_eq!(Colormap::Jet.color(0.0), [0, 0, 128]);
        assert_eq!(Colormap::Viridis.color(1.0), [253, 231, 37]);
    }

    #[test]
    fn grey_bone_and_viridis_rise_in_brightness() {
        for map in [
            Colormap::Grey,
            Colormap::Bone,
            Colormap::Viridis,
            Colormap::Hot,
        ] {
            let table = map.table();
            let brightness =
                |c: [u8; 3]| u32::from(c[0]) * 2 + u32::from(c[1]) * 7 + u32::from(c[2]);
            assert!(
                // Allow one step of rounding in the fainter channels.
                table
                    .windows(2)
                    .all(|w| brightness(w[0]) <= brightness(w[1]) + 3),
                "{map} is not monotonic"
            );
        }
    }
}
