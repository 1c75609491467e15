//! Receipt codes: the only key a tipster holds to come back to a tip.
//!
//! 25 decimal digits from the OS CSPRNG (log2(10^25) ≈ 83 bits, SECURITY.md R1), shown in five
//! groups of five because tipsters type them on phone keypads. Input normalisation ignores spaces
//! and dashes. The code itself is never stored: the store keeps an HMAC of it (R2).

use std::fmt;
use zeroize::Zeroizing;

/// Number of digits in a receipt.
pub const RECEIPT_DIGITS: usize = 25;
const GROUP: usize = 5;

/// A well-formed receipt code (digits only). Wiped from memory when dropped.
pub struct Receipt(Zeroizing<String>);

/// Why text typed as a receipt is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedReceipt;

impl Receipt {
    /// A receipt from digit values (0..=9). The caller draws them uniformly from the OS CSPRNG
    /// (`crypto::random`), so that this module stays free of randomness.
    pub fn from_digits(digits: impl IntoIterator<Item = u8>) -> Result<Self, MalformedReceipt> {
        let text: String = digits
            .into_iter()
            .map(|d| char::from_digit(u32::from(d), 10).ok_or(MalformedReceipt))
            .collect::<Result<_, _>>()?;
        Self::parse(&text)
    }

    /// Parses what a person typed: spaces, dashes and dots between digits are ignored.
    pub fn parse(input: &str) -> Result<Self, MalformedReceipt> {
        if input.len() > 4 * RECEIPT_DIGITS {
            return Err(MalformedReceipt);
        }
        let mut digits = Zeroizing::new(String::with_capacity(RECEIPT_DIGITS));
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                // Full-width digits, as some phone keyboards type them.
                '\u{ff10}'..='\u{ff19}' => {
                    digits.push(char::from(b'0' + (u32::from(c) - 0xff10) as u8))
                }
                ' ' | '-' | '.' | '\t' | '\u{a0}' => {}
                _ => return Err(MalformedReceipt),
            }
        }
        if digits.len() != RECEIPT_DIGITS {
            return Err(MalformedReceipt);
        }
        Ok(Receipt(digits))
    }

    /// The normalised digits: the input to the lookup HMAC.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The digits in groups of five separated by spaces, for display.
    pub fn grouped(&self) -> String {
        self.groups().join(" ")
    }

    /// The five groups, for large display on the receipt page.
    pub fn groups(&self) -> Vec<&str> {
        (0..RECEIPT_DIGITS / GROUP)
            .map(|i| &self.0[i * GROUP..(i + 1) * GROUP])
            .collect()
    }

    /// The last group: what the tipster types back to confirm they saved the code (R4).
    pub fn last_group(&self) -> &str {
        &self.0[RECEIPT_DIGITS - GROUP..]
    }
}

/// Never print a receipt by accident (logs, panics): Debug shows only that one exists.
impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "1234567890123456789012345";

    #[test]
    fn spaces_and_dashes_are_ignored() {
        let r = Receipt::parse("12345-67890 12345.67890  12345").unwrap();
        assert_eq!(r.digits(), CODE);
        assert_eq!(r.grouped(), "12345 67890 12345 67890 12345");
        assert_eq!(r.last_group(), "12345");
    }

    #[test]
    fn wrong_length_or_letters_are_malformed() {
        assert!(Receipt::parse(&CODE[1..]).is_err());
        assert!(Receipt::parse(&format!("{CODE}1")).is_err());
        assert!(Receipt::parse("123456789012345678901234a").is_err());
        assert!(Receipt::parse("").is_err());
        let full_width = "１２３４５６７８９０１２３４５６７８９０１２３４５";
        assert_eq!(Receipt::parse(full_width).unwrap().digits(), CODE);
        assert!(Receipt::parse(&" ".repeat(10_000)).is_err());
    }

    #[test]
    fn debug_does_not_reveal_the_code() {
        let r = Receipt::parse(CODE).unwrap();
        assert!(!format!("{r:?}").contains("12345"));
    }
}
