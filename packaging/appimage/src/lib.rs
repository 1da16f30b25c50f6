//! Nothing to build: this package only pins the `appimage` crate, whose
//! `assets/runtime-x86_64` is the AppImage runtime (see Cargo.toml).
