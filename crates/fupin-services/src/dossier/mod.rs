//! Dossiers: everything one page or one API answer shows of one thing, read in **one** read
//! transaction — one consistent snapshot instead of a transaction per section — confined to the
//! viewer's [`Scope`](fupin_core::access::Scope), with the personal values as the viewer's
//! [`Disclosure`](fupin_core::masking::Disclosure) shows them, and recorded in the audit trail
//! ([`AuditSink`](crate::audit::AuditSink)) before it is returned: a dossier that could not be
//! recorded is not returned at all.
//!
//! - [`household`]: a household's record with its area path, the policy lines, its latest
//!   assessment explained, its measures (matchings, deliveries, the catalogue in force), its
//!   helper cadres, archives and warnings — what `/households/{id}` and
//!   `/api/v1/households/{id}` show. [`household::Sections`] says which parts a reader needs.
//! - [`area`]: an area's figures, children, years, exit test inputs, assessment counts and a
//!   village's households — what `/areas/{code}` shows (figures: not audited).
//!
//! **Adding a section** (visits, problems, payments, …): a field of
//! [`household::HouseholdDossier`], a flag of [`household::Sections`] (on in
//! `Sections::page`), and its read in `household::read_sections`, through the snapshot's
//! transaction and with the scope (`fupin_storage::Tx` has the tx-taking twin of each
//! `Db` read; give the new module's reads one the same way: the `Db` method delegating to it).

pub mod area;
pub mod household;

pub use area::AreaDossier;
pub use household::{HouseholdDossier, Sections};
