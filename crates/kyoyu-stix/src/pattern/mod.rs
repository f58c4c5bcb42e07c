//! STIX 2.1 patterning: parse a pattern into a tree, check it the way the OASIS validator
//! does, extract the observables it tests, and build patterns from simple IoCs.
//!
//! Key decision: a hand-written recursive-descent parser over a lexer that mirrors the OASIS
//! ANTLR grammar (see [`lexer`]), plus the two semantic checks `stix2-patterns` 2.1.2 adds after
//! parsing (hash values must fit their algorithm; no qualifier type twice on one bracketed
//! observation). A corpus test holds the parser to the OASIS validator pattern by pattern.
//! The parser never panics and reports the first error with its byte offset and what was
//! expected.

pub mod build;
pub mod lexer;

use std::fmt;

use lexer::{Token, TokenKind, tokenize};

pub use build::{IocKind, ioc_pattern};

/// A parse or check failure: where (byte offset into the pattern) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The text does not follow the grammar.
    #[error("at byte {offset}: expected {expected}, found {found}")]
    Syntax {
        /// Byte offset of the offending token.
        offset: usize,
        /// What the grammar allows here.
        expected: String,
        /// What is there.
        found: String,
    },
    /// A hash comparison whose value does not fit the algorithm.
    #[error("at byte {offset}: {value:?} is not a valid {algorithm} hash")]
    BadHash {
        /// Byte offset of the comparison.
        offset: usize,
        /// The algorithm named in the path.
        algorithm: String,
        /// The literal as written.
        value: String,
    },
    /// The same qualifier type applied twice to one bracketed observation.
    #[error("at byte {offset}: duplicate {qualifier} qualifier on one observation")]
    DuplicateQualifier {
        /// Byte offset of the second qualifier.
        offset: usize,
        /// `WITHIN`, `REPEATS` or `START/STOP`.
        qualifier: &'static str,
    },
}

/// An observation expression: the top level of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison ]`.
    Observation(ComparisonExpr),
    /// `( observation-expression )`.
    Group(Box<ObservationExpr>),
    /// `a AND b AND …`.
    And(Vec<ObservationExpr>),
    /// `a OR b OR …`.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY …`.
    FollowedBy(Vec<ObservationExpr>),
    /// An expression with a qualifier.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// An observation qualifier.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (`n` as written: an integer or a float).
    Within(String),
    /// `REPEATS n TIMES` (`n` as written).
    Repeats(String),
    /// `START t'…' STOP t'…'` (timestamps without the `t'…'` wrapper).
    StartStop(String, String),
}

/// A comparison expression inside brackets.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// One test.
    Test(Comparison),
    /// `[NOT] EXISTS path`.
    Exists {
        /// The path tested.
        path: ObjectPath,
        /// `NOT EXISTS`.
        negated: bool,
    },
    /// `( comparison )`.
    Group(Box<ComparisonExpr>),
    /// `a AND b AND …`.
    And(Vec<ComparisonExpr>),
    /// `a OR b OR …`.
    Or(Vec<ComparisonExpr>),
}

/// `path [NOT] operator literal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object path.
    pub path: ObjectPath,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator.
    pub operator: Operator,
    /// The right-hand side.
    pub value: Literal,
    /// Byte offset of the comparison in the pattern.
    pub offset: usize,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Operator {
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
}

impl Operator {
    /// The operator as written in a pattern.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Neq => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::In => "IN",
            Self::Like => "LIKE",
            Self::Matches => "MATCHES",
            Self::IsSubset => "ISSUBSET",
            Self::IsSuperset => "ISSUPERSET",
        }
    }
}

/// `type:property.key[0]…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The object type (`file`, `ipv4-addr`).
    pub object_type: String,
    /// The steps after the colon; the first is always a key.
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// A property name (quoted or not in the pattern; unescaped here).
    Key(String),
    /// `[n]` (n ≥ 0).
    Index(i64),
    /// `[*]`.
    AnyIndex,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, unescaped.
    Str(String),
    /// An integer exactly as written (any size, sign included).
    Int(String),
    /// A float exactly as written.
    Float(String),
    /// `true` / `false`.
    Bool(bool),
    /// `t'…'`: the timestamp text inside the quotes.
    Timestamp(String),
    /// `h'…'`: the bytes.
    Hex(Vec<u8>),
    /// `b'…'`: the base64 text inside the quotes.
    Binary(String),
    /// `( a, b, … )` (for `IN`).
    Set(Vec<Literal>),
}

