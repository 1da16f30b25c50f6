//! Synthetic dual-energy X-ray transmission images of trucks and
//! containers, for tests, benchmarks and the demo.
