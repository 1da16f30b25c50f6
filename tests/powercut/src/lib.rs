//! A power cut for tests, in the spirit of LazyFS: a FUSE layer over a
//! data folder that passes everything through but keeps apart what the
//! operating system would not yet have made durable (writes since the
//! file's last `fsync`, namespace changes since the last directory
//! `fsync`), and at the cut throws some or all of it away — page by page,
//! with torn pages — leaving the folder below as a machine would find its
//! disk after the power came back.
//!
//! [`volatile`] is the model (what is kept, how a cut takes it); [`fs`]
//! is the FUSE passthrough that feeds it. The `kordon-powercut` binary
//! mounts one folder and waits for the harness to call the cut
//! (`tests/tests/e2e/powercut.rs`). RELIABILITY.md says what the model
//! covers and what it does not.

pub mod fs;
pub mod volatile;

pub use fs::PowerCutFs;
pub use volatile::{CutMode, CutReport, Volatile};
