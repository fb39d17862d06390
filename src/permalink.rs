//! Share links: the editor text, deflated (raw DEFLATE, miniz_oxide) and base64url-encoded
//! without padding, in the URL fragment as `#v1:<data>`.
//!
//! A fragment comes from whoever wrote the link, so decoding treats it as hostile: the encoded
//! length is capped before any work, the inflater stops at [`MAX_TEXT_BYTES`] of output, and
//! every failure is a [`DecodeError`] with a sentence for the banner. Nothing here panics.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use miniz_oxide::inflate::TINFLStatus;

/// The version prefix of the fragment (after `#`).
pub const PREFIX: &str = "v1:";
/// The largest scenario a link may hold, decompressed.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// Longest fragment worth decoding: deflate never grows text much, base64 adds a third.
pub const MAX_FRAGMENT_CHARS: usize = MAX_TEXT_BYTES * 3 / 2;

/// Accepts the base64url alphabet with or without `=` padding (some tools add it).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a fragment could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The fragment is not a kubefiddle link at all.
    NotALink,
    /// A `vN:` prefix this version does not know.
    UnknownVersion(String),
    /// Longer than any link this app writes.
    TooLong,
    BadBase64,
    BadDeflate,
    /// Inflating would exceed [`MAX_TEXT_BYTES`].
    TooLarge,
    NotUtf8,
}

impl DecodeError {
    /// One sentence for the banner.
    pub fn message(&self) -> String {
        let what = match self {
            DecodeError::NotALink => "its address does not hold a kubefiddle scenario".to_string(),
            DecodeError::UnknownVersion(v) => {
                format!("it was made by a newer kubefiddle (format \"{v}\")")
            }
            DecodeError::TooLong => "it is longer than any link kubefiddle makes".to_string(),
            DecodeError::BadBase64 => "it is damaged (not valid base64url)".to_string(),
            DecodeError::BadDeflate => "it is damaged or cut short (bad compressed data)".into(),
            DecodeError::TooLarge => format!(
                "its scenario would be larger than {} MB",
                MAX_TEXT_BYTES >> 20
            ),
            DecodeError::NotUtf8 => "its scenario is not UTF-8 text".to_string(),
        };
        format!(
            "This shared link could not be opened: {what}. Showing your saved scenario instead."
        )
    }
}

/// The fragment (without `#`) for `text`: `v1:` followed by base64url(deflate(text)).
pub fn encode(text: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The scenario text of a fragment (with or without its leading `#`).
pub fn decode(fragment: &str) -> Result<String, DecodeError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment).trim();
    let Some(data) = fragment.strip_prefix(PREFIX) else {
        return Err(version_error(fragment));
    };
    if data.len() > MAX_FRAGMENT_CHARS {
        return Err(DecodeError::TooLong);
    }
    let packed = LENIENT.decode(data).map_err(|_| DecodeError::BadBase64)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_TEXT_BYTES)
        .map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => DecodeError::TooLarge,
            _ => DecodeError::BadDeflate,
        })?;
    String::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)
}

/// `v2:…` is a newer link; anything else is not a link.
fn version_error(fragment: &str) -> DecodeError {
    let head = fragment.split(':').next().unwrap_or("");
    let is_version = fragment.contains(':')
        && head.len() > 1
        && head.len() <= 4
        && head.starts_with('v')
        && head[1..].bytes().all(|b| b.is_ascii_digit());
    if is_version {
        DecodeError::UnknownVersion(head.to_string())
    } else {
        DecodeError::NotALink
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_exactly() {
        for text in [
            "",
            "apiVersion: v1\nkind: Pod\n",
            "tabs\tand\r\nCRLF\n\n\ntrailing   ",
            "ünïcødé ✓ 日本語 🚀\n$ kubectl get pods\n",
        ] {
            let link = encode(text);
            assert!(link.starts_with("v1:"));
            assert!(!link.contains('=') && !link.contains('+') && !link.contains('/'));
            assert_eq!(decode(&link).as_deref(), Ok(text));
            assert_eq!(decode(&format!("#{link}")).as_deref(), Ok(text));
        }
    }

    #[test]
    fn compresses_repetitive_scenarios() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n".repeat(50);
        assert!(encode(&text).len() < text.len() / 5);
    }

    #[test]
    fn rejects_fragments_that_are_not_links() {
        assert_eq!(decode(""), Err(DecodeError::NotALink));
        assert_eq!(decode("#section-2"), Err(DecodeError::NotALink));
        assert_eq!(
            decode("#v2:abc"),
            Err(DecodeError::UnknownVersion("v2".into()))
        );
    }

    #[test]
    fn rejects_bad_base64() {
        assert_eq!(decode("#v1:not base64!"), Err(DecodeError::BadBase64));
        assert_eq!(decode("#v1:A"), Err(DecodeError::BadBase64));
    }

    #[test]
    fn rejects_bad_or_truncated_deflate() {
        assert_eq!(decode("#v1:"), Err(DecodeError::BadDeflate));
        let garbage = URL_SAFE_NO_PAD.encode([0xffu8; 16]);
        assert_eq!(
            decode(&format!("v1:{garbage}")),
            Err(DecodeError::BadDeflate)
        );
        let whole = miniz_oxide::deflate::compress_to_vec(&[b'x'; 5000], 9);
        let cut = URL_SAFE_NO_PAD.encode(&whole[..whole.len() / 2]);
        assert_eq!(decode(&format!("v1:{cut}")), Err(DecodeError::BadDeflate));
    }

    #[test]
    fn caps_the_inflated_size() {
        // 8 MB of zeros deflates to a few KB: a "zip bomb" in a link.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0u8; 8 << 20], 9);
        let link = format!("v1:{}", URL_SAFE_NO_PAD.encode(bomb));
        assert!(link.len() < MAX_FRAGMENT_CHARS);
        assert_eq!(decode(&link), Err(DecodeError::TooLarge));
        let exact = "a".repeat(MAX_TEXT_BYTES);
        assert_eq!(decode(&encode(&exact)).map(|t| t.len()), Ok(MAX_TEXT_BYTES));
    }

    #[test]
    fn caps_the_fragment_length() {
        let long = format!("v1:{}", "A".repeat(MAX_FRAGMENT_CHARS + 1));
        assert_eq!(decode(&long), Err(DecodeError::TooLong));
    }

    #[test]
    fn rejects_invalid_utf8() {
        let packed = miniz_oxide::deflate::compress_to_vec(&[0xc3, 0x28, 0xff], 9);
        let link = format!("v1:{}", URL_SAFE_NO_PAD.encode(packed));
        assert_eq!(decode(&link), Err(DecodeError::NotUtf8));
    }

    #[test]
    fn accepts_padding_and_surrounding_space() {
        let link = encode("kind: Pod\n");
        let data = &link[3..];
        let padded = format!("v1:{data}{}", "=".repeat((4 - data.len() % 4) % 4));
        assert_eq!(decode(&padded).as_deref(), Ok("kind: Pod\n"));
        assert_eq!(decode(&format!(" {link} ")).as_deref(), Ok("kind: Pod\n"));
    }

    #[test]
    fn every_error_has_a_sentence() {
        let m = DecodeError::TooLarge.message();
        assert!(m.contains("1 MB") && m.ends_with("instead."));
    }
}
