//! The month's field work in figures: by area (children of the area asked about), by helper
//! and by unit, with each one's paired households beside it; and the paired households nobody
//! visited within the policy's days (`not_visited_days`).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use fupin_core::access::Scope;
use fupin_core::{AreaCode, PolicyKey};
use fupin_storage::Db;
use fupin_storage::field::summaries::{HelperTally, Overdue};

use crate::error::Result;

/// A month's visits in one area, beside the households paired there now.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AreaMonth {
    pub code: String,
    pub visits: i64,
    pub households: i64,
    pub flagged: i64,
    pub photos: i64,
    pub paired: i64,
}

/// A month's visits by one helper (all their villages).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct HelperMonth {
    pub helper_id: i64,
    pub name: String,
    pub unit: String,
    pub visits: i64,
    pub households: i64,
    pub flagged: i64,
    pub photos: i64,
    pub paired: i64,
}

/// A month's visits by the helpers of one unit.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct UnitMonth {
    pub unit: String,
    pub helpers: i64,
    /// Helpers with paired households who made no visit this month.
    pub idle: i64,
    pub visits: i64,
    pub households: i64,
    pub flagged: i64,
    pub photos: i64,
    pub paired: i64,
}

/// `month` ("2026-11") in `area`, one row per child area with visits or paired households.
pub async fn by_area(
    db: &Db,
    scope: &Scope,
    area: &AreaCode,
    month: &str,
) -> Result<Vec<AreaMonth>> {
    let mut rows: BTreeMap<String, AreaMonth> = BTreeMap::new();
    for t in db.tallies_by_child(scope, area, month).await? {
        rows.insert(
            t.code.clone(),
            AreaMonth {
                code: t.code,
                visits: t.visits,
                households: t.households,
                flagged: t.flagged,
                photos: t.photos,
                paired: 0,
            },
        );
    }
    for p in db.paired_by_child(scope, area).await? {
        rows.entry(p.code.clone())
            .or_insert_with(|| AreaMonth {
                code: p.code.clone(),
                ..AreaMonth::default()
            })
            .paired = p.households;
    }
    Ok(rows.into_values().collect())
}

/// The sum of some rows.
pub fn total(rows: &[AreaMonth]) -> AreaMonth {
    rows.iter().fold(AreaMonth::default(), |mut t, r| {
        t.visits += r.visits;
        t.households += r.households;
        t.flagged += r.flagged;
        t.photos += r.photos;
        t.paired += r.paired;
        t
    })
}

/// `month` in `area` per helper (their villages summed), by unit and name.
pub async fn by_helper(
    db: &Db,
    scope: &Scope,
    area: &AreaCode,
    month: &str,
) -> Result<Vec<HelperMonth>> {
    Ok(fold_helpers(
        db.tallies_by_helper(scope, area, month).await?,
    ))
}

fn fold_helpers(rows: Vec<HelperTally>) -> Vec<HelperMonth> {
    let mut out: Vec<HelperMonth> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(h) if h.helper_id == r.helper_id => {
                h.visits += r.visits;
                h.households += r.households;
                h.flagged += r.flagged;
                h.photos += r.photos;
            }
            _ => out.push(HelperMonth {
                helper_id: r.helper_id,
                name: r.name,
                unit: r.unit.unwrap_or_default(),
                visits: r.visits,
                households: r.households,
                flagged: r.flagged,
                photos: r.photos,
                paired: r.paired,
            }),
        }
    }
    out
}

/// Helpers' months summed by unit, by unit name.
pub fn by_unit(helpers: &[HelperMonth]) -> Vec<UnitMonth> {
    let mut units: BTreeMap<&str, UnitMonth> = BTreeMap::new();
    for h in helpers {
        let u = units.entry(h.unit.as_str()).or_insert_with(|| UnitMonth {
            unit: h.unit.clone(),
            ..UnitMonth::default()
        });
        u.helpers += 1;
        u.idle += i64::from(h.paired > 0 && h.visits == 0);
        u.visits += h.visits;
        u.households += h.households;
        u.flagged += h.flagged;
        u.photos += h.photos;
        u.paired += h.paired;
    }
    units.into_values().collect()
}

/// Paired households of `area` not visited within the days the policy gives for it (its
/// county's value, else the national one); a page of them, their count and the days.
pub async fn not_visited(
    db: &Db,
    scope: &Scope,
    area: &AreaCode,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Overdue>, i64, i64)> {
    let days = db
        .policy()
        .await?
        .value(PolicyKey::NotVisitedDays, today.year(), area)
        .unwrap_or(30);
    let cutoff = today - Duration::days(days);
    let (rows, count) = db
        .not_visited_since(scope, area, &cutoff.to_string(), limit, offset)
        .await?;
    Ok((rows, count, days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(helper: i64, unit: &str, village: &str, visits: i64, paired: i64) -> HelperTally {
        HelperTally {
            helper_id: helper,
            name: format!("h{helper}"),
            unit: Some(unit.into()),
            village_code: village.into(),
            visits,
            households: visits.min(paired),
            flagged: 0,
            photos: visits * 3,
            paired,
        }
    }

    #[test]
    fn helpers_sum_their_villages_and_units_count_idle_helpers() {
        let helpers = fold_helpers(vec![
            tally(1, "县教育局", "522726101001", 2, 4),
            tally(1, "县教育局", "522726101002", 1, 4),
            tally(2, "县教育局", "", 0, 3),
            tally(3, "县卫健局", "522726101001", 4, 4),
            tally(4, "县卫健局", "", 0, 0),
        ]);
        assert_eq!(helpers.len(), 4);
        assert_eq!(
            (helpers[0].visits, helpers[0].photos, helpers[0].paired),
            (3, 9, 4)
        );
        let units = by_unit(&helpers);
        assert_eq!(units.len(), 2);
        let edu = units.iter().find(|u| u.unit == "县教育局").unwrap();
        assert_eq!(
            (edu.helpers, edu.idle, edu.visits, edu.paired),
            (2, 1, 3, 7)
        );
        // a helper with no households is not idle
        let health = units.iter().find(|u| u.unit == "县卫健局").unwrap();
        assert_eq!((health.helpers, health.idle), (2, 0));
    }
}
