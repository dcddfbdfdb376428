//! Record linkage (数据比对): tying another department's list to the registry's members by
//! ID number, and where the number is missing or mistyped, by name (homophones, dialect
//! sounds, traditional characters, one-character slips), birth date (with day and month
//! swapped), sex and place — a Fellegi–Sunter model estimated from each run's own data.
//! See `engine` for the steps and `model` for how the weights are found.

pub mod compare;
pub mod engine;
pub mod model;
pub mod name;
pub mod person;
#[cfg(test)]
mod tests;

pub use compare::{LinkField, Pattern};
pub use engine::{Decision, Link, Method, Outcome, Registry, Settings, Stats};
pub use model::{Explanation, Model};
pub use name::Name;
pub use person::{IdText, Person, Place, Ymd};
