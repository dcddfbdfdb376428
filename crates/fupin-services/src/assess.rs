//! `fupin assess --year Y [--area CODE] [--card FILE]`: every household of an area scored with
//! the poverty index and checked against the exit test for a year, the results written back (a
//! re-run of the same year and card replaces them; another card adds its own beside them).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fupin_core::assessment::checklist::{self, Dimension, Outcome};
use fupin_core::assessment::index::{Band, Card, Subject};
use fupin_core::codes::HouseholdStatus;
use fupin_core::{AreaCode, AreaLevel, Fen, Household, IncomeYear, PolicyKey, PolicySet};
use fupin_storage::{AssessmentRow, Db};

use crate::progress::Progress;

/// Households read per page.
const PAGE: usize = 5_000;

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AssessSummary {
    pub card_version: String,
    pub year: i32,
    pub assessed: u64,
    /// Closed or removed households, not assessed.
    pub skipped: u64,
    pub poor: u64,
    pub at_risk: u64,
    pub stable: u64,
    pub all_met: u64,
    /// Households failing each dimension, in the order of `Dimension::ALL`.
    pub shortfalls: [u64; 6],
    pub elapsed: Duration,
}

/// The card a run uses: `card_text` when given (stored under its version), else the card in
/// force, else the shipped default (stored on first use).
pub async fn card_for_run(db: &Db, card_text: Option<&str>) -> Result<Card> {
    let (card, body) = match card_text {
        Some(text) => (Card::parse(text)?, text.to_string()),
        None => match db.current_card().await? {
            Some(stored) => (
                Card::parse(&stored.body)
                    .with_context(|| format!("stored card {}", stored.version))?,
                stored.body,
            ),
            None => (
                Card::default_card(),
                fupin_core::assessment::index::DEFAULT_CARD.to_string(),
            ),
        },
    };
    db.store_card(&card.version, &card.name, &body).await?;
    Ok(card)
}

fn outcome_code(o: Outcome) -> &'static str {
    match o {
        Outcome::Met => "met",
        Outcome::NotMet => "not_met",
        Outcome::Unknown => "unknown",
    }
}

/// One household's assessment row.
pub fn assess_one(
    card: &Card,
    h: &Household,
    income: Option<&IncomeYear>,
    line: Option<Fen>,
    year: i32,
    id: i64,
    now: &str,
) -> AssessmentRow {
    let list = checklist::check(h, income, line, year);
    let score = card.score(&Subject {
        household: h,
        income,
        line,
        year,
    });
    let o = |d| outcome_code(list.outcome(d)).to_string();
    let points: Vec<f64> = score.parts.iter().map(|p| p.points).collect();
    AssessmentRow {
        household_id: id,
        year,
        card_version: card.version.clone(),
        score: score.total,
        band: score.band.code().into(),
        income: o(Dimension::Income),
        food_clothing: o(Dimension::FoodAndClothing),
        compulsory_education: o(Dimension::CompulsoryEducation),
        basic_medical: o(Dimension::BasicMedical),
        safe_housing: o(Dimension::SafeHousing),
        safe_water: o(Dimension::SafeWater),
        points: serde_json::to_string(&points).unwrap_or_else(|_| "[]".into()),
        expected_exit_year: None,
        computed_at: now.to_string(),
    }
}

/// The year's exit income line of each county, looked up once.
struct Lines<'a> {
    policy: &'a PolicySet,
    year: i32,
    by_county: HashMap<String, Option<Fen>>,
}

impl Lines<'_> {
    fn of(&mut self, village: &AreaCode) -> Option<Fen> {
        let county = village.ancestor(AreaLevel::County);
        *self.by_county.entry(county.to_string()).or_insert_with(|| {
            self.policy
                .money(PolicyKey::ExitIncomeLine, self.year, &county)
        })
    }
}

/// Assesses every household of `area` (all with `None`) for `year` with `card`.
pub async fn assess(
    db: &Db,
    card: &Card,
    year: i32,
    area: Option<&AreaCode>,
    progress: &dyn Progress,
) -> Result<AssessSummary> {
    let started = Instant::now();
    let policy = db.policy().await?;
    let mut lines = Lines {
        policy: &policy,
        year,
        by_county: HashMap::new(),
    };
    let now = fupin_storage::now_utc();
    let mut summary = AssessSummary {
        card_version: card.version.clone(),
        year,
        ..Default::default()
    };
    let mut rows: Vec<AssessmentRow> = Vec::new();
    progress.start(None);
    db.scan_households(area, year, PAGE, &mut |page| {
        for s in &page {
            let h = &s.household;
            if matches!(h.status, HouseholdStatus::Closed | HouseholdStatus::Removed) {
                summary.skipped += 1;
                continue;
            }
            let line = lines.of(&h.village_code);
            let row = assess_one(card, h, s.income.as_ref(), line, year, s.id, &now);
            match Band::parse(&row.band) {
                Some(Band::Poor) => summary.poor += 1,
                Some(Band::AtRisk) => summary.at_risk += 1,
                _ => summary.stable += 1,
            }
            let outcomes = [
                &row.income,
                &row.food_clothing,
                &row.compulsory_education,
                &row.basic_medical,
                &row.safe_housing,
                &row.safe_water,
            ];
            for (n, o) in summary.shortfalls.iter_mut().zip(outcomes) {
                *n += u64::from(o == "not_met");
            }
            summary.all_met += u64::from(outcomes.iter().all(|o| *o == "met"));
            rows.push(row);
        }
        progress.advance(page.len() as u64);
        Ok(())
    })
    .await?;
    summary.assessed = rows.len() as u64;
    db.replace_assessments(area, year, &card.version, &rows)
        .await?;
    progress.finish();
    summary.elapsed = started.elapsed();
    Ok(summary)
}
