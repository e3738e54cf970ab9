//! The bytes of generated attachments: small, but real files a browser can open.

use crate::rng::SeededRng;

/// An 8×8 RGB gradient PNG (valid chunks and checksums), shown by the pages' image macros.
pub const PNG_BYTES: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x6d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x15, 0xce, 0x51, 0x11, 0x00,
    0x51, 0x08, 0x42, 0x51, 0xa3, 0x18, 0x85, 0x28, 0x44, 0x31, 0xca, 0x8d, 0x42, 0x14, 0xa2, 0xec,
    0x5b, 0x3f, 0x39, 0x0c, 0xe3, 0xcc, 0xb0, 0x83, 0x06, 0x0f, 0x37, 0x30, 0x64, 0xe8, 0x30, 0xb3,
    0xec, 0xa2, 0xc5, 0xcb, 0x2d, 0x2c, 0x59, 0xba, 0x0f, 0xc4, 0x0a, 0x09, 0x8b, 0x13, 0x88, 0x88,
    0xea, 0x81, 0x59, 0x23, 0x63, 0x73, 0x06, 0x13, 0x53, 0x3f, 0x38, 0xf6, 0xd0, 0xe1, 0xe3, 0x0e,
    0x8e, 0x1c, 0xbd, 0x07, 0xff, 0xec, 0x1b, 0x78, 0xd5, 0x17, 0xfe, 0x17, 0xe8, 0x7b, 0x62, 0xc2,
    0x06, 0x05, 0x87, 0xcb, 0x1f, 0x27, 0x34, 0x0f, 0xca, 0x16, 0x15, 0x97, 0xeb, 0x5f, 0x4e, 0x69,
    0xf9, 0x00, 0xde, 0xa8, 0x60, 0x01, 0xb4, 0x9b, 0xb4, 0x6d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The bytes of a generated document attachment of `size_bytes`, by its extension: text lines, CSV
/// rows or a JSON array, all deterministic from `seed`.
pub fn document_bytes(filename: &str, size_bytes: usize, seed: u64) -> Vec<u8> {
    let mut rng = SeededRng::new(seed);
    let mut out = String::with_capacity(size_bytes + 64);
    if filename.ends_with(".csv") {
        out.push_str("id,owner,status,amount\n");
        let mut row = 0;
        while out.len() < size_bytes {
            out.push_str(&format!(
                "{row},{},{},{}\n",
                rng.pick(crate::text::FIRST_NAMES),
                rng.pick(&["open", "done", "blocked"]),
                rng.below(100_000)
            ));
            row += 1;
        }
    } else if filename.ends_with(".json") {
        out.push('[');
        let mut first = true;
        while out.len() < size_bytes {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&format!(
                "{{\"word\":\"{}\",\"n\":{}}}",
                rng.pick(crate::text::WORDS),
                rng.below(1_000)
            ));
        }
        out.push(']');
    } else {
        while out.len() < size_bytes {
            out.push_str(&crate::text::sentence(&mut rng, 12));
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_well_formed() {
        assert_eq!(&PNG_BYTES[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&PNG_BYTES[12..16], b"IHDR");
        assert_eq!(
            &PNG_BYTES[PNG_BYTES.len() - 8..PNG_BYTES.len() - 4],
            b"IEND"
        );
    }

    #[test]
    fn documents_have_their_size_and_kind() {
        let csv = document_bytes("a.csv", 500, 1);
        assert!(csv.len() >= 500 && csv.starts_with(b"id,owner"));
        let json = document_bytes("a.json", 300, 1);
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap_or_default();
        assert!(parsed.is_array());
        assert_eq!(
            document_bytes("a.txt", 400, 7),
            document_bytes("a.txt", 400, 7)
        );
    }
}
