//! Fuzz target: any bytes as an incident file, in TOML and in JSON, and as a profile file.
//! Nothing may panic; an error must name the file and render in both languages; what parses
//! must pass the model's own whole-incident check.
#![no_main]

use kyoyu_incident::{Format, parse, parse_profile};
use kyoyu_model::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Toml, Format::Json] {
        match parse(text, format, "fuzz") {
            Ok(parsed) => assert!(parsed.incident.check().is_ok()),
            Err(error) => {
                assert_eq!(error.file, "fuzz");
                assert!(!error.render(Lang::Ja).is_empty());
                assert!(!error.render(Lang::En).is_empty());
            }
        }
        let _ = parse_profile(text, format, "fuzz");
    }
});
