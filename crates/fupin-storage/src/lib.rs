//! fupin's storage: one repository API over SQLite (embedded default) and PostgreSQL.
//!
//! - [`Db`] connects by URL and migrates (`migrations/sqlite`, `migrations/postgres`, kept in step);
//! - `assessments`: scorecards, scores and exit checklists, per-village counts of them;
//! - `accounts`: users and roles, sessions, login failures, API tokens, helper pairings;
//! - `cases`: procedure cases (identification, exit, monitoring) and their events;
//! - `audit`: the hash-chained, append-only audit trail (`audit_guards`: its triggers checked
//!   and restored);
//! - `audit_spool`: where reads' entries wait, durably, while SQLite's writer is busy;
//! - `areas`: the administrative division tree;
//! - `registry`: households, members, yearly income and status, and the change log;
//! - `policy`: region- and year-scoped policy parameters;
//! - `sql`: statements with `$n` placeholders on either backend (`fetch_all`, `execute`);
//! - `snapshot`: SQLite's read transactions, on connections of their own on the caller's thread;
//! - `bulk`: bulk loading and reading (PostgreSQL `COPY`, SQLite prepared statements);
//! - `dialect`: the rest of what the two backends spell differently (locks, statistics, tokens);
//! - `deferred`: indexes and constraints rebuilt after a load into an empty registry;
//! - `scan`: whole areas read page by page for batches (assessment);
//! - `search`: the comprehensive query (key, filters, sort, pages) inside a jurisdiction;
//! - `search_index`: name pieces and ID-number tails, the search's own indexes, kept in key order;
//! - `scratch`: a PostgreSQL database of one test's own, dropped with it;
//! - `figures`: per-village counts (now and by year) the area pages sum, kept by the writer.

pub mod accounts;
pub mod archives;
pub mod areas;
pub mod assessments;
pub mod audit;
mod audit_guards;
pub mod audit_spool;
pub mod bulk;
pub mod cases;
mod cells;
pub mod comparison;
mod db;
mod deferred;
mod dialect;
pub mod documents;
mod error;
pub mod field;
mod figures;
pub mod household_cards;
pub mod indicators;
pub mod measures;
pub mod policy;
pub mod registry;
mod rows;
mod scan;
mod scope;
pub mod scratch;
mod search;
mod search_index;
mod snapshot;
pub mod sql;
pub mod tasks;
pub mod warning_facts;
pub mod warnings;
pub mod workbench;

pub use accounts::{ApiToken, LoginThrottle, NewSession, NewUser, Session, ThrottleCounter, User};
pub use areas::{AreaCount, AreaIndex, AreaLoad, FigureYear, Figures, YearFigures};
pub use assessments::{AssessmentFigures, AssessmentRow, AssessmentWriter};
pub use audit::{AuditFilter, NewAuditEntry};
pub use audit_spool::AuditSpool;
pub use cases::{CaseEvent, CaseRow, CaseUpdate};
pub use db::{Backend, Db, SqliteDb, Tx, redact};
pub use documents::{DocumentKind, StoredDocument};
pub use error::StorageError;
pub use indicators::IndicatorValue;
pub use measures::{
    Delivery, GapLine, HelperGaps, HouseholdKeys, HouseholdMeasures, MeasureCounts, MeasureWriter,
};
pub use registry::{
    ChangeEntry, HouseholdListItem, HouseholdRecord, IncomeLine, RegistryWriter, RunCounts, Stored,
    WriteContext, now_utc,
};
pub use scan::{Delivered, MatchedCodes, ScanWith, Scanned, TREND_YEARS};
pub use search::{COUNT_CAP, MatchedMember, SearchHit, SearchPage};
pub use snapshot::SqliteRead;
pub use workbench::{RecentChange, StateCount};
