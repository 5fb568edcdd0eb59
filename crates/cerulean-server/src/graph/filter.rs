//! The `$filter` subset `/devices` supports: `property eq literal`, several joined by
//! `and`, optionally parenthesised, on `deviceId`, `displayName`, `trustType`,
//! `accountEnabled` and `operatingSystem` (property names case-insensitive, as in Graph).
//!
//! Literals are OData's: `'text'` (a quote doubled inside: `'O''Brien'`), `true`,
//! `false`, and for `deviceId` a bare GUID too. Everything else — `or`, `ne`, `not`,
//! functions (`startswith(…)`), lambda operators, other properties — is a 400
//! `Request_UnsupportedQuery` that says what is supported. A comparison no device can
//! satisfy (a `trustType` other than `AzureAd`/`Workplace`, such as `ServerAd`, or a
//! `deviceId` that is no GUID) is not an error: it matches nothing, as in Graph.

use cerulean_directory::{DeviceId, TrustType};

use super::error::{GraphError, quoted};

/// Longest accepted `$filter`.
const MAX_LEN: usize = 2048;
/// Deepest accepted parenthesis nesting.
const MAX_DEPTH: usize = 8;

const SUPPORTED: &str = "$filter on devices supports eq on deviceId, displayName, trustType, \
     accountEnabled and operatingSystem, combined with and";

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    pub device_id: Option<DeviceId>,
    pub display_name: Option<String>,
    pub trust_type: Option<TrustType>,
    pub enabled: Option<bool>,
    pub operating_system: Option<String>,
    /// Some comparison can never hold: the answer is an empty collection.
    pub matches_nothing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Comma,
    Text(String),
    Word(String),
}

/// Parses a `$filter` value.
pub fn parse(filter: &str) -> Result<DeviceFilter, GraphError> {
    if filter.len() > MAX_LEN {
        return Err(GraphError::unsupported_query(format!(
            "$filter is longer than {MAX_LEN} characters."
        )));
    }
    let tokens = tokenize(filter)?;
    if tokens.is_empty() {
        return Err(GraphError::unsupported_query(
            "$filter is empty: give an expression such as trustType eq 'AzureAd'.",
        ));
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        out: DeviceFilter::default(),
        seen: Vec::new(),
    };
    parser.conjunction(0)?;
    if let Some(extra) = parser.tokens.get(parser.at) {
        return Err(unexpected(extra));
    }
    Ok(parser.out)
}

fn tokenize(input: &str) -> Result<Vec<Token>, GraphError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '\'' => {
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\'')) if chars.peek().is_some_and(|(_, c)| *c == '\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some((_, '\'')) => break,
                        Some((_, c)) => text.push(c),
                        None => {
                            return Err(GraphError::unsupported_query(format!(
                                "Invalid $filter: the string starting at position {at} is \
                                 not closed with a quote."
                            )));
                        }
                    }
                }
                tokens.push(Token::Text(text));
            }
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some((_, c)) = chars.peek().copied().filter(|(_, c)| is_word_char(*c)) {
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            other => {
                return Err(GraphError::unsupported_query(format!(
                    "Invalid $filter: unexpected character '{}' at position {at}. {SUPPORTED}.",
                    quoted(&other.to_string())
                )));
            }
        }
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.:/@$".contains(c)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    out: DeviceFilter,
    /// Properties already compared (each may appear once).
    seen: Vec<&'static str>,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// `term (and term)*`
    fn conjunction(&mut self, depth: usize) -> Result<(), GraphError> {
        self.term(depth)?;
        while let Some(Token::Word(word)) = self.peek() {
            if word.eq_ignore_ascii_case("and") {
                self.at += 1;
                self.term(depth)?;
            } else {
                return Err(unsupported_word(word));
            }
        }
        Ok(())
    }

    /// `( conjunction )` or `property eq literal`
    fn term(&mut self, depth: usize) -> Result<(), GraphError> {
        match self.next() {
            Some(Token::Open) => {
                if depth >= MAX_DEPTH {
                    return Err(GraphError::unsupported_query(format!(
                        "$filter nests parentheses deeper than {MAX_DEPTH} levels."
                    )));
                }
                self.conjunction(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(()),
                    Some(other) => Err(unexpected(&other)),
                    None => Err(GraphError::unsupported_query(
                        "Invalid $filter: a parenthesis is not closed.",
                    )),
                }
            }
            Some(Token::Word(property)) => {
                if self.peek() == Some(&Token::Open) {
                    return Err(GraphError::unsupported_query(format!(
                        "The function '{}' is not supported. {SUPPORTED}.",
                        quoted(&property)
                    )));
                }
                match self.next() {
                    Some(Token::Word(op)) if op.eq_ignore_ascii_case("eq") => {}
                    Some(Token::Word(op)) => return Err(unsupported_word(&op)),
                    Some(other) => return Err(unexpected(&other)),
                    None => return Err(incomplete()),
                }
                let literal = match self.next() {
                    Some(token @ (Token::Text(_) | Token::Word(_))) => token,
                    Some(other) => return Err(unexpected(&other)),
                    None => return Err(incomplete()),
                };
                self.compare(&property, literal)
            }
            Some(other) => Err(unexpected(&other)),
            None => Err(incomplete()),
        }
    }

    fn compare(&mut self, property: &str, literal: Token) -> Result<(), GraphError> {
        let name = canonical(property).ok_or_else(|| {
            GraphError::unsupported_query(format!(
                "Filtering devices on '{}' is not supported. {SUPPORTED}.",
                quoted(property)
            ))
        })?;
        if self.seen.contains(&name) {
            return Err(GraphError::unsupported_query(format!(
                "'{name}' appears more than once in $filter; compare each property once."
            )));
        }
        self.seen.push(name);
        let out = &mut self.out;
        match (name, literal) {
            ("deviceId", Token::Text(v) | Token::Word(v)) => match v.parse::<DeviceId>() {
                Ok(id) => out.device_id = Some(id),
                Err(_) => out.matches_nothing = true,
            },
            ("displayName", Token::Text(v)) => out.display_name = Some(v),
            ("operatingSystem", Token::Text(v)) => out.operating_system = Some(v),
            ("trustType", Token::Text(v)) => match TrustType::parse(&v) {
                Some(t) => out.trust_type = Some(t),
                None => out.matches_nothing = true,
            },
            ("accountEnabled", Token::Word(v)) if v.eq_ignore_ascii_case("true") => {
                out.enabled = Some(true);
            }
            ("accountEnabled", Token::Word(v)) if v.eq_ignore_ascii_case("false") => {
                out.enabled = Some(false);
            }
            ("accountEnabled", _) => {
                return Err(GraphError::unsupported_query(
                    "accountEnabled compares with true or false (no quotes).",
                ));
            }
            (name, _) => {
                return Err(GraphError::unsupported_query(format!(
                    "{name} compares with a quoted string, e.g. {name} eq 'value'."
                )));
            }
        }
        Ok(())
    }
}

