//! A validated UUID as MISP writes it: 36 characters, lower-case hexadecimal with hyphens.
//!
//! Key decision: a 16-byte value rather than the text, so equality ignores letter case and the
//! exporter always writes the canonical lower-case form. Hand-written (twenty lines) instead of
//! the `uuid` crate because only parsing and printing are needed.

use std::fmt;
use std::str::FromStr;

/// A UUID (any version), printed in the canonical lower-case hyphenated form.
///
/// Stored as 16 big-endian bytes rather than a `u128`: byte alignment keeps `Option<Uuid>` at
/// 17 bytes instead of 32, which shrinks every wire type holding one (an [`crate::Attribute`]
/// by 24 bytes); the order is the same as that of the `u128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uuid([u8; 16]);

/// The text is not a hyphenated UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a UUID like `5f1b7b9e-0c8a-4c2e-9a51-6f3d2b1c0a99`, found `{0}`")]
pub struct InvalidUuid(pub String);

impl Uuid {
    /// The UUID with these 128 bits (big-endian, as printed).
    pub const fn from_u128(bits: u128) -> Self {
        Uuid(bits.to_be_bytes())
    }

    /// The 128 bits, big-endian as printed.
    pub const fn as_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }
}

impl FromStr for Uuid {
    type Err = InvalidUuid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Positions of the first of the two hex digits of each byte in
        // `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
        const PAIRS: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        let bytes = text.as_bytes();
        let invalid = || InvalidUuid(text.to_owned());
        if bytes.len() != 36
            || bytes[8] != b'-'
            || bytes[13] != b'-'
            || bytes[18] != b'-'
            || bytes[23] != b'-'
        {
            return Err(invalid());
        }
        let mut octets = [0u8; 16];
        let mut seen_invalid = 0u8;
        for (octet, position) in octets.iter_mut().zip(PAIRS) {
            let high = HEX[usize::from(bytes[position])];
            let low = HEX[usize::from(bytes[position + 1])];
            seen_invalid |= high | low;
            *octet = (high << 4) | (low & 0x0f);
        }
        // Non-hex bytes map to 0x10, so one test after the loop finds any of them.
        if seen_invalid & 0x10 != 0 {
            return Err(invalid());
        }
        Ok(Uuid(octets))
    }
}

/// Hex digit value of each byte, or 0x10 for a byte that is not a hex digit.
const HEX: [u8; 256] = {
    let mut table = [0x10u8; 256];
    let mut index = 0;
    while index < 10 {
        table[b'0' as usize + index] = index as u8;
        index += 1;
    }
    let mut index = 0;
    while index < 6 {
        table[b'a' as usize + index] = 10 + index as u8;
        table[b'A' as usize + index] = 10 + index as u8;
        index += 1;
    }
    table
};

impl fmt::Display for Uuid {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; 36];
        let mut bits = self.as_u128();
        for position in (0..36).rev() {
            if matches!(position, 8 | 13 | 18 | 23) {
                text[position] = b'-';
                continue;
            }
            text[position] = b"0123456789abcdef"[(bits & 0xf) as usize];
            bits >>= 4;
        }
        // Every byte written above is ASCII.
        formatter.write_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl serde::Serialize for Uuid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_prints_lower_case() {
        let uuid: Uuid = "5F1B7B9E-0c8a-4c2e-9a51-6f3d2b1c0a99".parse().unwrap();
        assert_eq!(uuid.to_string(), "5f1b7b9e-0c8a-4c2e-9a51-6f3d2b1c0a99");
        assert!("5f1b7b9e0c8a4c2e9a516f3d2b1c0a99".parse::<Uuid>().is_err());
        assert!(
            "5f1b7b9e-0c8a-4c2e-9a51-6f3d2b1c0a9g"
                .parse::<Uuid>()
                .is_err()
        );
        assert!(
            "5f1b7b9e-0c8a-4c2e-9a51_6f3d2b1c0a99"
                .parse::<Uuid>()
                .is_err()
        );
    }
}
