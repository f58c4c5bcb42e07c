//! Parser messages in the reader's language and in plain words.
//!
//! Key decision: every failure keeps its English text for logs and the API, and gains a Japanese
//! one here, where the three sources of messages meet: the model's own validation (already
//! bilingual, carried through serde's string-only `custom` errors by [`carry`]), serde's
//! structural messages (unknown field, missing field, wrong type — recognised by their fixed
//! shape and rebuilt, with a "did you mean" for a misspelt name), and the TOML and JSON parsers'
//! syntax errors (rewritten without parser jargon). Before a syntax error is explained, the line
//! it points at is searched for the characters a Japanese keyboard slips in — a full-width quote,
//! space or equals sign, a byte-order mark — because the parser's own words never name them, and
//! they are invisible on screen.

use kyoyu_model::Localized;
use kyoyu_model::suggest::{hint_en, hint_ja};

/// Separates the English and Japanese halves of a message carried through serde.
const MARK: &str = "\u{1}ja\u{1}";

/// A bilingual message as the single string serde's `Error::custom` can carry.
pub(crate) fn carry(message: &Localized) -> String {
    format!("{}{MARK}{}", message.en, message.ja)
}

/// Splits a message made by [`carry`]; `None` for any other message.
fn uncarry(raw: &str) -> Option<Localized> {
    let (en, ja) = raw.rsplit_once(MARK)?;
    Some(Localized::new(ja.to_owned(), en.to_owned()))
}

/// The English half only: what a carried message reads like outside this crate.
#[cfg(test)]
pub(crate) fn english(raw: &str) -> String {
    uncarry(raw).map_or_else(|| raw.to_owned(), |message| message.en.into_owned())
}

/// A character that looks like TOML or JSON syntax on screen but is not, with its names.
struct Lookalike {
    character: char,
    ja: &'static str,
    en: &'static str,
    instead: &'static str,
}

const LOOKALIKES: [Lookalike; 12] = [
    Lookalike {
        character: '\u{3000}',
        ja: "全角スペース",
        en: "a full-width space",
        instead: " ",
    },
    Lookalike {
        character: '\u{201C}',
        ja: "全角の引用符 “",
        en: "a curly quote “",
        instead: "\"",
    },
    Lookalike {
        character: '\u{201D}',
        ja: "全角の引用符 ”",
        en: "a curly quote ”",
        instead: "\"",
    },
    Lookalike {
        character: '\u{FF02}',
        ja: "全角の引用符 ＂",
        en: "a full-width quote ＂",
        instead: "\"",
    },
    Lookalike {
        character: '\u{2018}',
        ja: "全角の引用符 ‘",
        en: "a curly quote ‘",
        instead: "'",
    },
    Lookalike {
        character: '\u{2019}',
        ja: "全角の引用符 ’",
        en: "a curly quote ’",
        instead: "'",
    },
    Lookalike {
        character: '\u{FF1D}',
        ja: "全角の等号 ＝",
        en: "a full-width equals sign ＝",
        instead: "=",
    },
    Lookalike {
        character: '\u{FF3B}',
        ja: "全角の角括弧 ［",
        en: "a full-width bracket ［",
        instead: "[",
    },
    Lookalike {
        character: '\u{FF3D}',
        ja: "全角の角括弧 ］",
        en: "a full-width bracket ］",
        instead: "]",
    },
    Lookalike {
        character: '\u{FF0C}',
        ja: "全角のカンマ ，",
        en: "a full-width comma ，",
        instead: ",",
    },
    Lookalike {
        character: '\u{FEFF}',
        ja: "BOM（バイト順マーク、目に見えない文字）",
        en: "a byte-order mark (BOM, an invisible character)",
        instead: "",
    },
    Lookalike {
        character: '\u{00A0}',
        ja: "ノーブレークスペース（見た目は空白）",
        en: "a no-break space",
        instead: " ",
    },
];

/// The first look-alike character on `line` outside a quoted string, with its 1-based column.
/// Inside a string such characters are the author's text (a Japanese sentence may hold a
/// full-width space) and not the parser's problem.
fn lookalike_on(line: &str) -> Option<(usize, &'static Lookalike)> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, character) in line.chars().enumerate() {
        match quote {
            Some(open) => {
                if escaped {
                    escaped = false;
                } else if character == '\\' && open == '"' {
                    escaped = true;
                } else if character == open {
                    quote = None;
                }
            }
            None => {
                if character == '#' {
                    return None;
                }
                if character == '"' || character == '\'' {
                    quote = Some(character);
                    continue;
                }
                if let Some(lookalike) = LOOKALIKES
                    .iter()
                    .find(|lookalike| lookalike.character == character)
                {
                    return Some((index + 1, lookalike));
                }
            }
        }
    }
    None
}

