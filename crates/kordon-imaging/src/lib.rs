//! Scan imaging: decoding scanner images, the deep-zoom tile pyramid and
//! the tile renderer (window/level, colour maps, dual-energy materials).