/// Graph's spelling of a supported property.
fn canonical(property: &str) -> Option<&'static str> {
    [
        "deviceId",
        "displayName",
        "trustType",
        "accountEnabled",
        "operatingSystem",
    ]
    .into_iter()
    .find(|p| p.eq_ignore_ascii_case(property))
}

fn unsupported_word(word: &str) -> GraphError {
    GraphError::unsupported_query(format!(
        "The operator '{}' is not supported. {SUPPORTED}.",
        quoted(word)
    ))
}

fn unexpected(token: &Token) -> GraphError {
    let shown = match token {
        Token::Open => "(".to_owned(),
        Token::Close => ")".to_owned(),
        Token::Comma => ",".to_owned(),
        Token::Text(t) => format!("'{}'", quoted(t)),
        Token::Word(w) => quoted(w),
    };
    GraphError::unsupported_query(format!("Invalid $filter: unexpected {shown}. {SUPPORTED}."))
}

fn incomplete() -> GraphError {
    GraphError::unsupported_query(format!(
        "Invalid $filter: the expression is incomplete. {SUPPORTED}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(filter: &str) -> DeviceFilter {
        parse(filter).unwrap_or_else(|e| panic!("{filter}: {}", e.message))
    }

    fn refused(filter: &str) -> String {
        let e = parse(filter).unwrap_err();
        assert_eq!(e.code, "Request_UnsupportedQuery");
        e.message
    }

    #[test]
    fn equality_and_conjunction() {
        let id = "6a59ae9c-2b7c-4e1d-9a1f-2d3c4b5a6978";
        let f = ok(&format!(
            "deviceId eq '{id}' and DisplayName eq 'O''Brien PC' and (trustType eq 'azuread' \
             and accountEnabled eq false) and operatingSystem eq 'Windows'"
        ));
        assert_eq!(f.device_id, Some(id.parse().unwrap()));
        assert_eq!(f.display_name.as_deref(), Some("O'Brien PC"));
        assert_eq!(f.trust_type, Some(TrustType::AzureAd));
        assert_eq!(f.enabled, Some(false));
        assert_eq!(f.operating_system.as_deref(), Some("Windows"));
        assert!(!f.matches_nothing);
        assert_eq!(
            ok(&format!("deviceId eq {id}")).device_id,
            Some(id.parse().unwrap())
        );
    }

    #[test]
    fn impossible_comparisons_match_nothing() {
        assert!(ok("trustType eq 'ServerAd'").matches_nothing);
        assert!(ok("deviceId eq 'not-a-guid'").matches_nothing);
    }

    #[test]
    fn everything_else_is_unsupported_with_a_reason() {
        assert!(refused("displayName ne 'x'").contains("'ne'"));
        assert!(refused("trustType eq 'AzureAd' or trustType eq 'Workplace'").contains("'or'"));
        assert!(refused("startswith(displayName,'a')").contains("startswith"));
        assert!(refused("model eq 'x'").contains("'model'"));
        assert!(refused("accountEnabled eq 'true'").contains("true or false"));
        assert!(refused("displayName eq true").contains("quoted string"));
        assert!(refused("displayName eq 'a' and displayName eq 'b'").contains("once"));
        assert!(refused("displayName eq 'a").contains("not closed"));
        assert!(refused("(displayName eq 'a'").contains("not closed"));
        assert!(refused("displayName eq").contains("incomplete"));
        assert!(refused("displayName eq 'a' )").contains("unexpected )"));
        assert!(refused("   ").contains("empty"));
        assert!(refused("displayName eq 'a' ; drop").contains("unexpected character"));
        assert!(refused(&"(".repeat(20)).contains("deeper"));
        assert!(refused(&"a".repeat(5000)).contains("longer"));
    }
}
