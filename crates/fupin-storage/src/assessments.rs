//! Stored assessments: scorecards, each household's score and exit checklist per year and card,
//! and per-village counts of them for area pages.

use std::collections::HashMap;

use fupin_core::AreaCode;
use fupin_core::access::Scope;

use crate::bulk::insert_rows;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx, scope};

/// One household's assessment for a year under a card (outcomes: met / not_met / unknown, in
/// the order of `fupin_core::assessment::checklist::Dimension::ALL`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct AssessmentRow {
    pub household_id: i64,
    pub year: i32,
    pub card_version: String,
    pub score: f64,
    pub band: String,
    pub income: String,
    pub food_clothing: String,
    pub compulsory_education: String,
    pub basic_medical: String,
    pub safe_housing: String,
    pub safe_water: String,
    /// Each indicator's points, in the card's order (JSON array).
    pub points: String,
    pub expected_exit_year: Option<i32>,
    pub computed_at: String,
    /// The county's exit pace the prediction used.
    pub county_pace: Option<f64>,
}

const COLUMNS: &[&str] = &[
    "household_id",
    "year",
    "card_version",
    "score",
    "band",
    "income",
    "food_clothing",
    "compulsory_education",
    "basic_medical",
    "safe_housing",
    "safe_water",
    "points",
    "expected_exit_year",
    "computed_at",
    "county_pace",
];

impl AssessmentRow {
    fn values(&self) -> Vec<Value> {
        vec![
            Value::I64(self.household_id),
            Value::I32(self.year),
            Value::Text(self.card_version.clone()),
            Value::F64(self.score),
            Value::Text(self.band.clone()),
            Value::Text(self.income.clone()),
            Value::Text(self.food_clothing.clone()),
            Value::Text(self.compulsory_education.clone()),
            Value::Text(self.basic_medical.clone()),
            Value::Text(self.safe_housing.clone()),
            Value::Text(self.safe_water.clone()),
            Value::Text(self.points.clone()),
            Value::OptI32(self.expected_exit_year),
            Value::Text(self.computed_at.clone()),
            Value::OptF64(self.county_pace),
        ]
    }
}

/// Counts of assessments in an area (summed over its villages).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize,
)]
pub struct AssessmentFigures {
    pub assessed: i64,
    pub band_poor: i64,
    pub band_at_risk: i64,
    pub band_stable: i64,
    pub all_met: i64,
    pub short_income: i64,
    pub short_food: i64,
    pub short_education: i64,
    pub short_medical: i64,
    pub short_housing: i64,
    pub short_water: i64,
}

const FIGURE_COLUMNS: [&str; 11] = [
    "assessed",
    "band_poor",
    "band_at_risk",
    "band_stable",
    "all_met",
    "short_income",
    "short_food",
    "short_education",
    "short_medical",
    "short_housing",
    "short_water",
];

/// An open replacement of assessments (see [`Db::assessment_writer`]).
pub struct AssessmentWriter {
    tx: crate::Tx,
    key: [Value; 4],
}

impl AssessmentWriter {
    pub async fn push(&mut self, rows: &[AssessmentRow]) -> Result<(), StorageError> {
        insert_rows(
            &mut self.tx,
            "assessments",
            COLUMNS,
            rows.iter().map(AssessmentRow::values).collect(),
        )
        .await
    }

    /// Writes the counts by village (made with [`AssessmentFigures::add`] as the rows were
    /// pushed) and commits everything.
    pub async fn finish(
        mut self,
        counts: &HashMap<String, AssessmentFigures>,
    ) -> Result<(), StorageError> {
        let [year, card, ..] = &self.key;
        let rows: Vec<Vec<Value>> = counts
            .iter()
            .map(|(village, f)| {
                let mut row = vec![Value::Text(village.clone()), year.clone(), card.clone()];
                row.extend(f.values().into_iter().map(Value::I64));
                row
            })
            .collect();
        let mut columns = vec!["village_code", "year", "card_version"];
        columns.extend(FIGURE_COLUMNS);
        insert_rows(&mut self.tx, "village_assessment_figures", &columns, rows).await?;
        self.tx.commit().await
    }
}

