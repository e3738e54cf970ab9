//! CQL lexer and parser. Grammar (keywords and field names are case-insensitive):
//!
//! ```text
//! query    := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
//! expr     := term { OR term }
//! term     := factor { (AND | AND NOT | NOT) factor }
//! factor   := '(' expr ')' | NOT factor | field op value | field [NOT] IN '(' value {, value} ')'
//! op       := = | != | ~ | !~ | > | >= | < | <=
//! value    := "double quoted" | 'single quoted' | bareword | number | function '(' [args] ')'
//! ```
//!
//! Errors name the position (1-based character offset), as `Could not parse cql : … at position N`.

use std::fmt;

/// A parse failure, with the 1-based character position where it was noticed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Could not parse cql : {cql} ({message} at position {position})")]
pub struct CqlError {
    pub cql: String,
    pub message: String,
    pub position: usize,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
            Operator::Contains => "~",
            Operator::NotContains => "!~",
            Operator::Greater => ">",
            Operator::GreaterOrEqual => ">=",
            Operator::Less => "<",
            Operator::LessOrEqual => "<=",
        })
    }
}

/// A value on the right of an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Quoted or bare text (numbers stay text; the planner reads them as it needs).
    Text(String),
    /// `name(args)`, e.g. `currentUser()`, `startOfMonth("-1M")`.
    Function {
        name: String,
        arguments: Vec<String>,
    },
}

/// A boolean expression over clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Clause {
        field: String,
        operator: Operator,
        value: Value,
    },
    In {
        field: String,
        negated: bool,
        values: Vec<Value>,
    },
}

/// One `ORDER BY` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// Lower-cased field name.
    pub field: String,
    pub descending: bool,
}

/// A parsed CQL query: an optional filter and an ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub filter: Option<Expr>,
    pub order: Vec<OrderKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Operator(Operator),
    OpenParen,
    CloseParen,
    Comma,
}

struct Lexed {
    token: Token,
    /// 1-based character position of the token's start.
    position: usize,
}

fn lex(cql: &str) -> Result<Vec<Lexed>, CqlError> {
    let characters: Vec<char> = cql.chars().collect();
    let error = |message: &str, position: usize| CqlError {
        cql: cql.to_string(),
        message: message.to_string(),
        position,
    };
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let position = index + 1;
        match character {
            c if c.is_whitespace() => index += 1,
            '(' => {
                tokens.push(Lexed {
                    token: Token::OpenParen,
                    position,
                });
                index += 1;
            }
            ')' => {
                tokens.push(Lexed {
                    token: Token::CloseParen,
                    position,
                });
                index += 1;
            }
            ',' => {
                tokens.push(Lexed {
                    token: Token::Comma,
                    position,
                });
                index += 1;
            }
            '"' | '\'' => {
                let quote = character;
                let mut text = String::new();
                index += 1;
                loop {
                    match characters.get(index) {
                        None => return Err(error("unterminated quoted value", position)),
                        Some('\\') => {
                            if let Some(escaped) = characters.get(index + 1) {
                                text.push(*escaped);
                            }
                            index += 2;
                        }
                        Some(c) if *c == quote => {
                            index += 1;
                            break;
                        }
                        Some(c) => {
                            text.push(*c);
                            index += 1;
                        }
                    }
                }
                tokens.push(Lexed {
                    token: Token::Quoted(text),
                    position,
                });
            }
            '=' | '~' | '!' | '<' | '>' => {
                let next = characters.get(index + 1).copied();
                let (operator, width) = match (character, next) {
                    ('=', _) => (Operator::Equals, 1),
                    ('~', _) => (Operator::Contains, 1),
                    ('!', Some('=')) => (Operator::NotEquals, 2),
                    ('!', Some('~')) => (Operator::NotContains, 2),
                    ('<', Some('=')) => (Operator::LessOrEqual, 2),
                    ('>', Some('=')) => (Operator::GreaterOrEqual, 2),
                    ('<', _) => (Operator::Less, 1),
                    ('>', _) => (Operator::Greater, 1),
                    _ => return Err(error("unexpected '!'", position)),
                };
                tokens.push(Lexed {
                    token: Token::Operator(operator),
                    position,
                });
                index += width;
            }
            _ => {
                let start = index;
                while index < characters.len() {
                    let c = characters[index];
                    if c.is_whitespace()
                        || matches!(
                            c,
                            '(' | ')' | ',' | '=' | '~' | '!' | '<' | '>' | '"' | '\''
                        )
                    {
                        break;
                    }
                    index += 1;
                }
                let word: String = characters[start..index].iter().collect();
                tokens.push(Lexed {
                    token: Token::Word(word),
                    position,
                });
            }
        }
    }
    Ok(tokens)
}

