//! Table 4 (G3): the grade of each kind of item on each channel, with the table's condition.
//!
//! Key decision: the table is a data file a reviewer can hold against the report; loading it
//! checks that every kind × channel cell is present exactly once, so a missing row is a load
//! error, not a silent default.

use std::collections::HashMap;

use kyoyu_model::{Channel, ItemKind, Localized};
use serde::Deserialize;

use crate::DataError;
use crate::catalogue::TextRow;
use crate::decision::Grade;

/// One cell of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The grade.
    pub grade: Grade,
    /// The table's condition or comment.
    pub note: Localized,
    /// The G3 reason a △ or × cell gives ("Table 4 grades this △ (conditional): …"), built once.
    pub reason: Localized,
}

/// The whole table.
#[derive(Debug, Clone)]
pub struct Matrix {
    cells: HashMap<(ItemKind, Channel), Cell>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixFile {
    cell: Vec<CellRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CellRow {
    kind: String,
    channel: String,
    grade: String,
    note: TextRow,
}

/// The G3 reason text of a cell. The table is loaded once per process and lives as long as it,
/// so the texts are leaked into `'static` strings: every verdict can then cite them without
/// copying (thousands of items share a handful of sentences).
fn grade_reason(grade: Grade, note: &Localized) -> Localized {
    let (ja, en) = match grade {
        Grade::Conditional => (
            "表4で「△ 条件付き」: ",
            "Table 4 grades this △ (conditional): ",
        ),
        Grade::NotAppropriate => (
            "表4で「× 適さない」: ",
            "Table 4 grades this × (not appropriate): ",
        ),
        Grade::StronglyRecommended | Grade::Recommended => return Localized::default(),
    };
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    Localized::new(
        leak(format!("{ja}{}", note.ja)),
        leak(format!("{en}{}", note.en)),
    )
}

impl Matrix {
    /// Parses and checks the table.
    pub fn from_toml(text: &str) -> Result<Self, DataError> {
        let error = |message: String| DataError {
            file: "matrix.toml",
            message,
        };
        let file: MatrixFile = toml::from_str(text).map_err(|parse| error(parse.to_string()))?;
        let mut cells = HashMap::new();
        for (index, row) in file.cell.into_iter().enumerate() {
            let kind: ItemKind = row
                .kind
                .parse()
                .map_err(|invalid| error(format!("cell[{index}].kind: {invalid}")))?;
            let channel: Channel = row
                .channel
                .parse()
                .map_err(|invalid| error(format!("cell[{index}].channel: {invalid}")))?;
            let grade = Grade::from_symbol(&row.grade).ok_or_else(|| {
                error(format!(
                    "cell[{index}].grade: `{}` is not one of ◎ 〇 △ ×",
                    row.grade
                ))
            })?;
            let note: Localized = row.note.into();
            let reason = grade_reason(grade, &note);
            if cells
                .insert(
                    (kind, channel),
                    Cell {
                        grade,
                        note,
                        reason,
                    },
                )
                .is_some()
            {
                return Err(error(format!(
                    "cell[{index}]: {kind} × {channel} is listed twice"
                )));
            }
        }
        for kind in ItemKind::ALL {
            for channel in Channel::ALL {
                if !cells.contains_key(&(kind, channel)) {
                    return Err(error(format!("the cell {kind} × {channel} is missing")));
                }
            }
        }
        Ok(Matrix { cells })
    }

    /// The cell for a kind and channel. Every cell exists (checked at load).
    pub fn cell(&self, kind: ItemKind, channel: Channel) -> &Cell {
        &self.cells[&(kind, channel)]
    }
}
