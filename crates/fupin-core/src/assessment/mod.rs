//! Assessment (识别、评估与退出): whether a household is poor, how deeply, what still stands
//! between it and exit.
//!
//! - `checklist`: the exit test, 一达标两不愁三保障 + safe drinking water, per household and year;
//! - `index`: the poverty index (贫困指数), a configurable scorecard of 0–100 with its breakdown;
//! - `prediction`: the expected exit year of a poor household, with the reasons;
//! - `area_exit`: the incidence test of village and county exit.

pub mod area_exit;
pub mod checklist;
pub mod index;
pub mod prediction;
