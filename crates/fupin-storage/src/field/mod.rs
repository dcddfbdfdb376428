//! Field work's records (the rules live in `fupin_core::field`): helpers, their units and
//! pairings with households (`helpers`), village work teams (`teams`), visits with their
//! photos and the monthly tallies written with them (`visits`), village sign-ins (`signins`),
//! what the summaries read (`summaries`) and what the scan for help on paper only reads
//! (`patterns`). Every read takes the caller's scope.

pub mod helpers;
pub mod patterns;
pub mod signins;
pub mod summaries;
pub mod teams;
pub mod visits;

/// Counts read as one row.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Count {
    pub n: i64,
}
