//! Text out of PDF files, for the search index: the strings that page content streams show
//! (`Tj`, `TJ`, `'`, `"`), uncompressed or Flate-compressed. Fonts with simple encodings come out
//! readable; text in CID fonts without an obvious encoding is skipped rather than guessed.
//! Nothing here trusts the file: sizes are capped and every read is bounds-checked.

/// Most decompressed bytes read from one stream.
const MAX_STREAM_BYTES: usize = 16 * 1024 * 1024;
/// Most text returned.
const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// The text a PDF shows, streams in file order, a space between shown strings and a newline at
/// each text object's end.
pub fn pdf_text(pdf: &[u8]) -> String {
    let mut text = String::new();
    let mut from = 0;
    while let Some(found) = find(pdf, b"stream", from) {
        from = found + 6;
        // `endstream` contains `stream`: skip it.
        if found >= 3 && &pdf[found - 3..found] == b"end" {
            continue;
        }
        let dictionary_start = rfind(&pdf[..found], b"<<").unwrap_or(found);
        let dictionary = &pdf[dictionary_start..found];
        let mut data_start = found + 6;
        if pdf.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if pdf.get(data_start) == Some(&b'\n') {
            data_start += 1;
        }
        let Some(data_end) = find(pdf, b"endstream", data_start) else {
            break;
        };
        from = data_end + 9;
        if contains(dictionary, b"/Image")
            || contains(dictionary, b"/Length1")
            || contains(dictionary, b"/DCTDecode")
            || contains(dictionary, b"/XRef")
        {
            continue;
        }
        let raw = &pdf[data_start..data_end];
        let decoded;
        let content = if contains(dictionary, b"/FlateDecode") {
            match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, MAX_STREAM_BYTES) {
                Ok(bytes) => {
                    decoded = bytes;
                    &decoded[..]
                }
                Err(_) => continue,
            }
        } else if contains(dictionary, b"/Filter") {
            continue;
        } else {
            raw
        };
        shown_text(content, &mut text);
        if text.len() >= MAX_TEXT_BYTES {
            break;
        }
    }
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.trim().to_string()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle, 0).is_some()
}

