//! Dotted-quad IPv4 addresses anywhere in bytes, ASCII or UTF-16LE, tested against the
//! profile's ranges. Key decision: a range is never expanded into a list of literal addresses
//! (a /16 would be 65,536 patterns); instead every `.` is a candidate anchor, the quad around it
//! is parsed strictly (1–3 digits per octet, no leading zeros beyond one digit, not part of a
//! longer dotted number such as a version `1.2.3.4.5`), and membership is a range test.

use std::net::Ipv4Addr;

/// Longest quad in bytes: `255.255.255.255` in UTF-16LE.
pub(crate) const MAX_QUAD_BYTES: usize = 30;

/// Calls `found(start, byte_len, address)` for each quad; stops when it returns false.
pub(crate) fn find_quads(
    haystack: &[u8],
    mut found: impl FnMut(usize, usize, Ipv4Addr) -> bool,
) -> bool {
    let mut resume = 0;
    for dot in memchr::memchr_iter(b'.', haystack) {
        if dot < resume || dot == 0 {
            continue;
        }
        // ASCII: the digits right before the dot; UTF-16LE: the dot is followed by a zero byte
        // and preceded by "digit, 0".
        let wide = haystack.get(dot + 1) == Some(&0)
            && haystack.get(dot - 1) == Some(&0)
            && dot >= 2
            && haystack[dot - 2].is_ascii_digit();
        let stride = if wide { 2 } else { 1 };
        let mut start = dot;
        let mut digits = 0;
        while digits < 4 && start >= stride && unit(haystack, start - stride, stride).is_some() {
            start -= stride;
            digits += 1;
        }
        if digits == 0 || digits > 3 {
            continue;
        }
        if let Some((address, end)) = parse_quad(haystack, start, stride)
            && before_is_boundary(haystack, start, stride)
        {
            resume = end;
            if !found(start, end - start, address) {
                return false;
            }
        }
    }
    true
}

/// The ASCII digit at `at` (for UTF-16LE: a digit followed by a zero byte).
fn unit(haystack: &[u8], at: usize, stride: usize) -> Option<u8> {
    let byte = *haystack.get(at)?;
    if !byte.is_ascii_digit() {
        return None;
    }
    if stride == 2 && haystack.get(at + 1) != Some(&0) {
        return None;
    }
    Some(byte - b'0')
}

fn char_at(haystack: &[u8], at: usize, stride: usize) -> Option<u8> {
    let byte = *haystack.get(at)?;
    if stride == 2 && haystack.get(at + 1) != Some(&0) {
        return None;
    }
    Some(byte)
}

fn before_is_boundary(haystack: &[u8], start: usize, stride: usize) -> bool {
    if start < stride {
        return true;
    }
    !matches!(
        char_at(haystack, start - stride, stride),
        Some(b'0'..=b'9' | b'.')
    )
}

fn parse_quad(haystack: &[u8], start: usize, stride: usize) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut at = start;
    for (index, octet) in octets.iter_mut().enumerate() {
        if index > 0 {
            if char_at(haystack, at, stride) != Some(b'.') {
                return None;
            }
            at += stride;
        }
        let first = at;
        let mut value: u32 = 0;
        let mut count = 0;
        while let Some(digit) = unit(haystack, at, stride) {
            value = value * 10 + digit as u32;
            count += 1;
            at += stride;
            if count > 3 {
                return None;
            }
        }
        if count == 0 || value > 255 || (count > 1 && haystack[first] == b'0') {
            return None;
        }
        *octet = value as u8;
    }
    // Not followed by another digit or by ".digit" (a longer dotted number).
    match char_at(haystack, at, stride) {
        Some(b'0'..=b'9') => return None,
        Some(b'.') if unit(haystack, at + stride, stride).is_some() => return None,
        _ => {}
    }
    Some((Ipv4Addr::from(octets), at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quads(haystack: &[u8]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        find_quads(haystack, |start, _, address| {
            out.push((start, address.to_string()));
            true
        });
        out
    }

    /// Input and the quads expected in it.
    type Case = (&'static [u8], &'static [(usize, &'static str)]);

    #[test]
    fn finds_quads_and_rejects_lookalikes() {
        let cases: &[Case] = &[
            (b"x 10.1.2.3:443", &[(2, "10.1.2.3")]),
            (b"v1.2.3.4.5 1.2.3", &[]),
            (b"256.1.1.1 01.2.3.4", &[]),
            (b"a1.2.3.4", &[(1, "1.2.3.4")]),
            (b"1\x00.\x002\x00.\x003\x00.\x004\x00", &[(0, "1.2.3.4")]),
        ];
        for (input, want) in cases {
            let want: Vec<_> = want.iter().map(|(at, s)| (*at, s.to_string())).collect();
            assert_eq!(quads(input), want, "{:?}", String::from_utf8_lossy(input));
        }
    }
}