/// A parsed, checked pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The tree.
    pub root: ObservationExpr,
}

/// One thing a pattern looks for: `file:hashes.'SHA-256' = '…'` gives object type `file`,
/// path `hashes.'SHA-256'` and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observable {
    /// The object type.
    pub object_type: String,
    /// The path after the colon, rendered as in a pattern.
    pub path: String,
    /// The value compared with.
    pub value: Literal,
}

impl Pattern {
    /// Parses and checks a pattern.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        check_leading_bracket(text)?;
        let tokens = tokenize(text);
        let mut parser = Parser {
            tokens: &tokens,
            pos: 0,
            depth: 0,
        };
        let root = parser.observation_expressions()?;
        parser.expect(
            TokenKind::Eof,
            "AND, OR, FOLLOWEDBY, a qualifier or the end",
        )?;
        check_qualifiers(&root)?;
        check_hashes(&root)?;
        Ok(Self { root })
    }

    /// Every comparison in the pattern, in order.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        walk_obs(&self.root, &mut |c| out.push(c));
        out
    }

    /// The observables: each non-negated `=` comparison, and each member of a non-negated `IN`
    /// set.
    pub fn observables(&self) -> Vec<Observable> {
        let mut out = Vec::new();
        for c in self.comparisons() {
            if c.negated {
                continue;
            }
            let path = render_steps(&c.path.steps);
            match (&c.operator, &c.value) {
                (Operator::Eq, v) => out.push(Observable {
                    object_type: c.path.object_type.clone(),
                    path,
                    value: v.clone(),
                }),
                (Operator::In, Literal::Set(members)) => {
                    for v in members {
                        out.push(Observable {
                            object_type: c.path.object_type.clone(),
                            path: path.clone(),
                            value: v.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Parses and checks a pattern (same as [`Pattern::parse`]).
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    Pattern::parse(text)
}

fn walk_obs<'a>(e: &'a ObservationExpr, f: &mut impl FnMut(&'a Comparison)) {
    match e {
        ObservationExpr::Observation(c) => walk_cmp(c, f),
        ObservationExpr::Group(inner) | ObservationExpr::Qualified(inner, _) => walk_obs(inner, f),
        ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
            v.iter().for_each(|x| walk_obs(x, f))
        }
    }
}

fn walk_cmp<'a>(e: &'a ComparisonExpr, f: &mut impl FnMut(&'a Comparison)) {
    match e {
        ComparisonExpr::Test(c) => f(c),
        ComparisonExpr::Exists { .. } => {}
        ComparisonExpr::Group(inner) => walk_cmp(inner, f),
        ComparisonExpr::And(v) | ComparisonExpr::Or(v) => v.iter().for_each(|x| walk_cmp(x, f)),
    }
}

/// Nesting limit: deeper input is reported as an error rather than risking the stack.
const MAX_DEPTH: usize = 200;

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Token<'a> {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> Token<'a> {
        self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token<'a> {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn error(&self, expected: &str) -> PatternError {
        let t = self.peek();
        let found = if t.kind == TokenKind::Eof {
            t.kind.describe().to_owned()
        } else {
            format!("{} `{}`", t.kind.describe(), t.text)
        };
        PatternError::Syntax {
            offset: t.offset,
            expected: expected.to_owned(),
            found,
        }
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Token<'a>, PatternError> {
        if self.peek().kind == kind {
            Ok(self.bump())
        } else {
            Err(self.error(expected))
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("less deeply nested parentheses"));
        }
        Ok(())
    }

    fn observation_expressions(&mut self) -> Result<ObservationExpr, PatternError> {
        self.enter()?;
        let mut items = vec![self.observation_or()?];
        while self.peek().kind == TokenKind::FollowedBy {
            self.bump();
            items.push(self.observation_or()?);
        }
        self.depth -= 1;
        Ok(one_or(items, ObservationExpr::FollowedBy))
    }

    fn observation_or(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut items = vec![self.observation_and()?];
        while self.peek().kind == TokenKind::Or {
            self.bump();
            items.push(self.observation_and()?);
        }
        Ok(one_or(items, ObservationExpr::Or))
    }

    fn observation_and(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut items = vec![self.observation()?];
        while self.peek().kind == TokenKind::And {
            self.bump();
            items.push(self.observation()?);
        }
        Ok(one_or(items, ObservationExpr::And))
    }

    fn observation(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut expr = match self.peek().kind {
            TokenKind::LBrack => {
                self.bump();
                let c = self.comparison_or()?;
                self.expect(TokenKind::RBrack, "']', AND or OR")?;
                ObservationExpr::Observation(c)
            }
            TokenKind::LParen => {
                self.bump();
                let inner = self.observation_expressions()?;
                self.expect(TokenKind::RParen, "')', AND, OR or FOLLOWEDBY")?;
                ObservationExpr::Group(Box::new(inner))
            }
            _ => return Err(self.error("'[' or '(' (an observation expression)")),
        };
        loop {
            let q = match self.peek().kind {
                TokenKind::Within => {
                    self.bump();
                    let t = self.peek();
                    if !matches!(t.kind, TokenKind::IntPos | TokenKind::FloatPos) {
                        return Err(self.error("a positive number of seconds after WITHIN"));
                    }
                    self.bump();
                    self.expect(TokenKind::Seconds, "SECONDS")?;
                    Qualifier::Within(strip_plus(t.text))
                }
                TokenKind::Repeats => {
                    self.bump();
                    let t = self.expect(TokenKind::IntPos, "a positive integer after REPEATS")?;
                    self.expect(TokenKind::Times, "TIMES")?;
                    Qualifier::Repeats(strip_plus(t.text))
                }
                TokenKind::Start => {
                    self.bump();
                    let a = self.expect(TokenKind::Timestamp, "a timestamp t'…Z' after START")?;
                    self.expect(TokenKind::Stop, "STOP")?;
                    let b = self.expect(TokenKind::Timestamp, "a timestamp t'…Z' after STOP")?;
                    Qualifier::StartStop(unwrap_quoted(a.text), unwrap_quoted(b.text))
                }
                _ => break,
            };
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        Ok(expr)
    }

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        self.enter()?;
        let mut items = vec![self.comparison_and()?];
        while self.peek().kind == TokenKind::Or {
            self.bump();
            items.push(self.comparison_and()?);
        }
        self.depth -= 1;
        Ok(one_or(items, ComparisonExpr::Or))
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut items = vec![self.prop_test()?];
        while self.peek().kind == TokenKind::And {
            self.bump();
            items.push(self.prop_test()?);
        }
        Ok(one_or(items, ComparisonExpr::And))
    }

    fn prop_test(&mut self) -> Result<ComparisonExpr, PatternError> {
        match self.peek().kind {
            TokenKind::LParen => {
                self.bump();
                let inner = self.comparison_or()?;
                self.expect(TokenKind::RParen, "')', AND or OR")?;
                return Ok(ComparisonExpr::Group(Box::new(inner)));
            }
            TokenKind::Exists => {
                self.bump();
                return Ok(ComparisonExpr::Exists {
                    path: self.object_path()?,
                    negated: false,
                });
            }
            TokenKind::Not if self.peek_at(1).kind == TokenKind::Exists => {
                self.bump();
                self.bump();
                return Ok(ComparisonExpr::Exists {
                    path: self.object_path()?,
                    negated: true,
                });
            }
            _ => {}
        }
        let offset = self.peek().offset;
        let path = self.object_path()?;
        let negated = if self.peek().kind == TokenKind::Not {
            self.bump();
            true
        } else {
            false
        };
        let op_token = self.peek();
        let operator = match op_token.kind {
            TokenKind::Eq => Operator::Eq,
            TokenKind::Neq => Operator::Neq,
            TokenKind::Lt => Operator::Lt,
            TokenKind::Le => Operator::Le,
            TokenKind::Gt => Operator::Gt,
            TokenKind::Ge => Operator::Ge,
            TokenKind::In => Operator::In,
            TokenKind::Like => Operator::Like,
            TokenKind::Matches => Operator::Matches,
            TokenKind::IsSubset => Operator::IsSubset,
            TokenKind::IsSuperset => Operator::IsSuperset,
            _ => {
                return Err(self.error(if negated {
                    "a comparison operator after NOT"
                } else {
                    "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) or NOT"
                }));
            }
        };
        self.bump();
        let value = match operator {
            Operator::Eq | Operator::Neq => self.primitive_literal(true)?,
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
                self.primitive_literal(false)?
            }
            Operator::In => self.set_literal()?,
            Operator::Like | Operator::Matches | Operator::IsSubset | Operator::IsSuperset => {
                let t = self.expect(
                    TokenKind::Str,
                    &format!("a string literal after {}", operator.as_str()),
                )?;
                Literal::Str(unescape(t.text))
            }
        };
        Ok(ComparisonExpr::Test(Comparison {
            path,
            negated,
            operator,
            value,
            offset,
        }))
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let t = self.peek();
        if !matches!(
            t.kind,
            TokenKind::IdentWithoutHyphen | TokenKind::IdentWithHyphen
        ) {
            return Err(self.error("an object type (e.g. `file`, `ipv4-addr`)"));
        }
        self.bump();
        self.expect(TokenKind::Colon, "':' after the object type")?;
        let first = self.peek();
        let mut steps = vec![match first.kind {
            TokenKind::IdentWithoutHyphen => PathStep::Key(first.text.to_owned()),
            TokenKind::Str => PathStep::Key(unescape(first.text)),
            _ => return Err(self.error("a property name (no hyphen) or a quoted name")),
        }];
        self.bump();
        loop {
            match self.peek().kind {
                TokenKind::Dot => {
                    self.bump();
                    let k = self.peek();
                    steps.push(match k.kind {
                        TokenKind::IdentWithoutHyphen => PathStep::Key(k.text.to_owned()),
                        TokenKind::Str => PathStep::Key(unescape(k.text)),
                        _ => {
                            return Err(self
                                .error("a property name (no hyphen) or a quoted name after '.'"));
                        }
                    });
                    self.bump();
                }
                TokenKind::LBrack => {
                    self.bump();
                    let k = self.peek();
                    steps.push(match k.kind {
                        TokenKind::Asterisk => PathStep::AnyIndex,
                        TokenKind::IntPos => {
                            PathStep::Index(strip_plus(k.text).parse().unwrap_or(i64::MAX))
                        }
                        // The grammar lexes `[-1]`, but STIX gives negative indexes no meaning
                        // and the OASIS validator cannot process them: rejected.
                        TokenKind::IntNeg => {
                            return Err(self.error("a non-negative list index or '*'"));
                        }
                        _ => return Err(self.error("a list index (an integer or '*')")),
                    });
                    self.bump();
                    self.expect(TokenKind::RBrack, "']' after the list index")?;
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type: t.text.to_owned(),
            steps,
        })
    }

    fn primitive_literal(&mut self, allow_bool: bool) -> Result<Literal, PatternError> {
        let t = self.peek();
        let lit = match t.kind {
            TokenKind::IntPos | TokenKind::IntNeg => Literal::Int(t.text.to_owned()),
            TokenKind::FloatPos | TokenKind::FloatNeg => Literal::Float(t.text.to_owned()),
            TokenKind::Str => Literal::Str(unescape(t.text)),
            TokenKind::Binary => Literal::Binary(unwrap_quoted(t.text)),
            TokenKind::Hex => Literal::Hex(decode_hex(&unwrap_quoted(t.text))),
            TokenKind::Timestamp => Literal::Timestamp(unwrap_quoted(t.text)),
            TokenKind::Bool if allow_bool => Literal::Bool(t.text == "true"),
            _ => {
                return Err(self.error(if allow_bool {
                    "a literal (string, number, boolean, t'…', h'…', b'…')"
                } else {
                    "an orderable literal (string, number, t'…', h'…', b'…')"
                }));
            }
        };
        self.bump();
        Ok(lit)
    }

    fn set_literal(&mut self) -> Result<Literal, PatternError> {
        self.expect(TokenKind::LParen, "'(' starting the set after IN")?;
        let mut members = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            self.bump();
            return Ok(Literal::Set(members));
        }
        loop {
            members.push(self.primitive_literal(true)?);
            match self.peek().kind {
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RParen => {
                    self.bump();
                    return Ok(Literal::Set(members));
                }
                _ => return Err(self.error("',' or ')' in the set")),
            }
        }
    }
}

fn one_or<T>(mut items: Vec<T>, make: fn(Vec<T>) -> T) -> T {
    if items.len() == 1 {
        items.pop().unwrap_or_else(|| make(Vec::new()))
    } else {
        make(items)
    }
}

fn strip_plus(text: &str) -> String {
    text.strip_prefix('+').unwrap_or(text).to_owned()
}

/// `t'…'`, `h'…'`, `b'…'` → the text inside the quotes.
fn unwrap_quoted(text: &str) -> String {
    let inner = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
    inner.to_owned()
}

/// `'…'` with `\'` and `\\` → the string.
fn unescape(text: &str) -> String {
    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn decode_hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect()
}

/// Escapes a string for a pattern string literal (`'` → `\'`, `\` → `\\`), quotes included.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            key,
            "AND"
                | "OR"
                | "NOT"
                | "FOLLOWEDBY"
                | "LIKE"
                | "MATCHES"
                | "ISSUPERSET"
                | "ISSUBSET"
                | "EXISTS"
                | "LAST"
                | "IN"
                | "START"
                | "STOP"
                | "SECONDS"
                | "WITHIN"
                | "REPEATS"
                | "TIMES"
                | "true"
                | "false"
        )
    // `t'`, `h'`, `b'` prefixes only matter before a quote, never in a bare key.
}

