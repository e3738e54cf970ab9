//! The limits on what a request may carry, in one table, and the checks every request passes at the
//! edge before anything reaches a handler or the database.
//!
//! | what                                   | limit                               |
//! |----------------------------------------|-------------------------------------|
//! | page, blog post and attachment titles  | 255 characters ([`MAX_NAME_CHARS`]) |
//! | labels, space keys, space names        | 255 characters                      |
//! | usernames, group names, token names    | 255 characters                      |
//! | property keys                          | 255 characters                      |
//! | a request body (JSON or form)          | 32 MiB (the web crate's limit)      |
//! | JSON nesting                           | 64 levels ([`MAX_JSON_DEPTH`])      |
//! | a CQL query                            | 16 KiB, 100 clauses, 32 levels      |
//! | `start` of a listing                   | 10^9; search windows 10,000 results |
//!
//! Control characters of the C0 range (U+0000 to U+001F) other than tab, line feed and carriage
//! return are refused anywhere in a request: in the path, the query, a form or JSON body (raw or
//! escaped as `\u0000`). PostgreSQL cannot store NUL at all, and no field of a wiki needs the others.
//! Names, titles and keys refuse tab and line breaks too (their validators in `validate.rs`).

use std::fmt;

/// Longest title, label, key or name, in characters, as in Confluence.
pub const MAX_NAME_CHARS: usize = 255;

/// Deepest nesting of arrays and objects in a JSON body.
pub const MAX_JSON_DEPTH: usize = 64;

/// Why a request was refused at the edge; the message is meant for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Whether `byte` is a C0 control character refused everywhere (all but tab, LF and CR).
pub fn is_refused_control_byte(byte: u8) -> bool {
    byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')
}

