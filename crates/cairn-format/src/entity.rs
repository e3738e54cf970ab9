//! Character references: the XHTML 1.0 named entity set, numeric references, and escaping.
//!
//! Storage bodies may use any XHTML entity (`&nbsp;`, `&ndash;`, `&oacute;`) without a DTD, so the
//! parser resolves them from this table and rejects names outside it, as Confluence does.

use std::borrow::Cow;

/// Latin-1 entities, in code point order from U+00A0 (`nbsp`) to U+00FF (`yuml`).
const LATIN1_FROM_A0: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// The XHTML "special" and "symbol" entity sets plus the five XML built-ins.
const SPECIAL_AND_SYMBOL: [(&str, u32); 157] = [
    // XML built-ins and XHTML special characters
    ("quot", 34),
    ("amp", 38),
    ("apos", 39),
    ("lt", 60),
    ("gt", 62),
    ("OElig", 338),
    ("oelig", 339),
    ("Scaron", 352),
    ("scaron", 353),
    ("Yuml", 376),
    ("circ", 710),
    ("tilde", 732),
    ("ensp", 8194),
    ("emsp", 8195),
    ("thinsp", 8201),
    ("zwnj", 8204),
    ("zwj", 8205),
    ("lrm", 8206),
    ("rlm", 8207),
    ("ndash", 8211),
    ("mdash", 8212),
    ("lsquo", 8216),
    ("rsquo", 8217),
    ("sbquo", 8218),
    ("ldquo", 8220),
    ("rdquo", 8221),
    ("bdquo", 8222),
    ("dagger", 8224),
    ("Dagger", 8225),
    ("permil", 8240),
    ("lsaquo", 8249),
    ("rsaquo", 8250),
    ("euro", 8364),
    // symbols, Greek letters and mathematical operators
    ("fnof", 402),
    ("Alpha", 913),
    ("Beta", 914),
    ("Gamma", 915),
    ("Delta", 916),
    ("Epsilon", 917),
    ("Zeta", 918),
    ("Eta", 919),
    ("Theta", 920),
    ("Iota", 921),
    ("Kappa", 922),
    ("Lambda", 923),
    ("Mu", 924),
    ("Nu", 925),
    ("Xi", 926),
    ("Omicron", 927),
    ("Pi", 928),
    ("Rho", 929),
    ("Sigma", 931),
    ("Tau", 932),
    ("Upsilon", 933),
    ("Phi", 934),
    ("Chi", 935),
    ("Psi", 936),
    ("Omega", 937),
    ("alpha", 945),
    ("beta", 946),
    ("gamma", 947),
    ("delta", 948),
    ("epsilon", 949),
    ("zeta", 950),
    ("eta", 951),
    ("theta", 952),
    ("iota", 953),
    ("kappa", 954),
    ("lambda", 955),
    ("mu", 956),
    ("nu", 957),
    ("xi", 958),
    ("omicron", 959),
    ("pi", 960),
    ("rho", 961),
    ("sigmaf", 962),
    ("sigma", 963),
    ("tau", 964),
    ("upsilon", 965),
    ("phi", 966),
    ("chi", 967),
    ("psi", 968),
    ("omega", 969),
    ("thetasym", 977),
    ("upsih", 978),
    ("piv", 982),
    ("bull", 8226),
    ("hellip", 8230),
    ("prime", 8242),
    ("Prime", 8243),
    ("oline", 8254),
    ("frasl", 8260),
    ("weierp", 8472),
    ("image", 8465),
    ("real", 8476),
    ("trade", 8482),
    ("alefsym", 8501),
    ("larr", 8592),
    ("uarr", 8593),
    ("rarr", 8594),
    ("darr", 8595),
    ("harr", 8596),
    ("crarr", 8629),
    ("lArr", 8656),
    ("uArr", 8657),
    ("rArr", 8658),
    ("dArr", 8659),
    ("hArr", 8660),
    ("forall", 8704),
    ("part", 8706),
    ("exist", 8707),
    ("empty", 8709),
    ("nabla", 8711),
    ("isin", 8712),
    ("notin", 8713),
    ("ni", 8715),
    ("prod", 8719),
    ("sum", 8721),
    ("minus", 8722),
    ("lowast", 8727),
    ("radic", 8730),
    ("prop", 8733),
    ("infin", 8734),
    ("ang", 8736),
    ("and", 8743),
    ("or", 8744),
    ("cap", 8745),
    ("cup", 8746),
    ("int", 8747),
    ("there4", 8756),
    ("sim", 8764),
    ("cong", 8773),
    ("asymp", 8776),
    ("ne", 8800),
    ("equiv", 8801),
    ("le", 8804),
    ("ge", 8805),
    ("sub", 8834),
    ("sup", 8835),
    ("nsub", 8836),
    ("sube", 8838),
    ("supe", 8839),
    ("oplus", 8853),
    ("otimes", 8855),
    ("perp", 8869),
    ("sdot", 8901),
    ("lceil", 8968),
    ("rceil", 8969),
    ("lfloor", 8970),
    ("rfloor", 8971),
    ("lang", 9001),
    ("rang", 9002),
    ("loz", 9674),
    ("spades", 9824),
    ("clubs", 9827),
    ("hearts", 9829),
    ("diams", 9830),
];