fn render_steps(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            PathStep::Key(k) => {
                if i > 0 {
                    out.push('.');
                }
                if is_plain_key(k) {
                    out.push_str(k);
                } else {
                    out.push_str(&quote(k));
                }
            }
            PathStep::Index(n) => out.push_str(&format!("[{n}]")),
            PathStep::AnyIndex => out.push_str("[*]"),
        }
    }
    out
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object_type, render_steps(&self.steps))
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => f.write_str(&quote(s)),
            Self::Int(s) | Self::Float(s) => f.write_str(s),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Timestamp(t) => write!(f, "t'{t}'"),
            Self::Hex(bytes) => {
                f.write_str("h'")?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("'")
            }
            Self::Binary(b) => write!(f, "b'{b}'"),
            Self::Set(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        write!(
            f,
            "{} {not}{} {}",
            self.path,
            self.operator.as_str(),
            self.value
        )
    }
}

impl fmt::Display for ComparisonExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[ComparisonExpr], op: &str| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                // An OR inside an AND needs its parentheses back.
                match item {
                    ComparisonExpr::Or(_) if op == "AND" => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            Self::Test(c) => write!(f, "{c}"),
            Self::Exists { path, negated } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{not}EXISTS {path}")
            }
            Self::Group(inner) => write!(f, "({inner})"),
            Self::And(items) => join(f, items, "AND"),
            Self::Or(items) => join(f, items, "OR"),
        }
    }
}