fn refused(byte: u8, place: &str) -> InputError {
    InputError {
        message: format!(
            "the {place} contains the control character U+{byte:04X}, which is not accepted"
        ),
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Checks percent-encoded text (a path, a query string or a form body): neither a raw refused
/// control byte nor one escaped as `%XX`. `place` names it in the message.
pub fn check_percent_encoded(text: &[u8], place: &str) -> Result<(), InputError> {
    let mut index = 0;
    while index < text.len() {
        let byte = text[index];
        if is_refused_control_byte(byte) {
            return Err(refused(byte, place));
        }
        if byte == b'%'
            && let (Some(high), Some(low)) = (
                text.get(index + 1).copied().and_then(hex_value),
                text.get(index + 2).copied().and_then(hex_value),
            )
        {
            let decoded = high * 16 + low;
            if is_refused_control_byte(decoded) {
                return Err(refused(decoded, place));
            }
            index += 3;
            continue;
        }
        index += 1;
    }
    Ok(())
}

/// Checks a JSON body without parsing it into values: no refused control character in a string,
/// raw or escaped (`\u0000`), and nesting at most [`MAX_JSON_DEPTH`]. Whether it is valid JSON is
/// left to the parser that reads it next.
pub fn check_json(body: &[u8]) -> Result<(), InputError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut index = 0;
    while index < body.len() {
        let byte = body[index];
        if in_string {
            match byte {
                b'"' => in_string = false,
                b'\\' => {
                    // `\b` and `\f` are escapes of control characters too (found by fuzzing).
                    match body.get(index + 1) {
                        Some(b'b') => return Err(refused(0x08, "JSON body")),
                        Some(b'f') => return Err(refused(0x0C, "JSON body")),
                        _ => {}
                    }
                    if body.get(index + 1) == Some(&b'u') {
                        let digits = body.get(index + 2..index + 6);
                        let value = digits.and_then(|digits| {
                            digits.iter().try_fold(0u32, |value, digit| {
                                hex_value(*digit).map(|digit| value * 16 + u32::from(digit))
                            })
                        });
                        if let Some(value) = value
                            && let Ok(small) = u8::try_from(value)
                            && is_refused_control_byte(small)
                        {
                            return Err(refused(small, "JSON body"));
                        }
                    }
                    // Skip the escaped character, so `\"` does not end the string.
                    index += 1;
                }
                _ if is_refused_control_byte(byte) => return Err(refused(byte, "JSON body")),
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_JSON_DEPTH {
                        return Err(InputError {
                            message: format!(
                                "the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
                            ),
                        });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ if is_refused_control_byte(byte) => return Err(refused(byte, "JSON body")),
                _ => {}
            }
        }
        index += 1;
    }
    Ok(())
}

/// Checks a file name: 1 to [`MAX_NAME_CHARS`] characters after trimming, no control character.
/// Returns it trimmed.
pub fn check_file_name(name: &str) -> Result<String, crate::ValidationError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(crate::ValidationError::new(
            "an attachment needs a file name",
        ));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(crate::ValidationError::new(format!(
            "file name must be at most {MAX_NAME_CHARS} characters"
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::ValidationError::new(
            "file name must not contain control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks a name without its own validator (a token's name, a restriction's username): 1 to
/// [`MAX_NAME_CHARS`] characters, no control character. `what` names it in the message.
pub fn check_name(what: &str, name: &str) -> Result<String, crate::ValidationError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(crate::ValidationError::new(format!(
            "{what} must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::ValidationError::new(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_text_refuses_nul_and_other_c0_but_not_line_breaks() {
        assert!(check_percent_encoded(b"title=a%00b", "query").is_err());
        assert!(check_percent_encoded(b"title=a%1fb", "query").is_err());
        assert!(check_percent_encoded(b"title=a%1Fb", "query").is_err());
        assert!(check_percent_encoded(b"a\x01", "query").is_err());
        assert!(check_percent_encoded(b"body=line%0Aline%0D%0A%09tab", "form").is_ok());
        assert!(check_percent_encoded(b"odd=%zz%0%", "form").is_ok());
        assert!(check_percent_encoded("caf%C3%A9 caf\u{e9}".as_bytes(), "query").is_ok());
        let error = check_percent_encoded(b"%00", "query").expect_err("nul");
        assert!(error.message.contains("U+0000"), "{error}");
    }

    #[test]
    fn json_refuses_control_characters_in_strings_raw_or_escaped() {
        assert!(check_json(br#"{"title":"a\u0000b"}"#).is_err());
        assert!(check_json(br#"{"title":"a\u001Fb"}"#).is_err());
        assert!(check_json(b"{\"title\":\"a\x00b\"}").is_err());
        assert!(check_json(br#"{"ti\u0000tle":"x"}"#).is_err());
        assert!(check_json(br#"{"a":"form\ffeed"}"#).is_err());
        assert!(check_json(br#"{"a":"back\bspace"}"#).is_err());
        assert!(check_json(br#"{"a":"not an escape: \\f \\b"}"#).is_ok());
        // An escaped backslash followed by the letters u0000 is text, not an escape.
        assert!(check_json(br#"{"title":"a\\u0000b"}"#).is_ok());
        assert!(check_json(br#"{"body":"line\nline\r\n\ttab \u000a \u00e9 \u2028"}"#).is_ok());
        assert!(check_json(b"{\n\t\"a\": 1\r\n}").is_ok());
        assert!(check_json(br#"{"quote":"\"[[[[","x":1}"#).is_ok());
    }

    #[test]
    fn json_nesting_is_bounded() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(check_json(deep(MAX_JSON_DEPTH).as_bytes()).is_ok());
        let error = check_json(deep(MAX_JSON_DEPTH + 1).as_bytes()).expect_err("too deep");
        assert!(error.message.contains("deeper"), "{error}");
        // Brackets inside strings do not count.
        let in_string = format!("{{\"a\":\"{}\"}}", "[".repeat(1000));
        assert!(check_json(in_string.as_bytes()).is_ok());
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert_eq!(check_file_name("  a.txt ").expect("ok"), "a.txt");
        assert!(check_file_name(&"x".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_file_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_file_name("a\u{0}b").is_err());
        assert!(check_file_name("   ").is_err());
        assert!(check_name("token name", &"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_name("token name", &"é".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("token name", "a\tb").is_err());
    }
}