/// Appends the strings a content stream shows.
fn shown_text(content: &[u8], text: &mut String) {
    // Strings since the last operator; inside a `[ … ] TJ` array the pieces join into one
    // string, with a space where the kerning moves right by more than a fifth of the font size.
    let mut pending: Vec<String> = Vec::new();
    let mut array: Option<String> = None;
    let mut position = 0;
    while position < content.len() {
        let byte = content[position];
        match byte {
            b'(' => {
                let (string, next) = literal_string(content, position + 1);
                match array.as_mut() {
                    Some(joined) => joined.push_str(&string),
                    None => pending.push(string),
                }
                position = next;
            }
            b'<' if content.get(position + 1) != Some(&b'<') => {
                let (string, next) = hex_string(content, position + 1);
                match array.as_mut() {
                    Some(joined) => joined.extend(string),
                    None => pending.extend(string),
                }
                position = next;
            }
            b'[' => {
                array = Some(String::new());
                position += 1;
            }
            b']' => {
                pending.extend(array.take());
                position += 1;
            }
            b'-' | b'0'..=b'9' | b'.' if array.is_some() => {
                let start = position;
                position += 1;
                while position < content.len()
                    && (content[position].is_ascii_digit() || content[position] == b'.')
                {
                    position += 1;
                }
                let number = std::str::from_utf8(&content[start..position])
                    .ok()
                    .and_then(|text| text.parse::<f64>().ok())
                    .unwrap_or(0.0);
                if number < -200.0
                    && let Some(joined) = array.as_mut()
                {
                    joined.push(' ');
                }
            }
            b'%' => {
                while position < content.len() && content[position] != b'\n' {
                    position += 1;
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'\'' | b'"' | b'*' => {
                let start = position;
                while position < content.len()
                    && (content[position].is_ascii_alphanumeric()
                        || matches!(content[position], b'\'' | b'"' | b'*'))
                {
                    position += 1;
                }
                match &content[start..position] {
                    b"Tj" | b"TJ" | b"'" | b"\"" => {
                        for string in pending.drain(..) {
                            if !text.is_empty() && !text.ends_with([' ', '\n']) {
                                text.push(' ');
                            }
                            text.push_str(string.trim());
                        }
                    }
                    b"ET" => {
                        if !text.is_empty() && !text.ends_with('\n') {
                            text.push('\n');
                        }
                        pending.clear();
                    }
                    _ => pending.clear(),
                }
            }
            _ => position += 1,
        }
    }
}

/// A `( … )` string from after its opening parenthesis: balanced parentheses, backslash escapes.
fn literal_string(content: &[u8], mut position: usize) -> (String, usize) {
    let mut bytes = Vec::new();
    let mut depth = 1;
    while position < content.len() {
        let byte = content[position];
        position += 1;
        match byte {
            b'\\' => {
                let Some(&escaped) = content.get(position) else {
                    break;
                };
                position += 1;
                match escaped {
                    b'n' => bytes.push(b'\n'),
                    b'r' => bytes.push(b'\r'),
                    b't' => bytes.push(b'\t'),
                    b'b' | b'f' => {}
                    b'0'..=b'7' => {
                        let mut value = u32::from(escaped - b'0');
                        for _ in 0..2 {
                            match content.get(position) {
                                Some(digit @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(digit - b'0');
                                    position += 1;
                                }
                                _ => break,
                            }
                        }
                        bytes.push((value & 0xff) as u8);
                    }
                    b'\n' | b'\r' => {}
                    other => bytes.push(other),
                }
            }
            b'(' => {
                depth += 1;
                bytes.push(byte);
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                bytes.push(byte);
            }
            _ => bytes.push(byte),
        }
    }
    (latin1(&bytes), position)
}

/// A `< … >` string: one byte per character when it reads as text, else nothing (a CID font's
/// glyph ids mean nothing without its map).
fn hex_string(content: &[u8], mut position: usize) -> (Option<String>, usize) {
    let mut digits = Vec::new();
    while position < content.len() && content[position] != b'>' {
        if content[position].is_ascii_hexdigit() {
            digits.push(content[position]);
        }
        position += 1;
    }
    position += 1;
    if digits.len() % 2 == 1 {
        digits.push(b'0');
    }
    let bytes: Vec<u8> = digits
        .chunks(2)
        .filter_map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect();
    // Two-byte codes whose high bytes are all zero are often Unicode or WinAnsi in a CID font.
    let wide = bytes.len() >= 2
        && bytes.len().is_multiple_of(2)
        && bytes.chunks(2).all(|pair| pair[0] == 0);
    let narrow: Vec<u8> = if wide {
        bytes.chunks(2).map(|pair| pair[1]).collect()
    } else {
        bytes
    };
    let readable = narrow
        .iter()
        .all(|byte| byte.is_ascii_graphic() || *byte == b' ' || *byte >= 0xa0);
    (readable.then(|| latin1(&narrow)), position)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| char::from(*byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::pdf_text;

    #[test]
    fn shown_strings_come_out_with_escapes_and_arrays() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Length 80 >> stream\nBT /F1 12 Tf 72 700 Td (Hello \\(wiki\\)) Tj [(quar) -20 (terly) -300 (report)] TJ <6E6F7465> Tj ET\nendstream endobj\n%%EOF";
        assert_eq!(pdf_text(pdf), "Hello (wiki) quarterly report note");
    }

    #[test]
    fn garbage_gives_nothing_and_no_panic() {
        assert_eq!(pdf_text(b"not a pdf"), "");
        assert_eq!(pdf_text(b"stream"), "");
        assert_eq!(
            pdf_text(b"<< /Filter /FlateDecode >> stream\nxx endstream"),
            ""
        );
        assert_eq!(pdf_text(b"stream\n(unterminated"), "");
    }

    #[test]
    fn the_pdf_export_is_readable_again() {
        let document = crate::parse("<p>The quasar report, quarterly.</p>").expect("parse");
        let pdf = crate::storage_to_pdf("Stars", "by admin", &document);
        let text = pdf_text(&pdf);
        assert!(text.contains("quasar"), "{text}");
        assert!(text.contains("Stars"), "{text}");
    }
}
