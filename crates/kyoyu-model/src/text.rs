//! Bilingual user-facing text.
//!
//! Key decision: every sentence the product shows a person exists in Japanese and English side by
//! side in the data or code that produces it, so no output path can forget one language.

use std::borrow::Cow;
use std::fmt;

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 日本語.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Parses `ja` or `en` (also `ja_JP.UTF-8`-style locale strings).
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lower = locale.to_ascii_lowercase();
        if lower.starts_with("ja") {
            Some(Lang::Ja)
        } else if lower.starts_with("en")
            || lower == "c"
            || lower == "posix"
            || lower.starts_with("c.")
        {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The code used on the command line and in data files.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// A sentence in both languages.
///
/// Most texts are fixed sentences of the rules; they stay borrowed (`Cow::Borrowed`), so an
/// assessment of many items does not copy the same sentence thousands of times.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized {
    /// Japanese text.
    pub ja: Cow<'static, str>,
    /// English text.
    pub en: Cow<'static, str>,
}

impl Localized {
    /// Builds a text from both languages.
    pub fn new(ja: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Localized {
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// The text in the given language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

impl fmt::Display for Localized {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.en)
    }
}