/// Explains a syntax error at `position` (1-based line and column) of `text`: a look-alike
/// character on that line (or the line before, where an unclosed value often began) is named
/// with its column; otherwise the parser's message is put in plain words.
pub(crate) fn syntax(
    raw: &str,
    text: &str,
    position: Option<(usize, usize)>,
) -> (Localized, Option<(usize, usize)>) {
    if let Some((line, _)) = position {
        let lines: Vec<&str> = text.split('\n').collect();
        for candidate in [line, line.saturating_sub(1)] {
            let Some(content) = candidate.checked_sub(1).and_then(|index| lines.get(index)) else {
                continue;
            };
            if let Some((column, lookalike)) = lookalike_on(content) {
                let code = format!("U+{:04X}", u32::from(lookalike.character));
                let (ja_fix, en_fix) = if lookalike.instead.is_empty() {
                    (
                        "削除してください（メモ帳などの「BOM 付き」で保存されていないかも確認してください）".to_owned(),
                        "delete it (and save the file without a BOM)".to_owned(),
                    )
                } else if lookalike.instead == " " {
                    (
                        "半角スペースにしてください".to_owned(),
                        "use an ordinary (half-width) space".to_owned(),
                    )
                } else {
                    (
                        format!("半角の {} にしてください", lookalike.instead),
                        format!("use the ASCII {} instead", lookalike.instead),
                    )
                };
                return (
                    Localized::new(
                        format!(
                            "{}（{code}）があります。TOML・JSON の記号としては使えないので、{ja_fix}",
                            lookalike.ja
                        ),
                        format!(
                            "there is {} ({code}) here, which TOML and JSON do not read as syntax; {en_fix}",
                            lookalike.en
                        ),
                    ),
                    Some((candidate, column)),
                );
            }
        }
    }
    if let Some(opened) = position.and_then(|(line, _)| unclosed_list_above(raw, text, line)) {
        return (
            Localized::new(
                "`[` で始めたリストが `]` で閉じられていません",
                "the list opened with `[` here is not closed with `]`",
            ),
            Some(opened),
        );
    }
    (plain_syntax(raw), position)
}

/// Where a list was opened and never closed, when the parser noticed only at the next table
/// header (`missing comma between array elements` at a `[facts]` line): the last line above with
/// more `[` than `]` outside strings, and the column of its last unmatched `[`.
fn unclosed_list_above(raw: &str, text: &str, line: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let at = lines.get(line.checked_sub(1)?)?.trim_start();
    if !raw.contains("array") || !at.starts_with('[') {
        return None;
    }
    (0..line - 1).rev().find_map(|index| {
        let mut open = Vec::new();
        let mut quote = None;
        for (column, character) in lines[index].chars().enumerate() {
            match (quote, character) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(character),
                (None, '#') => break,
                (None, '[') => open.push(column + 1),
                (None, ']') => {
                    open.pop();
                }
                _ => {}
            }
        }
        let header = lines[index].trim_start().starts_with('[');
        (!header)
            .then(|| open.last().map(|column| (index + 1, *column)))
            .flatten()
    })
}

/// The field a TOML syntax error sits in, read from the text (the parser has no field path
/// before the document parses): the last table header above the line, and the key on the line —
/// `facts.ransomware`, `items[2].value`.
pub(crate) fn toml_field(text: &str, line: usize) -> Option<String> {
    let mut table: Option<String> = None;
    let mut arrays: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key_on_line = None;
    for (index, content) in text.split('\n').enumerate().take(line) {
        let trimmed = content.trim_matches(|c: char| c.is_whitespace());
        if let Some(name) = trimmed
            .strip_prefix("[[")
            .and_then(|rest| rest.split("]]").next())
        {
            let name = name.trim().to_owned();
            let count = arrays.entry(name.clone()).or_insert(0);
            table = Some(format!("{name}[{count}]"));
            *count += 1;
        } else if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
        {
            table = Some(name.trim().to_owned());
        } else if index + 1 == line {
            let key = trimmed
                .split(['=', '\u{FF1D}'])
                .next()
                .map(|key| key.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\''))
                .filter(|key| {
                    !key.is_empty()
                        && key != &trimmed
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                });
            key_on_line = key.map(str::to_owned);
        }
    }
    match (table, key_on_line) {
        (Some(table), Some(key)) => Some(format!("{table}.{key}")),
        (None, Some(key)) => Some(key),
        (Some(table), None) => Some(table),
        (None, None) => None,
    }
}

