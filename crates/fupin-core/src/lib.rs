//! fupin's domain core: the registry's types, code lists, policy parameters, rules and
//! validation. Pure: no I/O, no database, no clock (callers pass `today`).

#[macro_use]
pub mod codes;
pub mod access;
pub mod archive;
pub mod area;
pub mod assessment;
pub mod audit;
pub mod date;
pub mod departments;
pub mod field;
pub mod fields;
pub mod household;
pub mod id_number;
pub mod income;
pub mod income_items;
pub mod linkage;
pub mod masking;
pub mod measures;
pub mod message;
pub mod money;
pub mod password;
pub mod policy;
pub mod record;
pub mod search;
pub mod tasks;
pub mod validation;
pub mod warnings;
pub mod workflow;

pub use area::{Area, AreaCode, AreaLevel};
pub use codes::CodeList;
pub use fields::Field;
pub use household::{Conditions, GeoPoint, Household, Member, StatusYear};
pub use id_number::IdNumber;
pub use income::{IncomeFormula, IncomeYear};
pub use message::Message;

/// The rules' message texts, by module (the web catalogue takes them all in).
pub const MESSAGES: &[(&str, message::Strings)] = &[
    ("area", area::AREA_CODE_MESSAGES),
    ("archive", archive::MESSAGES),
    ("catalogue", measures::catalogue::MESSAGES),
    ("checklist", assessment::checklist::MESSAGES),
    ("departments", departments::MESSAGES),
    ("pairing", field::pairing::MESSAGES),
    ("photo", field::photo::MESSAGES),
    ("id_number", id_number::MESSAGES),
    ("income_items", income_items::MESSAGES),
    ("index", assessment::index::MESSAGES),
    ("linkage", linkage::engine::MESSAGES),
    ("message", message::MESSAGES),
    ("money", money::MESSAGES),
    ("password", password::MESSAGES),
    ("rule", measures::rule::MESSAGES),
    ("prediction", assessment::prediction::MESSAGES),
    ("search", search::MESSAGES),
    ("tasks", tasks::MESSAGES),
    ("validation", validation::MESSAGES),
    ("visit", field::visit::MESSAGES),
    ("warnings", warnings::verification::MESSAGES),
    ("workflow", workflow::MESSAGES),
];
pub use money::Fen;
pub use policy::{PolicyKey, PolicyParam, PolicySet};

#[cfg(test)]
mod testing;
