//! Cleaning of free text typed by people: tips, location hints, messages.
//!
//! Text is kept as typed except for what can hide or corrupt it: control characters (other than
//! newline and tab) are dropped, line endings are unified and the ends are trimmed. Text is
//! put in Unicode NFC, so that Vietnamese typed with combining marks (some keyboards do) is
//! stored like the same words typed precomposed. The length limit counts characters, not bytes,
//! so Vietnamese diacritics cost the same as ASCII.

use unicode_normalization::UnicodeNormalization;

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max_chars: usize },
}

/// Cleans `raw` and checks it holds between 1 and `max_chars` characters.
pub fn clean_required(raw: &str, max_chars: usize) -> Result<String, TextError> {
    match clean_optional(raw, max_chars)? {
        Some(text) => Ok(text),
        None => Err(TextError::Empty),
    }
}

/// Cleans `raw`; empty (after trimming) becomes `None`.
pub fn clean_optional(raw: &str, max_chars: usize) -> Result<Option<String>, TextError> {
    let unified: String = raw
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect();
    let cleaned: String = unified
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max_chars {
        return Err(TextError::TooLong { max_chars });
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped_but_newlines_kept() {
        let text = clean_required(" a\u{0}b\r\nc\u{1b}[31m ", 100).unwrap();
        assert_eq!(text, "ab\nc[31m");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let vietnamese = "ệ".repeat(10);
        assert!(clean_required(&vietnamese, 10).is_ok());
        assert_eq!(
            clean_required(&"ệ".repeat(11), 10),
            Err(TextError::TooLong { max_chars: 10 })
        );
    }

    #[test]
    fn combining_marks_count_as_one_character() {
        // "ệ" as e + combining dot below + combining circumflex.
        let decomposed = "e\u{323}\u{302}".repeat(10);
        let text = clean_required(&decomposed, 10).unwrap();
        assert_eq!(text, "ệ".repeat(10));
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(clean_required(" \n\t ", 10), Err(TextError::Empty));
        assert_eq!(clean_optional("  ", 10), Ok(None));
    }
}
