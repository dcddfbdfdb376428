//! Assistance measures (帮扶措施): the catalogue of policy measures with their eligibility rules
//! (`catalogue`, `rule`), and which measures a household is entitled to, and why.

pub mod catalogue;
pub mod rule;

pub use catalogue::{
    Catalogue, CatalogueError, Category, Entitlement, Facts, Measure, Per, entitlements,
};
