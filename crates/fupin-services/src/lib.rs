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
pub mod dossier;
pub mod edit;
pub mod export;
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