impl AssessmentFigures {
    /// Counts one assessment.
    pub fn add(&mut self, row: &AssessmentRow) {
        let outcomes = [
            &row.income,
            &row.food_clothing,
            &row.compulsory_education,
            &row.basic_medical,
            &row.safe_housing,
            &row.safe_water,
        ];
        let short = |o: &String| i64::from(o == "not_met");
        self.assessed += 1;
        self.band_poor += i64::from(row.band == "poor");
        self.band_at_risk += i64::from(row.band == "at_risk");
        self.band_stable += i64::from(row.band == "stable");
        self.all_met += i64::from(outcomes.iter().all(|o| *o == "met"));
        self.short_income += short(&row.income);
        self.short_food += short(&row.food_clothing);
        self.short_education += short(&row.compulsory_education);
        self.short_medical += short(&row.basic_medical);
        self.short_housing += short(&row.safe_housing);
        self.short_water += short(&row.safe_water);
    }

    /// The counts in the order of the table's columns.
    fn values(&self) -> [i64; 11] {
        [
            self.assessed,
            self.band_poor,
            self.band_at_risk,
            self.band_stable,
            self.all_met,
            self.short_income,
            self.short_food,
            self.short_education,
            self.short_medical,
            self.short_housing,
            self.short_water,
        ]
    }
}

impl Db {
    /// Starts replacing the assessments of `area` for one year and card: rows are pushed as
    /// they are computed (while the area is still being read), and [`AssessmentWriter::finish`]
    /// counts them by village and commits. Dropped unfinished, nothing changes.
    pub async fn assessment_writer(
        &self,
        area: Option<&AreaCode>,
        year: i32,
        card_version: &str,
    ) -> Result<AssessmentWriter, StorageError> {
        let (lo, hi) = match area {
            Some(a) => a.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        let mut tx = self.begin().await?;
        let key = [
            Value::I32(year),
            Value::Text(card_version.into()),
            Value::Text(lo),
            Value::Text(hi),
        ];
        execute(
            &mut tx,
            "DELETE FROM assessments WHERE year = $1 AND card_version = $2 AND household_id IN \
             (SELECT id FROM households WHERE village_code BETWEEN $3 AND $4)",
            &key,
        )
        .await?;
        execute(
            &mut tx,
            "DELETE FROM village_assessment_figures WHERE year = $1 AND card_version = $2 \
             AND village_code BETWEEN $3 AND $4",
            &key,
        )
        .await?;
        Ok(AssessmentWriter { tx, key })
    }

    /// A household's assessments, newest year first, if `scope` reaches it.
    pub async fn household_assessments(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<AssessmentRow>, StorageError> {
        self.reader()
            .await?
            .household_assessments(scope, household_id)
            .await
    }

    /// The assessment counts of each child area of `parent` (by code prefix of `len` digits)
    /// for an assessed year and card, within `scope`'s subtree.
    pub async fn assessment_figures(
        &self,
        scope: &Scope,
        parent: &AreaCode,
        child_prefix_len: usize,
        (year, card_version): (i32, &str),
    ) -> Result<HashMap<String, AssessmentFigures>, StorageError> {
        self.reader()
            .await?
            .assessment_figures(scope, parent, child_prefix_len, (year, card_version))
            .await
    }

    /// Each county's exit pace in `year`: the share of its households poor at the end of the
    /// year before that were exited at the end of `year` (by 6-digit county code).
    pub async fn county_exit_pace(&self, year: i32) -> Result<HashMap<String, f64>, StorageError> {
        use fupin_core::codes::HouseholdStatus;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            county: String,
            poor_before: i64,
            exited: i64,
        }
        let poor = crate::figures::status_in("s0.status", HouseholdStatus::is_poor);
        let exited = crate::figures::status_in("s1.status", HouseholdStatus::is_exited);
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT substr(h.village_code, 1, 6) AS county, CAST(COUNT(*) AS BIGINT) AS poor_before, \
                 CAST(SUM(CASE WHEN {exited} THEN 1 ELSE 0 END) AS BIGINT) AS exited \
                 FROM household_status_years s0 \
                 JOIN household_status_years s1 ON s1.household_id = s0.household_id AND s1.year = $1 \
                 JOIN households h ON h.id = s0.household_id \
                 WHERE s0.year = $2 AND {poor} GROUP BY 1"
            ),
            &[Value::I32(year), Value::I32(year - 1)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.poor_before > 0)
            .map(|r| (r.county, r.exited as f64 / r.poor_before as f64))
            .collect())
    }

    /// The last year any household's status is recorded for.
    pub async fn last_status_year(&self) -> Result<Option<i32>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            year: Option<i32>,
        }
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            // the figures by year are kept from the status years, and far smaller
            "SELECT MAX(year) AS year FROM village_year_figures",
            &[],
        )
        .await?;
        Ok(rows.into_iter().next().and_then(|r| r.year))
    }

    /// The (year, card) pairs assessed inside `area` (anywhere with `None`), newest first.
    pub async fn assessed_years(
        &self,
        area: Option<&AreaCode>,
    ) -> Result<Vec<(i32, String)>, StorageError> {
        self.reader().await?.assessed_years(area).await
    }
}

