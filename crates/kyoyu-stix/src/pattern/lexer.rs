//! The STIX 2.1 pattern lexer.
//!
//! Key decision: it reproduces the ANTLR lexer of the OASIS grammar (`STIXPattern.g4`) rule for
//! rule — longest match wins, ties go to the rule defined first, any unusable character becomes
//! an `Invalid` token — so the set of patterns kyoyu accepts is the one the OASIS validator
//! accepts, not a look-alike.

/// A token kind; literal kinds carry their text in [`Token::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum TokenKind {
    IntNeg,
    IntPos,
    FloatNeg,
    FloatPos,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    IdentWithoutHyphen,
    IdentWithHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Quote,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Plus,
    Hyphen,
    Power,
    Divide,
    Asterisk,
    Invalid,
    Eof,
}

impl TokenKind {
    /// How the token is named in error messages.
    pub fn describe(self) -> &'static str {
        use TokenKind::*;
        match self {
            IntNeg | IntPos => "an integer",
            FloatNeg | FloatPos => "a float",
            Hex => "a hex literal",
            Binary => "a binary literal",
            Str => "a string literal",
            Bool => "a boolean",
            Timestamp => "a timestamp literal",
            And => "AND",
            Or => "OR",
            Not => "NOT",
            FollowedBy => "FOLLOWEDBY",
            Like => "LIKE",
            Matches => "MATCHES",
            IsSuperset => "ISSUPERSET",
            IsSubset => "ISSUBSET",
            Exists => "EXISTS",
            Last => "LAST",
            In => "IN",
            Start => "START",
            Stop => "STOP",
            Seconds => "SECONDS",
            Within => "WITHIN",
            Repeats => "REPEATS",
            Times => "TIMES",
            IdentWithoutHyphen => "an identifier",
            IdentWithHyphen => "an identifier with a hyphen",
            Eq => "'='",
            Neq => "'!='",
            Lt => "'<'",
            Le => "'<='",
            Gt => "'>'",
            Ge => "'>='",
            Quote => "a lone quote",
            Colon => "':'",
            Dot => "'.'",
            Comma => "','",
            RParen => "')'",
            LParen => "'('",
            RBrack => "']'",
            LBrack => "'['",
            Plus => "'+'",
            Hyphen => "'-'",
            Power => "'^'",
            Divide => "'/'",
            Asterisk => "'*'",
            Invalid => "an unexpected character",
            Eof => "the end of the pattern",
        }
    }
}

/// One token: kind, byte offset and the exact text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The kind.
    pub kind: TokenKind,
    /// Byte offset in the pattern.
    pub offset: usize,
    /// The token's text.
    pub text: &'a str,
}

const KEYWORDS: &[(&str, TokenKind)] = &[
    ("AND", TokenKind::And),
    ("OR", TokenKind::Or),
    ("NOT", TokenKind::Not),
    ("FOLLOWEDBY", TokenKind::FollowedBy),
    ("LIKE", TokenKind::Like),
    ("MATCHES", TokenKind::Matches),
    ("ISSUPERSET", TokenKind::IsSuperset),
    ("ISSUBSET", TokenKind::IsSubset),
    ("EXISTS", TokenKind::Exists),
    ("LAST", TokenKind::Last),
    ("IN", TokenKind::In),
    ("START", TokenKind::Start),
    ("STOP", TokenKind::Stop),
    ("SECONDS", TokenKind::Seconds),
    ("WITHIN", TokenKind::Within),
    ("REPEATS", TokenKind::Repeats),
    ("TIMES", TokenKind::Times),
];

fn is_ws(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{000B}'
            | '\u{000C}'
            | '\u{0085}'
            | '\u{00a0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Length of `'0' | [1-9][0-9]*` at `i`, or 0.
fn uint_len(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'0') => 1,
        Some(c) if c.is_ascii_digit() => digits(b, i) - i,
        _ => 0,
    }
}

/// Length of `[0-9]* '.' [0-9]+` at `i`, or 0.
fn ufloat_len(b: &[u8], i: usize) -> usize {
    let j = digits(b, i);
    if b.get(j) == Some(&b'.') {
        let k = digits(b, j + 1);
        if k > j + 1 {
            return k - i;
        }
    }
    0
}

