//! The interface strings, one file for each part of the interface, each a list of (key, zh-CN,
//! en). A key lives with the pages that use it; words that many parts share are in `common`.
//! A key stands in one file only (see the tests in `i18n`).

mod accounts;
mod archives;
mod areas;
mod assessment;
mod audit;
mod cards;
mod cases;
mod common;
mod comparison;
mod edit;
mod errors;
mod field;
mod household_sheet;
mod households;
mod measures;
mod search;
mod tasks;
mod warnings;
mod workbench;

/// A part's strings: (key, zh-CN, en).
pub(super) type Strings = &'static [(&'static str, &'static str, &'static str)];

/// Every part's strings, under the part's name.
pub(super) const MODULES: &[(&str, Strings)] = &[
    ("common", common::STRINGS),
    ("errors", errors::STRINGS),
    ("areas", areas::STRINGS),
    ("households", households::STRINGS),
    ("household_sheet", household_sheet::STRINGS),
    ("edit", edit::STRINGS),
    ("accounts", accounts::STRINGS),
    ("search", search::STRINGS),
    ("comparison", comparison::STRINGS),
    ("warnings", warnings::STRINGS),
    ("cases", cases::STRINGS),
    ("assessment", assessment::STRINGS),
    ("measures", measures::STRINGS),
    ("cards", cards::STRINGS),
    ("archives", archives::STRINGS),
    ("audit", audit::STRINGS),
    ("workbench", workbench::STRINGS),
    ("field", field::STRINGS),
    ("tasks", tasks::STRINGS),
];