/// A household's assessments, newest year first.
const ASSESSMENTS_COLUMNS: &str = "a.household_id, a.year, a.card_version, a.score, a.band, a.income, \
    a.food_clothing, a.compulsory_education, a.basic_medical, a.safe_housing, \
    a.safe_water, a.points, a.expected_exit_year, a.computed_at, a.county_pace";
const ASSESSMENTS: scope::HouseholdRows = scope::HouseholdRows(
    "assessments",
    "a",
    ASSESSMENTS_COLUMNS,
    "a.year DESC, a.computed_at DESC",
);

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::household_assessments`] inside this transaction.
    pub async fn household_assessments(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<AssessmentRow>, StorageError> {
        fetch_all(self, &ASSESSMENTS.sql(scope), &[Value::I64(household_id)]).await
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::assessed_years`] inside this transaction.
    pub async fn assessed_years(
        &mut self,
        area: Option<&AreaCode>,
    ) -> Result<Vec<(i32, String)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            year: i32,
            card_version: String,
        }
        let (lo, hi) = match area {
            Some(a) => a.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        let rows: Vec<Row> = fetch_all(
            self,
            "SELECT DISTINCT year, card_version FROM village_assessment_figures \
             WHERE village_code BETWEEN $1 AND $2 ORDER BY year DESC, card_version DESC",
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows.into_iter().map(|r| (r.year, r.card_version)).collect())
    }

    /// [`Db::assessment_figures`] inside this transaction.
    pub async fn assessment_figures(
        &mut self,
        scope: &Scope,
        parent: &AreaCode,
        child_prefix_len: usize,
        (year, card_version): (i32, &str),
    ) -> Result<HashMap<String, AssessmentFigures>, StorageError> {
        if !scope.contains_area(parent) {
            return Ok(HashMap::new());
        }
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            prefix: String,
            #[sqlx(flatten)]
            #[serde(flatten)]
            figures: AssessmentFigures,
        }
        let (lo, hi) = parent.descendant_range();
        let sums: Vec<String> = FIGURE_COLUMNS
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
            .collect();
        let rows: Vec<Row> = fetch_all(
            self,
            &format!(
                "SELECT substr(village_code, 1, $1) AS prefix, {} FROM village_assessment_figures \
                 WHERE year = $2 AND card_version = $3 AND village_code BETWEEN $4 AND $5 GROUP BY 1",
                sums.join(", ")
            ),
            &[
                Value::I32(child_prefix_len as i32),
                Value::I32(year),
                Value::Text(card_version.into()),
                Value::Text(lo),
                Value::Text(hi),
            ],
        )
        .await?;
        Ok(rows.into_iter().map(|r| (r.prefix, r.figures)).collect())
    }
}