impl fmt::Display for ObservationExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[ObservationExpr], op: &str, rank: u8| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                if item.rank() < rank {
                    write!(f, "({item})")?;
                } else {
                    write!(f, "{item}")?;
                }
            }
            Ok(())
        };
        match self {
            Self::Observation(c) => write!(f, "[{c}]"),
            Self::Group(inner) => write!(f, "({inner})"),
            Self::And(items) => join(f, items, "AND", 3),
            Self::Or(items) => join(f, items, "OR", 2),
            Self::FollowedBy(items) => join(f, items, "FOLLOWEDBY", 1),
            Self::Qualified(inner, q) => {
                if inner.rank() < 4 {
                    write!(f, "({inner})")?;
                } else {
                    write!(f, "{inner}")?;
                }
                match q {
                    Qualifier::Within(n) => write!(f, " WITHIN {n} SECONDS"),
                    Qualifier::Repeats(n) => write!(f, " REPEATS {n} TIMES"),
                    Qualifier::StartStop(a, b) => write!(f, " START t'{a}' STOP t'{b}'"),
                }
            }
        }
    }
}

impl ObservationExpr {
    /// Binding strength, for printing parentheses where the tree needs them.
    fn rank(&self) -> u8 {
        match self {
            Self::FollowedBy(_) => 1,
            Self::Or(_) => 2,
            Self::And(_) => 3,
            _ => 4,
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)
    }
}

