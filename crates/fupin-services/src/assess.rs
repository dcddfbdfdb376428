//! `fupin assess --year Y [--area CODE] [--card FILE]`: every household of an area scored with
//! the poverty index and checked against the exit test for a year, the results written back (a
//! re-run of the same year and card replaces them; another card adds its own beside them).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fupin_core::access::Scope;
use fupin_core::assessment::checklist::{self, Dimension, Outcome};
use fupin_core::assessment::index::{Card, Subject};
use fupin_core::assessment::prediction::{HORIZON, MeasureStanding, Prediction, predict};
use fupin_core::codes::HouseholdStatus;
use fupin_core::measures::Catalogue;
use fupin_core::{AreaCode, AreaLevel, Fen, Household, IncomeYear, PolicyKey, PolicySet};
use fupin_storage::{
    AssessmentFigures, AssessmentRow, Db, DocumentKind, HouseholdMeasures, ScanWith, Tx,
};

use crate::progress::Progress;
use crate::stages::{PAGE, scan_in_stages};

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

impl AssessSummary {
    /// Adds a village's counts.
    fn count(&mut self, f: &AssessmentFigures) {
        self.assessed += f.assessed as u64;
        self.poor += f.band_poor as u64;
        self.at_risk += f.band_at_risk as u64;
        self.stable += f.band_stable as u64;
        self.all_met += f.all_met as u64;
        let short = [
            f.short_income,
            f.short_food,
            f.short_education,
            f.short_medical,
            f.short_housing,
            f.short_water,
        ];
        for (n, s) in self.shortfalls.iter_mut().zip(short) {
            *n += s as u64;
        }
    }
}

/// The card a run uses: `card_text` when given (stored under its version), else the card in
/// force, else the shipped default (stored on first use).
pub async fn card_for_run(db: &Db, card_text: Option<&str>) -> Result<Card> {
    let body = crate::measures::document_text(
        db,
        DocumentKind::Scorecard,
        card_text,
        fupin_core::assessment::index::DEFAULT_CARD,
    )
    .await?;
    let card = Card::parse(&body)?;
    db.store_document(DocumentKind::Scorecard, &card.version, &card.name, &body)
        .await?;
    Ok(card)
}

fn outcome_code(o: Outcome) -> &'static str {
    match o {
        Outcome::Met => "met",
        Outcome::NotMet => "not_met",
        Outcome::Unknown => "unknown",
    }
}

/// What the assessment of one household needs beside the card.
pub struct Assessed<'a> {
    pub id: i64,
    pub household: &'a Household,
    /// The year's income and those before it (for the trend).
    pub incomes: &'a [IncomeYear],
    /// The household's status at the end of the year (its current one when none is recorded).
    pub status: HouseholdStatus,
    /// The exit income line of each year from the year assessed on.
    pub lines: &'a [Option<Fen>],
    /// The county's exit pace in the year (`Db::county_exit_pace`).
    pub pace: Option<f64>,
    /// The year's matching, where one was run.
    pub measures: Option<&'a MeasureStanding<'a>>,
    pub year: i32,
}

/// Every measures catalogue stored, by version (a matching names the one it used); one that
/// no longer parses is left out, and its households are assessed without their measures.
pub async fn stored_catalogues(db: &Db) -> Result<HashMap<String, Catalogue>> {
    Ok(db
        .documents(DocumentKind::MeasureCatalogue)
        .await?
        .into_iter()
        .filter_map(|d| Some((d.version, Catalogue::from_toml(&d.body).ok()?)))
        .collect())
}

/// A household's measures of the year read against the catalogue its matching used.
pub fn standing<'c>(
    catalogues: &'c HashMap<String, Catalogue>,
    codes: Option<&fupin_storage::MatchedCodes>,
    household: &Household,
) -> Option<MeasureStanding<'c>> {
    let codes = codes?;
    let catalogue = catalogues.get(&codes.catalogue_version)?;
    Some(MeasureStanding::from_codes(
        catalogue,
        &codes.entitled,
        &codes.gaps,
        household.conditions.relocated,
    ))
}