fn hex_len(b: &[u8], i: usize) -> usize {
    if b.get(i) != Some(&b'h') || b.get(i + 1) != Some(&b'\'') {
        return 0;
    }
    let mut j = i + 2;
    while j + 1 < b.len() && b[j].is_ascii_hexdigit() && b[j + 1].is_ascii_hexdigit() {
        j += 2;
    }
    if b.get(j) == Some(&b'\'') {
        j + 1 - i
    } else {
        0
    }
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

fn binary_len(b: &[u8], i: usize) -> usize {
    if b.get(i) != Some(&b'b') || b.get(i + 1) != Some(&b'\'') {
        return 0;
    }
    let start = i + 2;
    let mut j = start;
    while j < b.len() && is_b64(b[j]) {
        j += 1;
    }
    let chars = j - start;
    // At least one group; padding only at the very end: (4)* (4 | 3'=' | 2'==').
    let end = match chars % 4 {
        0 if chars > 0 => j,
        3 if b.get(j) == Some(&b'=') => j + 1,
        2 if b.get(j) == Some(&b'=') && b.get(j + 1) == Some(&b'=') => j + 2,
        _ => return 0,
    };
    if b.get(end) == Some(&b'\'') {
        end + 1 - i
    } else {
        0
    }
}

fn string_len(b: &[u8], i: usize) -> usize {
    if b.get(i) != Some(&b'\'') {
        return 0;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\'' => return j + 1 - i,
            b'\\' => match b.get(j + 1) {
                Some(b'\'') | Some(b'\\') => j += 2,
                _ => return 0,
            },
            _ => j += 1,
        }
    }
    0
}

fn timestamp_len(b: &[u8], i: usize) -> usize {
    if b.get(i) != Some(&b't') || b.get(i + 1) != Some(&b'\'') {
        return 0;
    }
    let d = |k: usize| b.get(i + k).copied().unwrap_or(0);
    let dig = |k: usize| d(k).is_ascii_digit();
    // t ' YYYY - MM - DD T hh : mm : ss
    // 0 1 2345 6 78 9 01 2 34 5 67 8 90
    if !(dig(2) && dig(3) && dig(4) && dig(5) && d(6) == b'-') {
        return 0;
    }
    let month_ok = (d(7) == b'0' && (b'1'..=b'9').contains(&d(8)))
        || (d(7) == b'1' && (b'0'..=b'2').contains(&d(8)));
    let day_ok = (d(10) == b'0' && (b'1'..=b'9').contains(&d(11)))
        || ((d(10) == b'1' || d(10) == b'2') && dig(11))
        || (d(10) == b'3' && (d(11) == b'0' || d(11) == b'1'));
    if !(month_ok && d(9) == b'-' && day_ok && d(12) == b'T') {
        return 0;
    }
    let hour_ok = ((d(13) == b'0' || d(13) == b'1') && dig(14))
        || (d(13) == b'2' && (b'0'..=b'3').contains(&d(14)));
    let min_ok = (b'0'..=b'5').contains(&d(16)) && dig(17);
    let sec_ok = ((b'0'..=b'5').contains(&d(19)) && dig(20)) || (d(19) == b'6' && d(20) == b'0');
    if !(hour_ok && d(15) == b':' && min_ok && d(18) == b':' && sec_ok) {
        return 0;
    }
    let mut k = i + 21;
    if b.get(k) == Some(&b'.') {
        let e = digits(b, k + 1);
        if e > k + 1 {
            k = e;
        }
    }
    if b.get(k) == Some(&b'Z') && b.get(k + 1) == Some(&b'\'') {
        k + 2 - i
    } else {
        0
    }
}

fn ident_lens(b: &[u8], i: usize) -> (usize, usize) {
    match b.get(i) {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return (0, 0),
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    let without = j - i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
        j += 1;
    }
    (without, j - i)
}