/// The parsers' syntax messages (toml's and serde_json's), most specific first, in plain words.
const SYNTAX: [(&str, &str, &str); 24] = [
    (
        "duplicate key",
        "同じ項目が 2 回書かれています。1 つにまとめてください",
        "this key is written twice in the same table; keep one",
    ),
    (
        "unclosed array table",
        "`[[` で始めた表の名前が `]]` で閉じられていません",
        "the `[[table]]` header is not closed with `]]`",
    ),
    (
        "unclosed table",
        "`[` で始めた表の名前が `]` で閉じられていません",
        "the `[table]` header is not closed with `]`",
    ),
    (
        "unclosed array",
        "`[` で始めたリストが `]` で閉じられていません",
        "the list opened with `[` is not closed with `]`",
    ),
    (
        "unclosed inline table",
        "`{` で始めた表が `}` で閉じられていません",
        "the inline table opened with `{` is not closed with `}`",
    ),
    (
        "missing comma between array elements",
        "リストの要素の間にカンマ `,` がありません",
        "a comma `,` is missing between two list elements",
    ),
    (
        "extra comma",
        "余分なカンマ `,` があります",
        "there is an extra comma `,`",
    ),
    (
        "missing assignment between key-value pairs",
        "項目名の後に `=` がありません（`項目名 = 値` の形で書きます）",
        "an `=` is missing after the key (write `key = value`)",
    ),
    (
        "extra assignment",
        "`=` が多すぎます（1 行に `項目名 = 値` は 1 つです）",
        "there is an extra `=` (one `key = value` per line)",
    ),
    (
        "missing value",
        "`=` の後に値がありません",
        "a value is missing after `=`",
    ),
    (
        "missing opening quote",
        "文字列の値は \"…\" で囲んでください",
        "a string value must be written in quotes: \"…\"",
    ),
    (
        "invalid basic string",
        "\"…\" の文字列が閉じられていないか、使えない文字を含んでいます（\" で閉じ、\\ は \\\\ と書きます）",
        "the \"…\" string is not closed or holds a character it cannot (close it with \"; write \\ as \\\\)",
    ),
    (
        "invalid literal string",
        "'…' の文字列が閉じられていません",
        "the '…' string is not closed",
    ),
    (
        "invalid multi-line",
        "複数行の文字列（\"\"\"…\"\"\"）が閉じられていません",
        "the multi-line string (\"\"\"…\"\"\") is not closed",
    ),
    (
        "invalid string",
        "値が読めません。文字列なら \"…\" で囲み、数・true/false ならそのまま書いてください",
        "the value cannot be read; put text in quotes \"…\", write numbers and true/false bare",
    ),
    (
        "invalid unquoted key",
        "項目名に使えない文字があります（英数字・`_`・`-` だけ。その他は \"…\" で囲みます）",
        "the key holds characters a bare key cannot (letters, digits, `_`, `-`; quote others)",
    ),
    (
        "invalid key",
        "項目名が読めません",
        "the key cannot be read",
    ),
    (
        "invalid date-time",
        "日時が読めません。2026-11-02T09:30:00+09:00 の形で書いてください",
        "the date-time cannot be read; write it like 2026-11-02T09:30:00+09:00",
    ),
    (
        "invalid boolean",
        "true か false を書いてください",
        "write true or false",
    ),
    (
        "unexpected content",
        "行の終わりに余分な文字があります（コメントは # で始めます）",
        "there is something extra at the end of the line (comments start with #)",
    ),
    (
        "EOF while parsing",
        "ファイルが途中で終わっています。閉じていない括弧や引用符がないか確認してください",
        "the file ends in the middle of a value; look for an unclosed bracket or quote",
    ),
    (
        "trailing comma",
        "最後の要素の後に余分なカンマ `,` があります",
        "there is an extra comma `,` after the last element",
    ),
    (
        "expected value",
        "ここに値が必要です（文字列は \"…\"、数、true/false、[…]、{…}）",
        "a value is expected here (a \"string\", a number, true/false, […] or {…})",
    ),
    (
        "key must be a string",
        "JSON の項目名は \"…\" で囲んでください",
        "a JSON key must be a \"string\"",
    ),
];

