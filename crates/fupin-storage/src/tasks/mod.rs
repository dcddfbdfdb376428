//! Work sent down the hierarchy (the rules live in `fupin_core::tasks`): instructions with
//! their recipients, reports and attachments (`instructions`), and announcements with their
//! read receipts (`announcements`). Every read takes the caller's scope or reach.

pub mod announcements;
pub mod instructions;
