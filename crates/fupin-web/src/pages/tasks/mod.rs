//! Work sent down the hierarchy: instructions (`/tasks…`, `instructions`), announcements
//! (`/announcements…`, `announcements`) and both in the JSON API (`api`).

pub mod announcements;
pub mod api;
pub mod instructions;
