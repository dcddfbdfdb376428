//! fupin's use-cases: importing and exporting the registry's spreadsheets, loading divisions,
//! generating realistic registries, seeding the demo, accounts and logins, and the audit trail.

pub mod accounts;
pub mod archives;
pub mod areas;
pub mod assess;
pub mod audit;
pub mod cases;
pub mod columns;
pub mod compare;
pub mod deliveries;
pub mod demo_accounts;
pub mod demo_cases;
pub mod dossier;
pub mod edit;
pub mod error;
pub mod export;
pub mod field;
pub mod generate;
pub mod generated;
pub mod history;
pub mod household_card;
pub mod import;
pub mod indicators;
pub mod measures;
pub mod parse;
pub mod population;
pub mod progress;
pub mod restructure;
pub mod rule_documents;
pub mod sheet;
pub mod stages;
pub mod tasks;
pub mod workbench;

/// The use-cases' message texts, by module (the web catalogue takes them all in, beside
/// `fupin_core::MESSAGES`).
pub const MESSAGES: &[(&str, fupin_core::message::Strings)] = &[
    ("accounts", accounts::MESSAGES),
    ("cases", cases::MESSAGES),
    ("compare", compare::run::MESSAGES),
    ("edit", edit::MESSAGES),
    ("field_pairing", field::pairing::MESSAGES),
    ("field_pairing_sheet", field::pairing_sheet::MESSAGES),
    ("field_signins", field::signins::MESSAGES),
    ("field_visits", field::visits::MESSAGES),
    ("lists", compare::lists::MESSAGES),
    ("measures", measures::MESSAGES),
    ("sheet", sheet::MESSAGES),
];

/// Every message table of the rules and the use-cases, for texts shown outside a page.
pub fn message_tables() -> Vec<fupin_core::message::Strings> {
    fupin_core::MESSAGES
        .iter()
        .chain(MESSAGES)
        .map(|(_, table)| *table)
        .collect()
}
