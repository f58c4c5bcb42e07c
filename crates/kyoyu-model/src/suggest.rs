//! "Did you mean": the closest known name to a misspelt one.
//!
//! Key decision: a suggestion is offered only when it is clearly the intended name — an exact
//! match ignoring case, `-`/`_` and blanks, or a Damerau–Levenshtein distance of at most a third
//! of the name (at least 1, at most 3) — so a wild guess never sends someone further astray. The
//! distance comes from `strsim`, the crate clap uses for the same purpose.

/// The known name closest to `found`, when one is close enough to be the intended one.
pub fn did_you_mean<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let fold = |text: &str| -> String {
        text.chars()
            .filter(|c| !matches!(c, '-' | '_' | ' ' | '\u{3000}'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(found);
    if folded.is_empty() {
        return None;
    }
    let limit = (folded.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == found {
            return None;
        }
        let distance = strsim::damerau_levenshtein(&folded, &fold(candidate));
        if distance <= limit && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// ` もしかして `name`？` when a known name is close, else nothing: appended to a Japanese
/// message.
pub fn hint_ja<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(found, candidates)
        .map(|name| format!("（もしかして `{name}`？）"))
        .unwrap_or_default()
}

/// `; did you mean `name`?` when a known name is close, else nothing: appended to an English
/// message.
pub fn hint_en<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(found, candidates)
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: [&str; 4] = [
        "personal_data",
        "persons_affected",
        "ransomware",
        "double_extortion",
    ];

    #[test]
    fn close_names_are_suggested() {
        assert_eq!(did_you_mean("personal_date", FACTS), Some("personal_data"));
        assert_eq!(did_you_mean("ransomeware", FACTS), Some("ransomware"));
        assert_eq!(
            did_you_mean("Double-Extortion", FACTS),
            Some("double_extortion")
        );
        assert_eq!(
            did_you_mean("domain_name", ["domain-name", "url"]),
            Some("domain-name")
        );
    }

    #[test]
    fn far_names_are_not() {
        assert_eq!(did_you_mean("insurance", FACTS), None);
        assert_eq!(did_you_mean("", FACTS), None);
        assert_eq!(did_you_mean("ab", ["xy"]), None);
        assert_eq!(
            did_you_mean("ransomware", FACTS),
            None,
            "an exact name needs no hint"
        );
    }

    #[test]
    fn hints_read_in_both_languages() {
        assert_eq!(
            hint_en("ranssomware", FACTS),
            " (did you mean `ransomware`?)"
        );
        assert_eq!(
            hint_ja("ranssomware", FACTS),
            "（もしかして `ransomware`？）"
        );
        assert_eq!(hint_en("zzz", FACTS), "");
    }
}
