//! A small condition language over an incident's facts, used by rule data files.
//!
//! ```text
//! pd_involved && !strong_encryption && (jp_sensitive || jp_financial_risk || wrongful_act || persons > 1000)
//! sector(bank, securities, insurance) && jurisdiction(JP) && event(ransom_paid)
//! risk_to_individuals == high_risk
//! ```
//!
//! Key decision: conditions are text in the data files (so a lawyer can read a trigger next to
//! its citation), parsed once into a tree and checked against the fact vocabulary at parse time:
//! a misspelt fact is an error when the rules load, never a rule that silently never fires.

use std::fmt;

use crate::facts::{FactValue, Facts};
use crate::incident::{Jurisdiction, Sector};
use crate::timeline::EventKind;

/// What a condition is evaluated against.
pub trait Environment {
    /// The value of a fact, `None` when unset.
    fn fact(&self, name: &str) -> Option<FactValue>;
    /// True when the organization is in the sector.
    fn has_sector(&self, sector: &str) -> bool;
    /// True when the jurisdiction (`JP`, `EU`, `US`) applies.
    fn has_jurisdiction(&self, code: &str) -> bool;
    /// True when the timeline holds an event of this kind.
    fn has_event(&self, event: &str) -> bool;
    /// True when the timeline records a report that is not a legal duty to this recipient (a
    /// `reported` event with `to`, one of [`crate::timeline::REPORT_RECIPIENTS`]).
    fn reported_to(&self, recipient: &str) -> bool {
        let _ = recipient;
        false
    }
}

/// A condition that failed to parse, with the byte offset in its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition `{text}`, at character {offset}: {message}")]
pub struct ConditionError {
    /// The condition's text.
    pub text: String,
    /// Where in the text the problem is.
    pub offset: usize,
    /// What was expected.
    pub message: String,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A name (`high_risk`, `confirmed`).
    Name(String),
}

/// A parsed condition tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    /// Always true (the empty condition).
    True,
    /// A yes/no fact.
    Fact(String),
    /// A fact compared with a literal.
    Compare(String, Comparison, Literal),
    /// Any of the sectors.
    Sector(Vec<String>),
    /// Any of the jurisdictions.
    Jurisdiction(Vec<String>),
    /// Any of the timeline events happened.
    Event(Vec<String>),
    /// A report that is not a legal duty went to any of these recipients.
    ReportedTo(Vec<String>),
    /// Negation.
    Not(Box<Expression>),
    /// All must hold.
    And(Vec<Expression>),
    /// Any must hold.
    Or(Vec<Expression>),
}

/// A condition: its source text and its parsed tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    text: String,
    expression: Expression,
}

impl Condition {
    /// The condition that always holds.
    pub fn always() -> Self {
        Condition {
            text: String::new(),
            expression: Expression::True,
        }
    }

    /// Parses and checks a condition; the empty text means "always".
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        let mut parser = Parser { text, position: 0 };
        parser.skip_blanks();
        if parser.at_end() {
            return Ok(Condition::always());
        }
        let expression = parser.or()?;
        parser.skip_blanks();
        if !parser.at_end() {
            return Err(parser.error("expected `&&`, `||`, `)` or the end"));
        }
        Ok(Condition {
            text: text.trim().to_owned(),
            expression,
        })
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed tree.
    pub fn expression(&self) -> &Expression {
        &self.expression
    }

    /// Evaluates the condition. Unset facts are false; comparisons with them are false.
    pub fn evaluate(&self, environment: &dyn Environment) -> bool {
        evaluate(&self.expression, environment)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            formatter.write_str("always")
        } else {
            formatter.write_str(&self.text)
        }
    }
}