/// Resolves an XHTML named entity (without `&` and `;`) to its character.
pub fn named_entity(name: &str) -> Option<char> {
    // The most frequent names in real pages are answered without a table scan.
    let code_point = match name {
        "nbsp" => 0xA0,
        "amp" => 38,
        "lt" => 60,
        "gt" => 62,
        "quot" => 34,
        "apos" => 39,
        _ => {
            if let Some(index) = LATIN1_FROM_A0.iter().position(|entity| *entity == name) {
                0xA0 + index as u32
            } else {
                SPECIAL_AND_SYMBOL
                    .iter()
                    .find(|(entity, _)| *entity == name)
                    .map(|(_, code_point)| *code_point)?
            }
        }
    };
    char::from_u32(code_point)
}

/// Resolves the body of a numeric reference (`#65`, `#x41`) to a character allowed in XML.
pub fn numeric_reference(body: &str) -> Option<char> {
    let digits = body.strip_prefix('#')?;
    let code_point = if let Some(hex) = digits.strip_prefix(['x', 'X']) {
        if hex.is_empty() || hex.len() > 8 {
            return None;
        }
        u32::from_str_radix(hex, 16).ok()?
    } else {
        if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u32>().ok()?
    };
    char::from_u32(code_point).filter(|c| is_xml_char(*c))
}

/// Resolves the body of any reference between `&` and `;`.
pub fn resolve_reference(body: &str) -> Option<char> {
    if body.starts_with('#') {
        numeric_reference(body)
    } else {
        named_entity(body)
    }
}

/// Whether a character may appear in an XML 1.0 document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Replaces every reference in well-formed text (as accepted by the parser) with its character.
/// An unknown reference is kept as written.
pub fn decode_references(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let resolved = after
            .find(';')
            .filter(|semi| *semi <= 32)
            .and_then(|semi| resolve_reference(&after[..semi]).map(|c| (c, semi)));
        match resolved {
            Some((c, semi)) => {
                decoded.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                decoded.push('&');
                rest = after;
            }
        }
    }
    decoded.push_str(rest);
    Cow::Owned(decoded)
}

/// Escapes text for an XML or HTML text node.
pub fn escape_text_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (index, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&text[last..index]);
        out.push_str(replacement);
        last = index + 1;
    }
    out.push_str(&text[last..]);
}

/// Escapes text for a double- or single-quoted XML or HTML attribute value.
pub fn escape_attribute_into(out: &mut String, value: &str) {
    let mut last = 0;
    for (index, byte) in value.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&value[last..index]);
        out.push_str(replacement);
        last = index + 1;
    }
    out.push_str(&value[last..]);
}

/// Escapes text for a text node, returning a new string.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_text_into(&mut out, text);
    out
}

/// Escapes text for an attribute value, returning a new string.
pub fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    escape_attribute_into(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_the_253_xhtml_entities_without_duplicates() {
        let mut names: Vec<&str> = LATIN1_FROM_A0.to_vec();
        names.extend(SPECIAL_AND_SYMBOL.iter().map(|(name, _)| *name));
        assert_eq!(names.len(), 253);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 253);
    }

    #[test]
    fn named_entities_resolve_to_their_characters() {
        assert_eq!(named_entity("nbsp"), Some('\u{A0}'));
        assert_eq!(named_entity("oacute"), Some('ó'));
        assert_eq!(named_entity("yuml"), Some('ÿ'));
        assert_eq!(named_entity("Yuml"), Some('Ÿ'));
        assert_eq!(named_entity("ndash"), Some('–'));
        assert_eq!(named_entity("rsquo"), Some('’'));
        assert_eq!(named_entity("hearts"), Some('♥'));
        assert_eq!(named_entity("Omega"), Some('Ω'));
        assert_eq!(named_entity("euro"), Some('€'));
        assert_eq!(named_entity("bogus"), None);
        assert_eq!(named_entity("NBSP"), None);
    }

    #[test]
    fn numeric_references_accept_only_xml_characters() {
        assert_eq!(numeric_reference("#65"), Some('A'));
        assert_eq!(numeric_reference("#x41"), Some('A'));
        assert_eq!(numeric_reference("#X1F600"), Some('😀'));
        assert_eq!(numeric_reference("#0"), None);
        assert_eq!(numeric_reference("#xD800"), None);
        assert_eq!(numeric_reference("#x110000"), None);
        assert_eq!(numeric_reference("#"), None);
        assert_eq!(numeric_reference("#x"), None);
        assert_eq!(numeric_reference("#-1"), None);
        assert_eq!(numeric_reference("#99999999999999"), None);
    }

    #[test]
    fn decoding_replaces_known_references_and_keeps_unknown_ones() {
        assert_eq!(decode_references("a &amp; b"), "a & b");
        assert_eq!(decode_references("&lt;p&gt;&#233;&#xE9;"), "<p>éé");
        assert_eq!(decode_references("&unknown; & x"), "&unknown; & x");
        assert!(matches!(decode_references("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(escape_text("a<b>&c\"'"), "a&lt;b&gt;&amp;c\"'");
        assert_eq!(escape_attribute("a<b>&c\"'"), "a&lt;b&gt;&amp;c&quot;&#39;");
    }
}
