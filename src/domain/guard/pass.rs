//! A pass: what the server signs into a form so that a later post can be checked without
//! storing anything. Three kinds share one text shape, `<kind>1.<time>.<bits>.<nonce>.<tag>`:
//!
//! - `f` form pass: `time` is when the form was served (the 3 s / 2 h bounds).
//! - `p` work pass: a proof-of-work challenge; `bits` is its difficulty, `nonce` its puzzle.
//! - `w` wait pass: `time` is the earliest moment the JS-off waiting page may be sent again.
//!
//! The tag is a truncated HMAC over `message()`, made and checked by the caller (`crypto`);
//! this module only lays the bytes out and parses them strictly (a pass is at most
//! `MAX_PASS_LEN` characters of a fixed alphabet, so nothing odd reaches a page or a log).

/// The bytes of a nonce and of a tag (128 bits each: a truncated HMAC-SHA256).
pub const NONCE_LEN: usize = 16;
pub const TAG_LEN: usize = 16;
/// The longest text `Pass::decode` looks at.
pub const MAX_PASS_LEN: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassKind {
    Form,
    Work,
    Wait,
}

impl PassKind {
    fn letter(self) -> char {
        match self {
            PassKind::Form => 'f',
            PassKind::Work => 'p',
            PassKind::Wait => 'w',
        }
    }

    fn from_prefix(prefix: &str) -> Option<Self> {
        match prefix {
            "f1" => Some(PassKind::Form),
            "p1" => Some(PassKind::Work),
            "w1" => Some(PassKind::Wait),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    pub kind: PassKind,
    /// Unix seconds: served at (form, work) or not before (wait).
    pub time: i64,
    /// Proof-of-work difficulty in leading zero bits; 0 for the other kinds.
    pub bits: u8,
    pub nonce: [u8; NONCE_LEN],
}

impl Pass {
    /// What the tag covers: every field, under a label of its own.
    pub fn message(&self) -> String {
        format!(
            "tipline-pass-v1|{}|{}|{}|{}",
            self.kind.letter(),
            self.time,
            self.bits,
            hex::encode(self.nonce)
        )
    }

    /// The nonce in hex: the puzzle's prefix for a work pass, the replay key for any pass.
    pub fn nonce_hex(&self) -> String {
        hex::encode(self.nonce)
    }

    /// The pass as a form carries it.
    pub fn encode(&self, tag: &[u8; TAG_LEN]) -> String {
        format!(
            "{}1.{}.{}.{}.{}",
            self.kind.letter(),
            self.time,
            self.bits,
            hex::encode(self.nonce),
            hex::encode(tag)
        )
    }

    /// The pass and its tag, if `text` has the exact shape; the tag is not checked here.
    pub fn decode(text: &str) -> Option<(Pass, [u8; TAG_LEN])> {
        let text = text.trim();
        if text.len() > MAX_PASS_LEN {
            return None;
        }
        let mut parts = text.split('.');
        let kind = PassKind::from_prefix(parts.next()?)?;
        let time_text = parts.next()?;
        if time_text.is_empty() || !time_text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let time: i64 = time_text.parse().ok()?;
        let bits_text = parts.next()?;
        if bits_text.is_empty() || !bits_text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let bits: u8 = bits_text.parse().ok()?;
        let mut nonce = [0u8; NONCE_LEN];
        hex::decode_to_slice(parts.next()?, &mut nonce).ok()?;
        let mut tag = [0u8; TAG_LEN];
        hex::decode_to_slice(parts.next()?, &mut tag).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some((
            Pass {
                kind,
                time,
                bits,
                nonce,
            },
            tag,
        ))
    }
}

/// How old a form is when it is sent, against the configured bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Age {
    /// Sent sooner than a person fills a form (or dated in the future): refused.
    TooFast,
    Fine,
    /// Served longer ago than the bound: refused, the tipster presses Send again.
    TooOld,
}

/// `Fine` when `min ≤ now − served ≤ max` (seconds).
pub fn age(served: i64, now: i64, min: u64, max: u64) -> Age {
    let elapsed = now.saturating_sub(served);
    if elapsed < 0 || (elapsed as u64) < min {
        Age::TooFast
    } else if elapsed as u64 > max {
        Age::TooOld
    } else {
        Age::Fine
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pass(kind: PassKind, time: i64, bits: u8) -> Pass {
        Pass {
            kind,
            time,
            bits,
            nonce: [7; NONCE_LEN],
        }
    }

    #[test]
    fn the_bounds_are_inclusive_and_the_future_is_too_fast() {
        assert_eq!(age(100, 102, 3, 7200), Age::TooFast);
        assert_eq!(age(100, 103, 3, 7200), Age::Fine);
        assert_eq!(age(100, 7300, 3, 7200), Age::Fine);
        assert_eq!(age(100, 7301, 3, 7200), Age::TooOld);
        assert_eq!(age(100, 50, 3, 7200), Age::TooFast);
        assert_eq!(age(i64::MIN, i64::MAX, 3, 7200), Age::TooOld);
    }

    #[test]
    fn odd_texts_are_no_pass() {
        let good = pass(PassKind::Form, 1_700_000_000, 0).encode(&[1; TAG_LEN]);
        assert!(Pass::decode(&good).is_some());
        for bad in [
            "",
            "f1",
            "x1.1.0.00.00",
            &good.replace("f1.", "f2."),
            &format!("{good}.more"),
            &good.replace("f1.1", "f1.-1"),
            &good.replace("f1.1", "f1.+1"),
            &good[..good.len() - 2],
        ] {
            assert!(Pass::decode(bad).is_none(), "{bad}");
        }
        // Kinds are told apart in the text and in what is signed.
        let wait = pass(PassKind::Wait, 1_700_000_000, 0);
        assert_ne!(
            wait.message(),
            pass(PassKind::Form, 1_700_000_000, 0).message()
        );
    }

    proptest! {
        #[test]
        fn a_pass_survives_its_text(time in 0i64..=i64::MAX, bits: u8, nonce: [u8; 16], tag: [u8; 16], k in 0..3u8) {
            let kind = [PassKind::Form, PassKind::Work, PassKind::Wait][k as usize];
            let p = Pass { kind, time, bits, nonce };
            let text = p.encode(&tag);
            prop_assert!(text.len() <= MAX_PASS_LEN);
            prop_assert_eq!(Pass::decode(&text), Some((p, tag)));
        }

        #[test]
        fn no_text_panics(text in ".{0,200}") {
            let _ = Pass::decode(&text);
        }
    }
}
