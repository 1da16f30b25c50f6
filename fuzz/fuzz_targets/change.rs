#![no_main]
//! A change payload (signature valid, content hostile): decode, check the
//! schema rules on its operations, apply, read.
//!
//! Automerge 0.12 panics on some malformed changes; the model catches that
//! where it applies changes and refuses the change. libFuzzer's panic hook
//! would abort on the caught panic too, so this target puts back a silent
//! one: a panic nobody catches still ends the run (libfuzzer-sys aborts on
//! it), a panic the model turns into a refusal does not.
static QUIET_PANICS: std::sync::Once = std::sync::Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = kordon_model::doc::check_change(data, &[0; 32]);
    if let Ok(ops) = kordon_model::rules::ChangeOps::decode(data) {
        let mut outline = kordon_model::rules::Outline::new();
        for writer in [kordon_model::rules::Writer::Device, kordon_model::rules::Writer::Server] {
            let _ = outline.check(&ops, writer);
        }
        outline.fold(&ops);
        let _ = outline.check(&ops, kordon_model::rules::Writer::Device);
    }
    let mut doc = kordon_model::InspectionDoc::empty(&[1; 32]);
    if doc.apply_change(data).is_ok() {
        let _ = doc.view();
        let _ = doc.to_json();
    }
});