fn evaluate(expression: &Expression, environment: &dyn Environment) -> bool {
    match expression {
        Expression::True => true,
        Expression::Fact(name) => matches!(environment.fact(name), Some(FactValue::Bool(true))),
        Expression::Compare(name, comparison, literal) => {
            compare(environment.fact(name), *comparison, literal)
        }
        Expression::Sector(sectors) => sectors.iter().any(|sector| environment.has_sector(sector)),
        Expression::Jurisdiction(codes) => {
            codes.iter().any(|code| environment.has_jurisdiction(code))
        }
        Expression::Event(events) => events.iter().any(|event| environment.has_event(event)),
        Expression::ReportedTo(recipients) => recipients
            .iter()
            .any(|recipient| environment.reported_to(recipient)),
        Expression::Not(inner) => !evaluate(inner, environment),
        Expression::And(parts) => parts.iter().all(|part| evaluate(part, environment)),
        Expression::Or(parts) => parts.iter().any(|part| evaluate(part, environment)),
    }
}

fn compare(value: Option<FactValue>, comparison: Comparison, literal: &Literal) -> bool {
    use std::cmp::Ordering;
    let ordering = match (value, literal) {
        (Some(FactValue::Number(left)), Literal::Number(right)) => left.partial_cmp(right),
        (Some(FactValue::Name(left)), Literal::Name(right)) => Some(left.cmp(right.as_str())),
        (Some(FactValue::Bool(left)), Literal::Name(right))
            if right == "true" || right == "false" =>
        {
            Some(left.cmp(&(right == "true")))
        }
        _ => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match comparison {
        Comparison::Equal => ordering == Ordering::Equal,
        Comparison::NotEqual => ordering != Ordering::Equal,
        Comparison::Greater => ordering == Ordering::Greater,
        Comparison::GreaterOrEqual => ordering != Ordering::Less,
        Comparison::Less => ordering == Ordering::Less,
        Comparison::LessOrEqual => ordering != Ordering::Greater,
    }
}

struct Parser<'text> {
    text: &'text str,
    position: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ConditionError {
        ConditionError {
            text: self.text.to_owned(),
            offset: self.text[..self.position].chars().count(),
            message: message.to_owned(),
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.position..]
    }

    fn at_end(&self) -> bool {
        self.position >= self.text.len()
    }

    fn skip_blanks(&mut self) {
        let rest = self.rest();
        self.position += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_blanks();
        if self.rest().starts_with(token) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expression, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.eat("||") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expression::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expression, ConditionError> {
        let mut parts = vec![self.unary()?];
        while self.eat("&&") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expression::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expression, ConditionError> {
        self.skip_blanks();
        if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            self.position += 1;
            return Ok(Expression::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(self.error("expected `)`"));
            }
            return Ok(inner);
        }
        self.primary()
    }

    fn word(&mut self) -> Option<&str> {
        self.skip_blanks();
        let rest = self.rest();
        let length = rest
            .find(|character: char| {
                !(character.is_ascii_alphanumeric()
                    || character == '_'
                    || character == '.'
                    || character == '-')
            })
            .unwrap_or(rest.len());
        if length == 0 {
            return None;
        }
        let start = self.position;
        self.position += length;
        Some(&self.text[start..self.position])
    }

    fn primary(&mut self) -> Result<Expression, ConditionError> {
        let start = self.position;
        let Some(name) = self.word().map(str::to_owned) else {
            return Err(
                self.error("expected a fact name, `!`, `(` or sector(…)/jurisdiction(…)/event(…)")
            );
        };
        if self.eat("(") {
            let mut arguments = Vec::new();
            loop {
                let argument_start = self.position;
                let Some(argument) = self.word().map(str::to_owned) else {
                    return Err(self.error("expected a name"));
                };
                let valid = match name.as_str() {
                    "sector" => Sector::parse(&argument).is_ok_and(|sector| sector.is_known()),
                    "jurisdiction" => argument.parse::<Jurisdiction>().is_ok(),
                    "event" => argument.parse::<EventKind>().is_ok(),
                    "reported_to" => {
                        crate::timeline::REPORT_RECIPIENTS.contains(&argument.as_str())
                    }
                    _ => {
                        self.position = start;
                        return Err(self.error(
                            "unknown function; expected sector, jurisdiction, event or reported_to",
                        ));
                    }
                };
                if !valid {
                    self.position = argument_start;
                    return Err(self.error(&format!("`{argument}` is not a known {name}")));
                }
                arguments.push(argument);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return Err(self.error("expected `,` or `)`"));
                }
            }
            return Ok(match name.as_str() {
                "sector" => Expression::Sector(arguments),
                "jurisdiction" => Expression::Jurisdiction(arguments),
                "reported_to" => Expression::ReportedTo(arguments),
                _ => Expression::Event(arguments),
            });
        }
        if !Facts::NAMES.contains(&name.as_str()) {
            self.position = start;
            self.skip_blanks();
            return Err(self.error(&format!("`{name}` is not a known fact")));
        }
        let comparison = [
            ("==", Comparison::Equal),
            ("!=", Comparison::NotEqual),
            (">=", Comparison::GreaterOrEqual),
            ("<=", Comparison::LessOrEqual),
            (">", Comparison::Greater),
            ("<", Comparison::Less),
        ]
        .into_iter()
        .find(|(token, _)| self.eat(token));
        let Some((_, comparison)) = comparison else {
            return Ok(Expression::Fact(name));
        };
        let Some(literal) = self.word().map(str::to_owned) else {
            return Err(self.error("expected a number or a name after the comparison"));
        };
        let literal = match literal.parse::<f64>() {
            Ok(number) => Literal::Number(number),
            Err(_) => Literal::Name(literal),
        };
        Ok(Expression::Compare(name, comparison, literal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl Environment for Fixed {
        fn fact(&self, name: &str) -> Option<FactValue> {
            match name {
                "pd_involved" => Some(FactValue::Bool(true)),
                "strong_encryption" => Some(FactValue::Bool(false)),
                "persons" => Some(FactValue::Number(1001.0)),
                "risk_to_individuals" => Some(FactValue::Name("high_risk")),
                _ => None,
            }
        }
        fn has_sector(&self, sector: &str) -> bool {
            sector == "bank"
        }
        fn has_jurisdiction(&self, code: &str) -> bool {
            code == "JP"
        }
        fn has_event(&self, event: &str) -> bool {
            event == "discovery"
        }
    }

    fn holds(text: &str) -> bool {
        Condition::parse(text)
            .expect("condition parses")
            .evaluate(&Fixed)
    }

    #[test]
    fn conditions_evaluate_over_facts() {
        assert!(holds(
            "pd_involved && !strong_encryption && (jp_sensitive || persons > 1000)"
        ));
        assert!(!holds("persons > 1001"));
        assert!(holds("persons >= 1001"));
        assert!(holds("risk_to_individuals == high_risk"));
        assert!(holds("risk_to_individuals != none"));
        assert!(holds(
            "sector(telecom_carrier, bank) && jurisdiction(JP) && event(discovery)"
        ));
        assert!(!holds("jurisdiction(EU) || event(ransom_paid)"));
        assert!(holds(""));
        // An unset count compares false both ways.
        assert!(!holds("outage_users > 0") && !holds("outage_users <= 0"));
    }

    #[test]
    fn mistakes_are_reported_with_their_place() {
        let error = Condition::parse("pd_involvd && wrongful_act").expect_err("typo");
        assert_eq!(error.offset, 0);
        assert!(error.message.contains("pd_involvd"));
        let error = Condition::parse("sector(banks)").expect_err("unknown sector");
        assert_eq!(error.offset, 7);
        assert!(Condition::parse("(wrongful_act").is_err());
        assert!(Condition::parse("wrongful_act &&").is_err());
        assert!(Condition::parse("persons >").is_err());
        assert!(Condition::parse("nonsense(JP)").is_err());
    }
}