/// `stix2-patterns` first checks, without parsing, that the first character other than `(` and
/// white space is `[` (so a pattern cannot start with a comment).
fn check_leading_bracket(text: &str) -> Result<(), PatternError> {
    // Python's `str.isspace` also counts the separators U+001C–U+001F.
    let is_space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    match text
        .char_indices()
        .find(|(_, c)| *c != '(' && !is_space(*c))
    {
        Some((_, '[')) => Ok(()),
        Some((offset, c)) => Err(PatternError::Syntax {
            offset,
            expected: "'[' (a pattern starts with an observation, after any '(')".to_owned(),
            found: format!("{c:?}"),
        }),
        None => Err(PatternError::Syntax {
            offset: text.len(),
            expected: "'[' (a pattern starts with an observation)".to_owned(),
            found: "the end of the pattern".to_owned(),
        }),
    }
}

/// `stix2-patterns` rejects the same qualifier type twice in a chain applied directly to one
/// bracketed observation (`[…] WITHIN 5 SECONDS WITHIN 6 SECONDS`), but not when the chain
/// starts from a parenthesized group.
fn check_qualifiers(e: &ObservationExpr) -> Result<(), PatternError> {
    match e {
        ObservationExpr::Observation(_) => Ok(()),
        ObservationExpr::Group(inner) => check_qualifiers(inner),
        ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
            v.iter().try_for_each(check_qualifiers)
        }
        ObservationExpr::Qualified(..) => {
            let mut chain = Vec::new();
            let mut cur = e;
            while let ObservationExpr::Qualified(inner, q) = cur {
                chain.push(q);
                cur = inner;
            }
            check_qualifiers(cur)?;
            if matches!(cur, ObservationExpr::Observation(_)) {
                let mut seen = [false; 3];
                // Innermost first, as the validator meets them.
                for q in chain.iter().rev() {
                    let (slot, name) = match q {
                        Qualifier::Within(_) => (0, "WITHIN"),
                        Qualifier::Repeats(_) => (1, "REPEATS"),
                        Qualifier::StartStop(..) => (2, "START/STOP"),
                    };
                    if seen[slot] {
                        return Err(PatternError::DuplicateQualifier {
                            offset: 0,
                            qualifier: name,
                        });
                    }
                    seen[slot] = true;
                }
            }
            Ok(())
        }
    }
}

