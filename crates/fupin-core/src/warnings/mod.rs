//! Warnings (智能预警): the rules that turn department-list links and registry fields into
//! findings a person must check, and the verification each warning goes through.
//!
//! - `rules`: one function per rule over facts the caller gathered (a linked record, its
//!   member's household, the measures delivered), each finding naming its evidence;
//! - `duplicates`: the same person registered in two households (the registry against itself);
//! - `nominal_help`: field visits that look like help on paper only (形式帮扶);
//! - `disclosure`: the evidence as one viewer may see it (masked like any record);
//! - `verification`: open → verifying → confirmed (with an action) or dismissed (with a reason).
//!
//! Pure: no I/O and no clock. Each finding carries a key built from its evidence, so a second
//! comparison of the same list finds the same key and a dismissed warning stays dismissed.

pub mod disclosure;
pub mod duplicates;
pub mod nominal_help;
pub mod rules;
#[cfg(test)]
mod tests;
pub mod verification;

pub use rules::{
    Delivery, Evidence, Finding, HouseholdFacts, LinkFacts, LinkPart, ListEntry, Rule, RuleSettings,
};
pub use verification::{Act, Resolution, WarningState};