/// One household's assessment row and the prediction behind its expected exit year.
pub fn assess_one(card: &Card, a: &Assessed, now: &str) -> (AssessmentRow, Option<Prediction>) {
    let (h, year) = (a.household, a.year);
    let income = a.incomes.iter().find(|i| i.year == year);
    let line = a.lines.first().copied().flatten();
    let list = checklist::check(h, income, line, year);
    let prediction = a.status.is_poor().then(|| {
        let line_of = |y: i32| {
            usize::try_from(y - year)
                .ok()
                .and_then(|i| a.lines.get(i).copied().flatten())
        };
        predict(a.incomes, &list, year, &line_of, a.pace, a.measures)
    });
    let (total, band, points) = card.points(&Subject {
        household: h,
        income,
        line,
        year,
    });
    let o = |d| outcome_code(list.outcome(d)).to_string();
    let row = AssessmentRow {
        household_id: a.id,
        year,
        card_version: card.version.clone(),
        score: total,
        band: band.code().into(),
        income: o(Dimension::Income),
        food_clothing: o(Dimension::FoodAndClothing),
        compulsory_education: o(Dimension::CompulsoryEducation),
        basic_medical: o(Dimension::BasicMedical),
        safe_housing: o(Dimension::SafeHousing),
        safe_water: o(Dimension::SafeWater),
        points: serde_json::to_string(&points).unwrap_or_else(|_| "[]".into()),
        expected_exit_year: prediction.as_ref().and_then(|p| p.expected_exit_year),
        computed_at: now.to_string(),
        county_pace: a.pace,
    };
    (row, prediction)
}

/// The exit income lines of each county from the year assessed to the prediction's horizon,
/// looked up once per county.
struct Lines<'a> {
    policy: &'a PolicySet,
    year: i32,
    by_county: HashMap<String, Vec<Option<Fen>>>,
}

impl Lines<'_> {
    fn of(&mut self, village: &AreaCode) -> &[Option<Fen>] {
        let county = village.ancestor(AreaLevel::County);
        let (policy, year) = (self.policy, self.year);
        self.by_county
            .entry(county.to_string())
            .or_insert_with(|| exit_lines(policy, &county, year))
    }
}

/// The exit income lines of a place from `year` to the prediction's horizon.
fn exit_lines(policy: &PolicySet, place: &AreaCode, year: i32) -> Vec<Option<Fen>> {
    (year..=year + HORIZON)
        .map(|y| policy.money(PolicyKey::ExitIncomeLine, y, place))
        .collect()
}