/// The hash check of `stix2-patterns` (`object_validator.verify_object`): a comparison whose
/// path contains a `hashes` step and ends in a known algorithm must compare with a value of
/// that algorithm's form. The value is the literal's text with every `'` removed, as there.
fn check_hashes(root: &ObservationExpr) -> Result<(), PatternError> {
    let mut result = Ok(());
    walk_obs(root, &mut |c| {
        if result.is_err() {
            return;
        }
        if !c
            .path
            .steps
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"))
        {
            return;
        }
        let Some(PathStep::Key(selector)) = c.path.steps.last() else {
            return;
        };
        let algorithm: String = selector
            .to_uppercase()
            .chars()
            .filter(|ch| *ch != '-' && *ch != '\'')
            .collect();
        let text = literal_text(&c.value).replace('\'', "");
        if !hash_value_ok(&algorithm, &text) {
            result = Err(PatternError::BadHash {
                offset: c.offset,
                algorithm: selector.clone(),
                value: text,
            });
        }
    });
    result
}

/// The literal's text as the ANTLR tree prints it (`getText`: tokens without whitespace).
fn literal_text(value: &Literal) -> String {
    match value {
        Literal::Str(s) => quote(s),
        Literal::Set(items) => {
            let inner: Vec<String> = items.iter().map(literal_text).collect();
            format!("({})", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn hash_value_ok(algorithm: &str, text: &str) -> bool {
    // Python's `$` also matches before one trailing newline.
    let body = text.strip_suffix('\n').unwrap_or(text);
    let hex_len = |n: usize| body.len() == n && body.bytes().all(|b| b.is_ascii_hexdigit());
    match algorithm {
        "MD5" => hex_len(32),
        // The validator's MD6 expression is unanchored after its first alternative: in effect
        // the value must start with 32 hex digits.
        "MD6" => text.len() >= 32 && text.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit),
        "RIPEMD160" | "SHA1" => hex_len(40),
        "SHA224" | "SHA3224" => hex_len(56),
        "SHA256" | "SHA3256" => hex_len(64),
        "SHA384" | "SHA3384" => hex_len(96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex_len(128),
        "SSDEEP" => {
            (1..=128).contains(&body.chars().count())
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        _ => true,
    }
}