fn plain_syntax(raw: &str) -> Localized {
    let lower = raw.to_ascii_lowercase();
    for (needle, ja, en) in SYNTAX {
        if lower.contains(&needle.to_ascii_lowercase()) {
            return Localized::new(ja, en);
        }
    }
    Localized::new(
        format!("ファイルの書き方に誤りがあります（{raw}）"),
        format!("the file's syntax is wrong here ({raw})"),
    )
}

/// Explains a message of a failed deserialization (the syntax was fine): a value the model
/// refused, or serde's structural messages.
pub(crate) fn structural(raw: &str) -> Localized {
    if let Some(message) = uncarry(raw) {
        return message;
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (found, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let list = expected.join(", ");
        return if expected.is_empty() {
            Localized::new(
                format!("`{found}` という項目はここには書けません"),
                format!("`{found}` is not a field here"),
            )
        } else {
            let ja_hint = hint_ja(found, expected.iter().copied());
            let en_hint = hint_en(found, expected.iter().copied());
            if ja_hint.is_empty() {
                Localized::new(
                    format!("`{found}` という項目はありません。書ける項目: {list}"),
                    format!("`{found}` is not a known field; expected one of {list}"),
                )
            } else {
                // The suggestion is the answer; the whole list would bury it.
                Localized::new(
                    format!(
                        "`{found}` という項目はありません{ja_hint}。書ける項目の一覧は docs/incident-file.md にあります"
                    ),
                    format!(
                        "`{found}` is not a known field{en_hint}; docs/incident-file.md lists the fields"
                    ),
                )
            }
        };
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return Localized::new(
            format!("必須の項目 `{field}` がありません"),
            format!("the required field `{field}` is missing"),
        );
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return Localized::new(
            format!(
                "値の種類が違います。{} ではなく {} を書いてください",
                unexpected_ja(found),
                expected_ja(expected)
            ),
            format!("wrong kind of value: {found}, but {expected} is expected"),
        );
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return Localized::new(
            format!(
                "値が正しくありません（{}）。{} を書いてください",
                unexpected_ja(found),
                expected_ja(expected)
            ),
            format!("invalid value: {found}, but {expected} is expected"),
        );
    }
    Localized::new(raw.to_owned(), raw.to_owned())
}

/// serde's names of what was found (`string "yes"`, `integer `3``, `boolean `true``).
fn unexpected_ja(found: &str) -> String {
    let names = [
        ("string ", "文字列 "),
        ("integer ", "整数 "),
        ("floating point ", "小数 "),
        ("boolean ", "真偽値 "),
        ("sequence", "リスト [...]"),
        ("map", "表 {...}"),
        ("unit value", "空の値"),
    ];
    for (en, ja) in names {
        if let Some(rest) = found.strip_prefix(en) {
            return format!("{ja}{rest}");
        }
        if found == en.trim_end() {
            return ja.trim_end().to_owned();
        }
    }
    found.to_owned()
}

/// What was expected, for serde's built-in types and the `EXPECTING` texts of this crate.
fn expected_ja(expected: &str) -> String {
    let names: [(&str, &str); 20] = [
        ("a boolean", "true か false"),
        ("a string", "\"…\" で囲んだ文字列"),
        ("a sequence", "[ ] で囲んだリスト"),
        ("u64", "0 以上の整数"),
        ("i64", "整数"),
        ("f64", "数"),
        ("a non-empty string", "空でない文字列"),
        ("an incident id", "インシデントの id"),
        (
            "a TLP 2.0 label (clear, green, amber, amber+strict, red)",
            "TLP 2.0 のラベル（clear、green、amber、amber+strict、red）",
        ),
        (
            "an item kind such as ioc or damage",
            "ioc や damage のような項目の種類",
        ),
        (
            "a timeline event such as discovery",
            "discovery のような経緯の出来事",
        ),
        (
            "a jurisdiction code (JP, EU, US)",
            "法域の記号（JP、EU、US）",
        ),
        (
            "one of none, suspected, confirmed",
            "none、suspected、confirmed のいずれか",
        ),
        (
            "an IoC type such as domain-name or file",
            "domain-name や file のような IoC の種類",
        ),
        (
            "a CVE id such as CVE-2026-12345",
            "CVE-2026-12345 のような CVE 番号",
        ),
        (
            "a MITRE ATT&CK technique id such as T1190",
            "T1190 のような MITRE ATT&CK の手法 id",
        ),
        (
            "an IP range such as 198.51.100.0/24",
            "198.51.100.0/24 のような IP アドレスの範囲",
        ),
        (
            "an obligation id such as JP-APPI-PRELIM",
            "JP-APPI-PRELIM のような義務の id",
        ),
        (
            "a recipient such as police or insurer",
            "police や insurer のような相手",
        ),
        ("an [[items]] table", "[[items]] の表"),
    ];
    names
        .iter()
        .find(|(en, _)| *en == expected)
        .map(|(_, ja)| (*ja).to_owned())
        .or_else(|| {
            expected
                .strip_prefix("an RFC 3339 timestamp with an offset")
                .map(|_| "2026-11-02T09:30:00+09:00 のような時差付きの時刻".to_owned())
        })
        .unwrap_or_else(|| expected.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_messages_come_back_whole() {
        let message = Localized::new("日本語", "English");
        assert_eq!(uncarry(&carry(&message)), Some(message));
        assert_eq!(
            english(&carry(&Localized::new("日本語", "English"))),
            "English"
        );
        assert_eq!(english("plain"), "plain");
    }

    #[test]
    fn unknown_fields_get_a_suggestion_in_both_languages() {
        let message = structural(
            "unknown field `personal_date`, expected one of `personal_data`, `persons_affected`",
        );
        assert!(
            message.en.contains("did you mean `personal_data`?"),
            "{message:?}"
        );
        assert!(
            message.ja.contains("もしかして `personal_data`？"),
            "{message:?}"
        );
        assert!(!message.en.contains("persons_affected"), "{message:?}");
        let message = structural("unknown field `zzz`, expected `a` or `b`");
        assert!(message.en.ends_with("expected one of a, b"), "{message:?}");
    }

    #[test]
    fn wrong_types_read_in_japanese() {
        let message = structural("invalid type: string \"yes\", expected a boolean");
        assert_eq!(
            message.ja,
            "値の種類が違います。文字列 \"yes\" ではなく true か false を書いてください"
        );
    }

    #[test]
    fn lookalikes_are_named_outside_strings_only() {
        let (column, lookalike) = lookalike_on("ransomware = true\u{3000}").expect("found");
        assert_eq!((column, lookalike.character), (18, '\u{3000}'));
        assert!(lookalike_on("text = \"全角\u{3000}スペース\"").is_none());
        assert!(lookalike_on("# “comment”").is_none());
        let (column, _) = lookalike_on("title = “x”").expect("found");
        assert_eq!(column, 9);
    }

    #[test]
    fn syntax_errors_know_their_field() {
        let text = "[incident]\nid = \"X\"\n[facts]\nransomware = true\u{3000}\n[[items]]\nid = \"a\"\n[[items]]\nvalue = “x”\n";
        assert_eq!(toml_field(text, 4).as_deref(), Some("facts.ransomware"));
        assert_eq!(toml_field(text, 8).as_deref(), Some("items[1].value"));
        assert_eq!(toml_field(text, 3).as_deref(), Some("facts"));
        assert_eq!(toml_field("\u{3000}x", 1), None);
    }

    #[test]
    fn an_unclosed_list_is_found_where_it_opened() {
        let text = "[incident]\nid = \"B\"\njurisdictions = [\"JP\"\n\n[facts]\n";
        let (message, position) =
            syntax("missing comma between array elements", text, Some((5, 1)));
        assert_eq!(position, Some((3, 17)));
        assert!(message.en.contains("not closed"), "{message:?}");
    }

    #[test]
    fn syntax_messages_lose_their_jargon() {
        let (message, _) = syntax(
            "invalid string; expected `\"`, `'`",
            "a = b\n",
            Some((1, 5)),
        );
        assert!(message.ja.contains("\"…\" で囲み"), "{message:?}");
        let (message, position) = syntax("whatever", "a = “b”\n", Some((1, 5)));
        assert!(message.ja.contains("U+201C"), "{message:?}");
        assert_eq!(position, Some((1, 5)));
    }
}
