//! The scanner every target uses: all forms, deep XOR, a short identifier, a range.

use kyoyu_scan::{Category, Scanner};

pub fn scanner() -> &'static Scanner {
    static SCANNER: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    SCANNER.get_or_init(|| {
        let mut builder = Scanner::builder();
        builder
            .identifier(Category::Domain, "example-denki.co.jp")
            .identifier(Category::Name, "東京電機")
            .identifier(Category::Hostname, "*.corp.exdenki.local")
            .identifier(Category::Name, "EXD")
            .ip_range("192.0.2.0/24".parse().unwrap())
            .deep_xor(true);
        builder.build().unwrap()
    })
}
