//! Field work's records (the rules live in `fupin_core::field`): helpers, their units and
//! pairings with households (`helpers`), village work teams (`teams`), visits with their
//! photos and the monthly tallies written with them (`visits`), village sign-ins (`signins`),
//! and what the summaries read (`summaries`). Every read takes the caller's scope.

pub mod helpers;
pub mod signins;
pub mod summaries;
pub mod teams;
pub mod visits;

/// Counts read as one row.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Count {
    pub n: i64,
}
