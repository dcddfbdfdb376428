//! Work sent down the hierarchy (the rules live in `fupin_core::tasks`, the records in
//! `fupin_storage::tasks`): instructions with acknowledgements, reports, reminders and the
//! overdue list (`instructions`), and announcements with read receipts (`announcements`).

pub mod announcements;
pub mod instructions;
