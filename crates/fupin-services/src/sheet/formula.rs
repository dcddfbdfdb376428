//! Formula injection in CSV files: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is taken by Excel and WPS as a formula (`=HYPERLINK(…)`, `=cmd|…`), so every
//! CSV fupin writes puts a `'` before it ([`guard`]) and every CSV fupin reads takes that `'`
//! off again ([`unguard`]): an export re-imports to the same values. Plain numbers stay numbers
//! (`-350.5` is an income, not a formula). XLSX cells are written as text and need none of this.

use std::borrow::Cow;

/// First characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: &[u8] = b"=+-@\t\r";

/// `-350.5`, `+12`, `2014`: a sign, digits and at most one decimal point with digits after it.
fn plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && digits(frac)
}

/// Whether a cell is written with a `'` before it: it starts with a trigger (after any `'`
/// already there, so that a value which itself starts with `'=` also comes back whole).
fn needs_guard(s: &str) -> bool {
    let rest = s.trim_start_matches('\'');
    rest.as_bytes()
        .first()
        .is_some_and(|b| TRIGGERS.contains(b))
        && !plain_number(rest)
}

/// The cell as written to a CSV file.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if needs_guard(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cell as read from a CSV file: the `'` [`guard`] added is taken off.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// Whether a read cell may carry a guard (most rows have none: they are left as they are).
pub fn may_be_guarded(cell: &str) -> bool {
    cell.starts_with('\'')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_guarded_and_numbers_are_not() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("@SUM(1)", "'@SUM(1)"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("'=1", "''=1"),
            ("-350.5", "-350.5"),
            ("-350.50", "-350.50"),
            ("+12", "+12"),
            ("2014", "2014"),
            ("王芳", "王芳"),
            ("'13812345678", "'13812345678"),
            ("", ""),
        ] {
            assert_eq!(guard(cell), written, "{cell:?}");
            assert_eq!(unguard(&guard(cell)), cell, "{cell:?}");
        }
        assert!(!plain_number("1."));
        assert!(!plain_number("-.5"));
        assert!(!plain_number("1e5"));
    }

    proptest! {
        #[test]
        fn every_cell_reads_back_as_written(cell in "['=+@\\-\t\r0-9.a王]{0,8}") {
            let written = guard(&cell);
            // nothing written starts with a trigger unless it is a plain number
            prop_assert!(!written.as_bytes().first().is_some_and(|b| TRIGGERS.contains(b))
                || plain_number(&written));
            let prefixed = format!("'{}", cell);
            prop_assert!(written == cell || *written == prefixed);
            prop_assert_eq!(unguard(&written), cell.as_str());
        }
    }
}
