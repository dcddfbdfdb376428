//! Work sent down the hierarchy (the rules live in `fupin_core::tasks`, the records in
//! `fupin_storage::tasks`): instructions with acknowledgements, reports, reminders and the
//! overdue list (`instructions`), and announcements with read receipts (`announcements`).

pub mod announcements;
pub mod demo;
pub mod instructions;

use fupin_core::AreaCode;
use fupin_core::access::Scope;
use fupin_core::tasks::instruction::Problem;
use fupin_storage::Db;

/// The areas a form names by code that `scope` reaches; an unknown code and a code outside the
/// jurisdiction read alike (one problem each), so the answer tells nothing of other areas.
async fn areas_in_reach(
    db: &Db,
    scope: &Scope,
    codes: &[String],
) -> crate::error::Result<(Vec<AreaCode>, Vec<Problem>)> {
    let (mut areas, mut problems) = (Vec::new(), Vec::new());
    for code in codes.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        let known = match AreaCode::parse(code) {
            Ok(area) => db.area(scope, &area).await?.map(|a| a.code),
            Err(_) => None,
        };
        match known {
            Some(area) => areas.push(area),
            None => problems.push(Problem::NotSubordinate),
        }
    }
    Ok((areas, problems))
}