/// Assesses every household `scope` reaches for `year` with `card`.
pub async fn assess(
    db: &Db,
    card: &Card,
    year: i32,
    scope: &Scope,
    progress: &dyn Progress,
) -> Result<AssessSummary> {
    let started = Instant::now();
    let policy = db.policy().await?;
    let now = fupin_storage::now_utc();
    let mut summary = AssessSummary {
        card_version: card.version.clone(),
        year,
        ..Default::default()
    };
    // three stages: reading the area, assessing (a thread of its own), writing (a task, first
    // removing the old rows); on two cores the reading and the writing overlap the assessing
    let (send, mut receive) = tokio::sync::mpsc::unbounded_channel::<Vec<AssessmentRow>>();
    let writing = {
        let (db, area, version) = (db.clone(), scope.area().cloned(), card.version.clone());
        tokio::spawn(async move {
            let mut writer = db.assessment_writer(area.as_ref(), year, &version).await?;
            while let Some(rows) = receive.recv().await {
                writer.push(&rows).await?;
            }
            Ok::<_, fupin_storage::StorageError>(writer)
        })
    };
    // read while the old rows are removed, and before assessing starts: the assessing thread
    // never waits on the runtime, which the reading may be holding (one thread in tests)
    let pace = db.county_exit_pace(year).await?;
    let catalogues = stored_catalogues(db).await?;
    let with = ScanWith {
        measures: true,
        ..Default::default()
    };
    let card = card.clone();
    let assessed = scan_in_stages(db, scope, year, with, progress, move |pages| {
        let mut lines = Lines {
            policy: &policy,
            year,
            by_county: HashMap::new(),
        };
        let mut by_village: HashMap<String, AssessmentFigures> = HashMap::new();
        let mut skipped = 0u64;
        for page in pages {
            let mut rows = Vec::with_capacity(page.len());
            for s in &page {
                let h = &s.household;
                if matches!(h.status, HouseholdStatus::Closed | HouseholdStatus::Removed) {
                    skipped += 1;
                    continue;
                }
                let status = s.status_of_year.unwrap_or(h.status);
                // only a poor household's prediction reads them
                let measures = status
                    .is_poor()
                    .then(|| standing(&catalogues, s.measures.as_ref(), h))
                    .flatten();
                let assessed = Assessed {
                    id: s.id,
                    household: h,
                    incomes: &s.incomes,
                    status,
                    lines: lines.of(&h.village_code),
                    pace: pace.get(h.village_code.county6()).copied(),
                    measures: measures.as_ref(),
                    year,
                };
                let (row, _) = assess_one(&card, &assessed, &now);
                by_village
                    .entry(h.village_code.to_string())
                    .or_default()
                    .add(&row);
                rows.push(row);
            }
            // a closed channel means the writer failed: its error is reported below
            let _ = send.send(rows);
        }
        (by_village, skipped)
    })
    .await;
    let writer = writing.await.context("the assessment writer stopped")??;
    let (by_village, skipped) = assessed?;
    writer.finish(&by_village).await?;
    summary.skipped = skipped;
    for f in by_village.values() {
        summary.count(f);
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// How the predictions made as of one year compare with what the registry recorded after it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Evaluation {
    pub as_of: i32,
    /// The last year the registry records (exits after it cannot be checked).
    pub last_year: i32,
    /// Households poor at the end of `as_of` with an income recorded for it.
    pub poor: u64,
    /// Those of them with a measures matching of `as_of`.
    pub matched: u64,
    /// Those whose predicted year the measures changed.
    pub changed_by_measures: u64,
    /// The predictions as `fupin assess` makes them (with the year's measures).
    pub accuracy: Accuracy,
    /// The same predictions made without the measures, to show what they add.
    pub accuracy_without_measures: Accuracy,
}

/// Predicted exit years against the recorded ones, counted in households.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Accuracy {
    /// Predicted year = actual exit year (or: no exit predicted by the last year, and none happened).
    pub exact: u64,
    /// Within a year of it (same rule for no exit).
    pub within_one: u64,
    /// Predicted earlier than the actual exit (or an exit that did not happen).
    pub too_early: u64,
    /// Predicted later than the actual exit (or no exit when one happened).
    pub too_late: u64,
}

impl Accuracy {
    /// Counts one household; years after `last_year` are "not by the last year".
    fn count(&mut self, predicted: Option<i32>, actual: Option<i32>, last_year: i32) {
        let predicted = predicted.filter(|y| *y <= last_year);
        let gap = match (predicted, actual) {
            (Some(p), Some(a)) => p - a,
            (None, None) => 0,
            (Some(p), None) => p - (last_year + 1),
            (None, Some(a)) => last_year + 1 - a,
        };
        self.exact += u64::from(gap == 0);
        self.within_one += u64::from(gap.abs() <= 1);
        self.too_early += u64::from(gap < 0);
        self.too_late += u64::from(gap > 0);
    }
}

/// Predicts as of `as_of` for every household poor then, and compares with the exit years the
/// registry recorded afterwards. Writes nothing.
pub async fn evaluate(
    db: &Db,
    card: &Card,
    as_of: i32,
    scope: &Scope,
    progress: &dyn Progress,
) -> Result<Evaluation> {
    let policy = db.policy().await?;
    let mut lines = Lines {
        policy: &policy,
        year: as_of,
        by_county: HashMap::new(),
    };
    let last_year = db.last_status_year().await?.unwrap_or(as_of);
    let pace = db.county_exit_pace(as_of).await?;
    let catalogues = stored_catalogues(db).await?;
    let mut e = Evaluation {
        as_of,
        last_year,
        ..Default::default()
    };
    progress.start(None);
    let with = ScanWith {
        measures: true,
        ..Default::default()
    };
    db.scan_households_with(scope, as_of, PAGE, with, &mut |page| {
        for s in &page {
            let h = &s.household;
            let Some(status) = s.status_of_year.filter(|st| st.is_poor()) else {
                continue;
            };
            if s.income(as_of).is_none() {
                continue;
            }
            let measures = standing(&catalogues, s.measures.as_ref(), h);
            let assessed = Assessed {
                id: s.id,
                household: h,
                incomes: &s.incomes,
                status,
                lines: lines.of(&h.village_code),
                pace: pace.get(h.village_code.county6()).copied(),
                measures: measures.as_ref(),
                year: as_of,
            };
            let (row, _) = assess_one(card, &assessed, "");
            let (plain, _) = assess_one(
                card,
                &Assessed {
                    measures: None,
                    ..assessed
                },
                "",
            );
            let actual = h.exit_year.filter(|y| *y > as_of && *y <= last_year);
            e.poor += 1;
            e.matched += u64::from(measures.is_some());
            e.changed_by_measures += u64::from(row.expected_exit_year != plain.expected_exit_year);
            e.accuracy.count(row.expected_exit_year, actual, last_year);
            e.accuracy_without_measures
                .count(plain.expected_exit_year, actual, last_year);
        }
        progress.advance(page.len() as u64);
        Ok(())
    })
    .await?;
    progress.finish();
    Ok(e)
}

