//! Field work's use-cases (the rules live in `fupin_core::field`, the records in
//! `fupin_storage::field`): helpers and pairings (`pairing`), the pairing sheet in and out (`pairing_sheet`),
//! visits with their photos (`visits`, `photos`), village sign-ins
//! (`signins`), the month's figures (`summaries`) and the scan for help on paper only
//! (`patterns`).

pub mod demo;
pub mod generated;
pub mod pairing;
pub mod pairing_sheet;
pub mod patterns;
pub mod photos;
pub mod signins;
pub mod summaries;
pub mod visits;

pub use photos::PhotoStore;

use fupin_core::access::Scope;

use crate::audit::Actor;

/// Who records a visit or a sign-in: their jurisdiction, the actor written to the trail, and
/// their account (whose helper record the visit is made under).
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    pub scope: &'a Scope,
    pub actor: &'a Actor,
    pub user_id: i64,
}
