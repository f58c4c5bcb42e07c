//! Table 4 (G3): all 18 cells of the report's table, and the victim-identity row.

use kyoyu_guidance::{Grade, Guidance};
use kyoyu_model::{Channel, ItemKind};

const TABLE_4: [(&str, [&str; 3]); 8] = [
    // kind                share  alert  publication
    ("response_history", ["△", "×", "◎"]),
    ("damage", ["×", "△", "〇"]),
    ("attack_time", ["◎", "◎", "〇"]),
    ("ttp", ["◎", "◎", "〇"]),
    ("vulnerability", ["◎", "◎", "△"]),
    ("abused_service", ["◎", "◎", "△"]),
    ("ioc", ["◎", "◎", "△"]),
    ("victim_identity", ["×", "×", "◎"]),
];

#[test]
fn every_cell_of_table_4_has_the_reports_grade() {
    let matrix = &Guidance::builtin().expect("guidance loads").matrix;
    let mut checked = 0;
    for (kind, grades) in TABLE_4 {
        let kind: ItemKind = kind.parse().expect("kind");
        for (channel, expected) in Channel::ALL.into_iter().zip(grades) {
            let cell = matrix.cell(kind, channel);
            assert_eq!(cell.grade.symbol(), expected, "{kind} × {channel}");
            assert!(
                !cell.note.ja.is_empty() && !cell.note.en.is_empty(),
                "{kind} × {channel} note"
            );
            checked += 1;
        }
    }
    // 6 rows of the report (vulnerability and abused service share one row) × 3 channels = 18,
    // plus the abused-service twin row and the victim-identity row.
    assert_eq!(checked, 24);
}

#[test]
fn the_table_rejects_a_missing_or_doubled_cell() {
    let good = include_str!("../data/matrix.toml");
    let missing = good.replacen(
        "[[cell]]\nkind = \"ioc\"\nchannel = \"share\"",
        "[[cell]]\nkind = \"ioc\"\nchannel = \"expert_alert\"",
        1,
    );
    let error = kyoyu_guidance::Matrix::from_toml(&missing).expect_err("a doubled cell must fail");
    assert!(error.message.contains("twice"), "{error}");
    let bad_grade = good.replacen("grade = \"◎\"", "grade = \"o\"", 1);
    assert!(kyoyu_guidance::Matrix::from_toml(&bad_grade).is_err());
    assert_eq!(Grade::from_symbol("〇"), Some(Grade::Recommended));
}