/// A stored assessment explained: the card's breakdown, the checklist with its evidence and the
/// prediction's reasons, recomputed from the record with the card and inputs the batch used.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    pub stored: AssessmentRow,
    pub card_name: String,
    pub score: fupin_core::assessment::index::Score,
    pub checklist: checklist::Checklist,
    pub prediction: Option<Prediction>,
}

/// Explains a household's latest assessment (`None` when it has none, or its card is gone).
pub async fn explain_latest(
    db: &Db,
    policy: &PolicySet,
    scope: &fupin_core::access::Scope,
    record: &fupin_storage::HouseholdRecord,
) -> Result<Option<Explanation>> {
    let mut tx = db.reader().await?;
    let matched = tx.household_measures(scope, record.id).await?;
    explain_latest_in(&mut tx, policy, scope, record, &matched).await
}

/// [`explain_latest`] inside the caller's snapshot, given the household's stored matchings
/// (read once for this and the measures section of a dossier).
pub async fn explain_latest_in(
    tx: &mut Tx,
    policy: &PolicySet,
    scope: &fupin_core::access::Scope,
    record: &fupin_storage::HouseholdRecord,
    matched: &[HouseholdMeasures],
) -> Result<Option<Explanation>> {
    let rows = tx.household_assessments(scope, record.id).await?;
    let Some(stored) = rows.into_iter().next() else {
        return Ok(None);
    };
    let Some(card) = crate::rule_documents::scorecard(tx, &stored.card_version).await? else {
        return Ok(None);
    };
    let h = &record.household;
    let year = stored.year;
    let lines = exit_lines(policy, &h.village_code.ancestor(AreaLevel::County), year);
    let incomes: Vec<IncomeYear> = record
        .incomes
        .iter()
        .map(|i| i.income.clone())
        .filter(|i| (year - fupin_storage::TREND_YEARS..=year).contains(&i.year))
        .collect();
    let status = record
        .status_years
        .iter()
        .find(|s| s.year == year)
        .map_or(h.status, |s| s.status);
    let income = incomes.iter().find(|i| i.year == year);
    let list = checklist::check(h, income, lines[0], year);
    let score = card.score(&Subject {
        household: h,
        income,
        line: lines[0],
        year,
    });
    let line_of = |y: i32| {
        usize::try_from(y - year)
            .ok()
            .and_then(|i| lines.get(i).copied().flatten())
    };
    // the catalogue the year's matching used, as `standing` reads it
    let matched = matched.iter().find(|m| m.year == year);
    let catalogue = match matched {
        Some(m) => crate::rule_documents::catalogue(tx, &m.catalogue_version).await?,
        None => None,
    };
    let measures = catalogue.as_deref().zip(matched).map(|(c, m)| {
        MeasureStanding::from_codes(c, &m.entitled_codes, &m.gap_codes, h.conditions.relocated)
    });
    let prediction = status.is_poor().then(|| {
        predict(
            &incomes,
            &list,
            year,
            &line_of,
            stored.county_pace,
            measures.as_ref(),
        )
    });
    Ok(Some(Explanation {
        stored,
        card_name: card.name.clone(),
        score,
        checklist: list,
        prediction,
    }))
}
