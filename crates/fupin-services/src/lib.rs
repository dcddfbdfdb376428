//! fupin's use-cases: importing and exporting the registry's spreadsheets, loading divisions,
//! generating realistic registries, and seeding the demo.

pub mod areas;
pub mod columns;
pub mod export;
pub mod generate;
pub mod generated;
pub mod history;
pub mod import;
pub mod parse;
pub mod progress;
pub mod sheet;