/// Splits a pattern into tokens (ending with one `Eof` token). Never fails: characters no rule
/// accepts become `Invalid` tokens, which the parser reports.
pub fn tokenize(input: &str) -> Vec<Token<'_>> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // Whitespace and comments are skipped (they compete on length like any rule, but no
        // other rule starts with their first characters except '/').
        let c = input[i..].chars().next().unwrap_or(' ');
        if is_ws(c) {
            i += c.len_utf8();
            continue;
        }
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\r' && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b[i] == b'/'
            && b.get(i + 1) == Some(&b'*')
            && let Some(end) = input[i + 2..].find("*/")
        {
            i = i + 2 + end + 2;
            continue;
        }

        // Candidates in grammar order; the first of the longest wins.
        let mut best = (0usize, TokenKind::Invalid);
        let mut offer = |len: usize, kind: TokenKind| {
            if len > best.0 {
                best = (len, kind);
            }
        };
        if b[i] == b'-' {
            let n = uint_len(b, i + 1);
            offer(if n > 0 { n + 1 } else { 0 }, TokenKind::IntNeg);
        }
        {
            let s = usize::from(b[i] == b'+');
            let n = uint_len(b, i + s);
            offer(if n > 0 { n + s } else { 0 }, TokenKind::IntPos);
        }
        if b[i] == b'-' {
            let n = ufloat_len(b, i + 1);
            offer(if n > 0 { n + 1 } else { 0 }, TokenKind::FloatNeg);
        }
        {
            let s = usize::from(b[i] == b'+');
            let n = ufloat_len(b, i + s);
            offer(if n > 0 { n + s } else { 0 }, TokenKind::FloatPos);
        }
        offer(hex_len(b, i), TokenKind::Hex);
        offer(binary_len(b, i), TokenKind::Binary);
        offer(string_len(b, i), TokenKind::Str);
        let (without, with) = ident_lens(b, i);
        let word = &input[i..i + without];
        if word == "true" || word == "false" {
            offer(without, TokenKind::Bool);
        }
        offer(timestamp_len(b, i), TokenKind::Timestamp);
        if let Some((_, kind)) = KEYWORDS.iter().find(|(k, _)| *k == word) {
            offer(without, *kind);
        }
        offer(without, TokenKind::IdentWithoutHyphen);
        offer(with, TokenKind::IdentWithHyphen);
        let two = b.get(i + 1).copied();
        let punct = match (b[i], two) {
            (b'=', Some(b'=')) => (2, TokenKind::Eq),
            (b'=', _) => (1, TokenKind::Eq),
            (b'!', Some(b'=')) => (2, TokenKind::Neq),
            (b'<', Some(b'>')) => (2, TokenKind::Neq),
            (b'<', Some(b'=')) => (2, TokenKind::Le),
            (b'<', _) => (1, TokenKind::Lt),
            (b'>', Some(b'=')) => (2, TokenKind::Ge),
            (b'>', _) => (1, TokenKind::Gt),
            (b'\'', _) => (1, TokenKind::Quote),
            (b':', _) => (1, TokenKind::Colon),
            (b'.', _) => (1, TokenKind::Dot),
            (b',', _) => (1, TokenKind::Comma),
            (b')', _) => (1, TokenKind::RParen),
            (b'(', _) => (1, TokenKind::LParen),
            (b']', _) => (1, TokenKind::RBrack),
            (b'[', _) => (1, TokenKind::LBrack),
            (b'+', _) => (1, TokenKind::Plus),
            (b'-', _) => (1, TokenKind::Hyphen),
            (b'^', _) => (1, TokenKind::Power),
            (b'/', _) => (1, TokenKind::Divide),
            (b'*', _) => (1, TokenKind::Asterisk),
            _ => (0, TokenKind::Invalid),
        };
        offer(punct.0, punct.1);
        if best.0 == 0 {
            best = (c.len_utf8(), TokenKind::Invalid);
        }
        out.push(Token {
            kind: best.1,
            offset: i,
            text: &input[i..i + best.0],
        });
        i += best.0;
    }
    out.push(Token {
        kind: TokenKind::Eof,
        offset: input.len(),
        text: "",
    });
    out
}