/// Most clauses (comparisons and IN lists) one query may hold. Clients build queries of a few dozen;
/// the bound keeps every recursive walk of the tree (planning, evaluation, dropping) shallow.
pub const MAX_CLAUSES: usize = 100;

/// Deepest nesting of parentheses and `NOT` one query may hold.
pub const MAX_NESTING: usize = 32;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

struct Parser<'a> {
    cql: &'a str,
    tokens: Vec<Lexed>,
    next: usize,
    /// Clauses parsed so far, bounded by [`MAX_CLAUSES`].
    clauses: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> CqlError {
        let position = self
            .tokens
            .get(self.next)
            .map_or(self.cql.chars().count() + 1, |lexed| lexed.position);
        CqlError {
            cql: self.cql.to_string(),
            message: message.into(),
            position,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|lexed| &lexed.token)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn peek_keyword_at(&self, offset: usize, keyword: &str) -> bool {
        matches!(self.tokens.get(self.next + offset).map(|l| &l.token), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).map(|lexed| lexed.token.clone());
        self.next += 1;
        token
    }

    fn query(&mut self) -> Result<Query, CqlError> {
        let filter = if self.peek().is_none()
            || (self.peek_keyword("order") && self.peek_keyword_at(1, "by"))
        {
            None
        } else {
            Some(self.expr(0)?)
        };
        let mut order = Vec::new();
        if self.peek_keyword("order") {
            self.advance();
            if !self.peek_keyword("by") {
                return Err(self.error("expected BY after ORDER"));
            }
            self.advance();
            loop {
                let field = match self.advance() {
                    Some(Token::Word(word)) => word.to_lowercase(),
                    _ => return Err(self.error("expected a field to order by")),
                };
                let descending = if self.peek_keyword("desc") {
                    self.advance();
                    true
                } else {
                    if self.peek_keyword("asc") {
                        self.advance();
                    }
                    false
                };
                order.push(OrderKey { field, descending });
                if self.peek() == Some(&Token::Comma) {
                    self.advance();
                } else {
                    break;
                }
            }
        }
        if self.peek().is_some() {
            return Err(self.error("unexpected input"));
        }
        Ok(Query { filter, order })
    }

    /// `depth` bounds nesting so hostile input cannot exhaust the stack.
    fn expr(&mut self, depth: usize) -> Result<Expr, CqlError> {
        let mut left = self.term(depth)?;
        while self.peek_keyword("or") {
            self.advance();
            let right = self.term(depth)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self, depth: usize) -> Result<Expr, CqlError> {
        let mut left = self.factor(depth)?;
        loop {
            if self.peek_keyword("and") {
                self.advance();
                let negate = if self.peek_keyword("not") {
                    self.advance();
                    true
                } else {
                    false
                };
                let right = self.factor(depth)?;
                let right = if negate {
                    Expr::Not(Box::new(right))
                } else {
                    right
                };
                left = Expr::And(Box::new(left), Box::new(right));
            } else if self.peek_keyword("not") {
                self.advance();
                let right = self.factor(depth)?;
                left = Expr::And(Box::new(left), Box::new(Expr::Not(Box::new(right))));
            } else {
                return Ok(left);
            }
        }
    }

    fn factor(&mut self, depth: usize) -> Result<Expr, CqlError> {
        if depth > MAX_NESTING {
            return Err(self.error(format!(
                "query nests parentheses and NOT more than {MAX_NESTING} deep"
            )));
        }
        match self.peek() {
            Some(Token::OpenParen) => {
                self.advance();
                let inner = self.expr(depth + 1)?;
                if self.advance() != Some(Token::CloseParen) {
                    self.next -= 1;
                    return Err(self.error("expected ')'"));
                }
                Ok(inner)
            }
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("not") => {
                self.advance();
                Ok(Expr::Not(Box::new(self.factor(depth + 1)?)))
            }
            Some(Token::Word(_)) => {
                self.clauses += 1;
                if self.clauses > MAX_CLAUSES {
                    return Err(self.error(format!("query has more than {MAX_CLAUSES} clauses")));
                }
                self.clause()
            }
            _ => Err(self.error("expected a field, NOT or '('")),
        }
    }

    fn clause(&mut self) -> Result<Expr, CqlError> {
        let Some(Token::Word(field)) = self.advance() else {
            return Err(self.error("expected a field"));
        };
        let field = field.to_lowercase();
        let negated_in = self.peek_keyword("not") && self.peek_keyword_at(1, "in");
        if negated_in || self.peek_keyword("in") {
            self.advance();
            if negated_in {
                self.advance();
            }
            if self.advance() != Some(Token::OpenParen) {
                self.next -= 1;
                return Err(self.error("expected '(' after IN"));
            }
            let mut values = vec![self.value()?];
            while self.peek() == Some(&Token::Comma) {
                self.advance();
                values.push(self.value()?);
            }
            if self.advance() != Some(Token::CloseParen) {
                self.next -= 1;
                return Err(self.error("expected ')' to close the IN list"));
            }
            return Ok(Expr::In {
                field,
                negated: negated_in,
                values,
            });
        }
        let operator = match self.advance() {
            Some(Token::Operator(operator)) => operator,
            _ => {
                self.next -= 1;
                return Err(self.error(format!("expected an operator after {field}")));
            }
        };
        let value = self.value()?;
        Ok(Expr::Clause {
            field,
            operator,
            value,
        })
    }

    fn value(&mut self) -> Result<Value, CqlError> {
        match self.advance() {
            Some(Token::Quoted(text)) => Ok(Value::Text(text)),
            Some(Token::Word(word)) => {
                if self.peek() == Some(&Token::OpenParen) {
                    self.advance();
                    let mut arguments = Vec::new();
                    loop {
                        match self.advance() {
                            Some(Token::CloseParen) => break,
                            Some(Token::Quoted(text) | Token::Word(text)) => arguments.push(text),
                            Some(Token::Comma) => {}
                            _ => {
                                self.next -= 1;
                                return Err(self.error(format!("unterminated call of {word}")));
                            }
                        }
                    }
                    Ok(Value::Function {
                        name: word,
                        arguments,
                    })
                } else {
                    Ok(Value::Text(word))
                }
            }
            _ => {
                self.next -= 1;
                Err(self.error("expected a value"))
            }
        }
    }
}

/// Parses a CQL query.
pub fn parse(cql: &str) -> Result<Query, CqlError> {
    if cql.len() > MAX_QUERY_BYTES {
        return Err(CqlError {
            cql: cql.chars().take(80).collect::<String>() + "…",
            message: format!("query is longer than {MAX_QUERY_BYTES} bytes"),
            position: 1,
        });
    }
    let tokens = lex(cql)?;
    Parser {
        cql,
        tokens,
        next: 0,
        clauses: 0,
    }
    .query()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(field: &str, operator: Operator, value: &str) -> Expr {
        Expr::Clause {
            field: field.into(),
            operator,
            value: Value::Text(value.into()),
        }
    }

    #[test]
    fn clients_queries_parse() {
        let query = parse(r#"type=page AND label="x""#).expect("parses");
        assert_eq!(
            query.filter,
            Some(Expr::And(
                Box::new(clause("type", Operator::Equals, "page")),
                Box::new(clause("label", Operator::Equals, "x"))
            ))
        );
        let query =
            parse("contributor = currentUser() order by lastmodified DESC").expect("parses");
        assert_eq!(
            query.order,
            vec![OrderKey {
                field: "lastmodified".into(),
                descending: true
            }]
        );
        assert_eq!(
            query.filter,
            Some(Expr::Clause {
                field: "contributor".into(),
                operator: Operator::Equals,
                value: Value::Function {
                    name: "currentUser".into(),
                    arguments: vec![]
                }
            })
        );
        parse(r#"(siteSearch ~ "q") AND (space = KEY OR space = "~user") ORDER BY title ASC, created DESC"#).expect("parses");
        parse(r#"lastModified > startOfMonth("-1M") and creator = currentUser()"#).expect("parses");
        parse(r#"space NOT IN (A, "B") AND NOT type = blogpost"#).expect("parses");
        parse(r#"text ~ "\"exact phrase\"""#).expect("parses");
        assert_eq!(parse("ORDER BY created").expect("parses").filter, None);
        assert_eq!(
            parse("").expect("parses"),
            Query {
                filter: None,
                order: vec![]
            }
        );
    }

    #[test]
    fn precedence_is_and_over_or() {
        let query = parse("a = 1 OR b = 2 AND c = 3").expect("parses");
        let Some(Expr::Or(_, right)) = query.filter else {
            panic!("OR at the top")
        };
        assert!(matches!(*right, Expr::And(_, _)));
        let query = parse("a = 1 AND NOT b = 2").expect("parses");
        let Some(Expr::And(_, right)) = query.filter else {
            panic!("AND at the top")
        };
        assert!(matches!(*right, Expr::Not(_)));
    }

    #[test]
    fn errors_name_the_position() {
        let error = parse("type = ").expect_err("value missing");
        assert_eq!(error.position, 8);
        assert!(
            error
                .to_string()
                .starts_with("Could not parse cql : type = ")
        );
        assert_eq!(
            parse("type page").expect_err("operator missing").position,
            6
        );
        assert_eq!(
            parse(r#"title = "open"#)
                .expect_err("unterminated")
                .position,
            9
        );
        assert!(parse("(type = page").is_err());
        assert!(parse("type = page )").is_err());
        assert!(parse("space=spaceKey=KEY and status=draft").is_err());
        let deep = format!("{}type = page{}", "(".repeat(200), ")".repeat(200));
        assert!(
            parse(&deep).is_err(),
            "deep nesting is refused, not a stack overflow"
        );
    }

    #[test]
    fn clause_count_and_nesting_are_bounded() {
        let clauses = |count: usize, joiner: &str| {
            (0..count)
                .map(|n| format!("title = t{n}"))
                .collect::<Vec<_>>()
                .join(joiner)
        };
        parse(&clauses(MAX_CLAUSES, " and ")).expect("the most clauses allowed");
        parse(&clauses(MAX_CLAUSES, " or ")).expect("the most clauses allowed");
        for joiner in [" and ", " or ", " and not ", " not "] {
            let error = parse(&clauses(700, joiner)).expect_err("too many clauses");
            assert!(error.message.contains("clauses"), "{error}");
        }
        let nots = format!("{}type = page", "not ".repeat(500));
        let error = parse(&nots).expect_err("500 chained NOT");
        assert!(error.message.contains("deep"), "{error}");
        let allowed = format!("{}type = page", "not ".repeat(MAX_NESTING));
        parse(&allowed).expect("NOT as deep as allowed");
        let nested = format!(
            "{}type = page{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(parse(&nested).is_err());
        let long = format!("text ~ \"{}\"", "a".repeat(MAX_QUERY_BYTES));
        let error = parse(&long).expect_err("too long");
        assert!(error.message.contains("longer"), "{error}");
    }
}
