//! Fuzz target: any text through the STIX pattern parser. It must never panic; whatever parses
//! must print back to text that parses to the same tree, and observable extraction must run.
#![no_main]

use kyoyu_stix::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(pattern) = Pattern::parse(text) {
        let printed = pattern.to_string();
        let again = Pattern::parse(&printed).expect("printed pattern parses");
        assert_eq!(again.to_string(), printed);
        let _ = pattern.observables();
    }
});
