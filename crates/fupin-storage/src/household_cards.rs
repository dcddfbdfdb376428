//! What the household card (明白卡) reads and writes: every household's code (一户一码), the
//! income lines typed for a year, and one read of everything a village's cards show, a few
//! queries for the whole village rather than a few per household.

use std::collections::HashMap;

use fupin_core::codes::HouseholdStatus;
use fupin_core::income_items::{IncomeCategory, IncomeItem};
use fupin_core::{AreaCode, CodeList, Fen, Household, IncomeYear};

use crate::bulk::insert_rows;
use crate::registry::{Count, INCOME_SELECT, load_where, now_utc};
use crate::rows::{IncomeRow, placeholders};
use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{AssessmentRow, Db, Delivery, StorageError, Tx};
use fupin_core::access::Scope;

/// Whose cards to read.
#[derive(Debug, Clone, Copy)]
pub enum CardsOf<'a> {
    Village(&'a AreaCode),
    Household(i64),
}

/// A helper paired with a household, as the card names them.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CardHelper {
    pub household_id: i64,
    pub real_name: String,
    pub phone: String,
    /// The helper's unit (帮扶单位), or the area they help in when none is recorded.
    pub area_name: String,
}

/// Everything the cards of some households show for one year, by household id.
#[derive(Debug, Default)]
pub struct CardRows {
    /// In household-number order.
    pub households: Vec<(i64, Household)>,
    pub statuses: HashMap<i64, HouseholdStatus>,
    pub incomes: HashMap<i64, IncomeYear>,
    pub items: HashMap<i64, Vec<IncomeItem>>,
    pub deliveries: HashMap<i64, Vec<Delivery>>,
    pub helpers: HashMap<i64, Vec<CardHelper>>,
    /// The year's assessment under the newest card.
    pub assessments: HashMap<i64, AssessmentRow>,
    /// The live code of each household that has one.
    pub codes: HashMap<i64, String>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct ItemRow {
    household_id: i64,
    category: String,
    item: String,
    amount: i64,
}

impl ItemRow {
    fn into_item(self) -> Result<IncomeItem, StorageError> {
        Ok(IncomeItem {
            category: IncomeCategory::parse(&self.category).ok_or_else(|| {
                StorageError::Corrupt(format!("income category {:?}", self.category))
            })?,
            item: self.item,
            amount: Fen(self.amount),
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct CodeRow {
    household_id: i64,
    token: String,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct StatusRow {
    household_id: i64,
    status: String,
}

const ITEM_COLUMNS: &[&str] = &["household_id", "year", "seq", "category", "item", "amount"];

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut out: HashMap<i64, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

/// The live codes of those of `ids` that `scope` reaches.
async fn live_codes(
    tx: &mut Tx,
    scope: &Scope,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let args: Vec<Value> = ids.iter().map(|i| Value::I64(*i)).collect();
    let rows: Vec<CodeRow> = fetch_all(
        tx,
        &format!(
            "SELECT household_id, token FROM household_codes \
             WHERE revoked_at IS NULL AND household_id IN ({}) AND {}",
            placeholders(args.len()),
            scope::of_household(scope, "household_id")
        ),
        &args,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.household_id, r.token))
        .collect())
}

/// Gives every household with an id from `lo` to `hi` that has no live code one (the registry
/// writer calls it for the households it created, before its commit). The token is 128 random
/// bits as 32 hex digits from the database's own strong generator: SQLite's `randomblob`,
/// PostgreSQL's `gen_random_uuid` (two of them hashed, as a UUID fixes six of its bits).
///
/// `fresh`: the range holds only households created in this transaction while the codes'
/// indexes are dropped for a load into an empty registry (`deferred.rs`), so none can have a
/// code and none is looked for (without the index, looking would read the whole table).
pub(crate) async fn issue_missing_codes(
    tx: &mut Tx,
    lo: i64,
    hi: i64,
    issued_by: &str,
    now: &str,
    fresh: bool,
) -> Result<(), StorageError> {
    let token = tx.backend().random_token();
    let unless_live = if fresh {
        ""
    } else {
        " AND NOT EXISTS \
         (SELECT 1 FROM household_codes c WHERE c.household_id = h.id AND c.revoked_at IS NULL)"
    };
    execute(
        tx,
        &format!(
            "INSERT INTO household_codes (token, household_id, issued_at, issued_by) \
             SELECT {token}, h.id, $1, $2 FROM households h \
             WHERE h.id BETWEEN $3 AND $4{unless_live} ORDER BY h.id"
        ),
        &[
            Value::Text(now.to_string()),
            Value::Text(issued_by.to_string()),
            Value::I64(lo),
            Value::I64(hi),
        ],
    )
    .await?;
    Ok(())
}

impl Db {
    /// The village of `within` whose household count is nearest `size`, with that count
    /// (benchmarks pick a village of a given size with it).
    pub async fn village_near_size(
        &self,
        within: &AreaCode,
        size: i64,
    ) -> Result<Option<(AreaCode, i64)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            village_code: String,
            households: i64,
        }
        let (lo, hi) = within.descendant_range();
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            "SELECT village_code, households FROM village_figures \
             WHERE village_code BETWEEN $1 AND $2 \
             ORDER BY ABS(households - $3), village_code LIMIT 1",
            &[Value::Text(lo), Value::Text(hi), Value::I64(size)],
        )
        .await?;
        rows.into_iter()
            .next()
            .map(|r| {
                let code = AreaCode::parse(&r.village_code).map_err(|e| {
                    StorageError::Corrupt(format!("village {}: {e}", r.village_code))
                })?;
                Ok((code, r.households))
            })
            .transpose()
    }

    /// The households `of` names within `scope`, with what their cards of `year` show.
    pub async fn card_rows(
        &self,
        scope: &Scope,
        of: CardsOf<'_>,
        year: i32,
    ) -> Result<CardRows, StorageError> {
        let mut tx = self.reader().await?;
        let (filter, arg) = match of {
            CardsOf::Village(v) => ("village_code = $1", Value::Text(v.to_string())),
            CardsOf::Household(id) => ("id = $1", Value::I64(id)),
        };
        let filter = format!("{filter} AND {}", scope::households(scope, ""));
        let mut households: Vec<(i64, Household)> = load_where(&mut tx, &filter, &[arg])
            .await?
            .into_iter()
            .map(|s| (s.id, s.household))
            .collect();
        households.sort_by(|a, b| a.1.number.cmp(&b.1.number));
        if households.is_empty() {
            return Ok(CardRows::default());
        }
        let ids: Vec<i64> = households.iter().map(|(id, _)| *id).collect();
        let mut args: Vec<Value> = ids.iter().map(|i| Value::I64(*i)).collect();
        let list = placeholders(args.len());
        let y = format!("${}", args.len() + 1);
        args.push(Value::I32(year));
        let incomes: Vec<IncomeRow> = fetch_all(
            &mut tx,
            &format!("{INCOME_SELECT} WHERE household_id IN ({list}) AND year = {y}"),
            &args,
        )
        .await?;
        let statuses: Vec<StatusRow> = fetch_all(
            &mut tx,
            &format!(
                "SELECT household_id, status FROM household_status_years \
                 WHERE household_id IN ({list}) AND year = {y}"
            ),
            &args,
        )
        .await?;
        let items: Vec<ItemRow> = fetch_all(
            &mut tx,
            &format!(
                "SELECT household_id, category, item, amount FROM income_items \
                 WHERE household_id IN ({list}) AND year = {y} ORDER BY household_id, seq"
            ),
            &args,
        )
        .await?;
        let deliveries: Vec<Delivery> = fetch_all(
            &mut tx,
            &format!(
                "SELECT household_id, measure_code, member_id_number, year, delivered_on, amount, \
                 unit, evidence, recorded_by, recorded_at FROM measure_deliveries \
                 WHERE household_id IN ({list}) AND year = {y} \
                 ORDER BY household_id, delivered_on, id"
            ),
            &args,
        )
        .await?;
        let assessments: Vec<AssessmentRow> = fetch_all(
            &mut tx,
            &format!(
                "SELECT household_id, year, card_version, score, band, income, food_clothing, \
                 compulsory_education, basic_medical, safe_housing, safe_water, points, \
                 expected_exit_year, computed_at, county_pace FROM assessments \
                 WHERE household_id IN ({list}) AND year = {y} ORDER BY computed_at"
            ),
            &args,
        )
        .await?;
        let helpers: Vec<CardHelper> = fetch_all(
            &mut tx,
            &format!(
                "SELECT p.household_id, hp.name AS real_name, hp.phone, \
                 COALESCE(un.name, a.name, '') AS area_name \
                 FROM pairings p JOIN helpers hp ON hp.id = p.helper_id \
                 LEFT JOIN helper_units un ON un.id = hp.unit_id \
                 LEFT JOIN areas a ON a.code = hp.area_code \
                 WHERE p.household_id IN ({list}) AND p.ended_on IS NULL \
                 ORDER BY p.household_id, hp.name"
            ),
            &args[..ids.len()],
        )
        .await?;
        let codes = live_codes(&mut tx, scope, &ids).await?;
        let mut statuses_by = HashMap::new();
        for s in statuses {
            let status = HouseholdStatus::parse(&s.status).ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "status {:?} of household {}",
                    s.status, s.household_id
                ))
            })?;
            statuses_by.insert(s.household_id, status);
        }
        let mut items_by: HashMap<i64, Vec<IncomeItem>> = HashMap::new();
        for r in items {
            items_by
                .entry(r.household_id)
                .or_default()
                .push(r.into_item()?);
        }
        Ok(CardRows {
            households,
            statuses: statuses_by,
            incomes: incomes
                .into_iter()
                .map(|r| (r.household_id, r.into_income()))
                .collect(),
            items: items_by,
            deliveries: group(deliveries, |d| d.household_id),
            helpers: group(helpers, |h| h.household_id),
            // ordered by time: the newest assessment of the year is the one kept
            assessments: assessments
                .into_iter()
                .map(|a| (a.household_id, a))
                .collect(),
            codes,
        })
    }

    /// The live codes of `ids` (households created before codes were issued at creation got
    /// theirs in migration 0019, so every household has one).
    pub async fn live_codes(
        &self,
        scope: &Scope,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>, StorageError> {
        live_codes(&mut self.reader().await?, scope, ids).await
    }

    /// Revokes a household's live code and gives it `token` instead: every card printed with
    /// the old code leads nowhere from now on.
    /// `NotFound` for a household outside `scope`.
    pub async fn reissue_code(
        &self,
        scope: &Scope,
        household_id: i64,
        token: &str,
        issued_by: &str,
        audit: crate::NewAuditEntry,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let reached: Vec<Count> = fetch_all(
            &mut tx,
            &format!(
                "SELECT COUNT(*) AS n FROM households WHERE id = $1 AND {}",
                scope::households(scope, "")
            ),
            &[Value::I64(household_id)],
        )
        .await?;
        if reached.first().is_none_or(|c| c.n == 0) {
            return Err(StorageError::NotFound);
        }
        let now = now_utc();
        execute(
            &mut tx,
            "UPDATE household_codes SET revoked_at = $1 \
             WHERE household_id = $2 AND revoked_at IS NULL",
            &[Value::Text(now.clone()), Value::I64(household_id)],
        )
        .await?;
        execute(
            &mut tx,
            "INSERT INTO household_codes (token, household_id, issued_at, issued_by) \
             VALUES ($1, $2, $3, $4)",
            &[
                Value::Text(token.to_string()),
                Value::I64(household_id),
                Value::Text(now),
                Value::Text(issued_by.to_string()),
            ],
        )
        .await?;
        tx.commit_audited(vec![audit]).await
    }

    /// The household a live code belongs to; `None` for an unknown or revoked one.
    pub async fn code_household(&self, token: &str) -> Result<Option<i64>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Code {
            household_id: i64,
        }
        let rows: Vec<Code> = fetch_all(
            &mut self.reader().await?,
            "SELECT household_id FROM household_codes WHERE token = $1 AND revoked_at IS NULL",
            &[Value::Text(token.to_string())],
        )
        .await?;
        Ok(rows.first().map(|r| r.household_id))
    }
}

/// Replaces the income lines of a household's year (inside the caller's transaction, which
/// also writes the year's totals).
pub async fn replace_income_items(
    tx: &mut Tx,
    household_id: i64,
    year: i32,
    items: &[IncomeItem],
) -> Result<(), StorageError> {
    execute(
        tx,
        "DELETE FROM income_items WHERE household_id = $1 AND year = $2",
        &[Value::I64(household_id), Value::I32(year)],
    )
    .await?;
    let rows = items
        .iter()
        .enumerate()
        .map(|(seq, i)| {
            vec![
                Value::I64(household_id),
                Value::I32(year),
                Value::I32(seq as i32 + 1),
                Value::Text(i.category.code().to_string()),
                Value::Text(i.item.clone()),
                Value::I64(i.amount.0),
            ]
        })
        .collect();
    insert_rows(tx, "income_items", ITEM_COLUMNS, rows).await
}

/// The income lines of a household's year, in the order typed.
pub async fn income_items(
    tx: &mut Tx,
    household_id: i64,
    year: i32,
) -> Result<Vec<IncomeItem>, StorageError> {
    let rows: Vec<ItemRow> = fetch_all(
        tx,
        "SELECT household_id, category, item, amount FROM income_items \
         WHERE household_id = $1 AND year = $2 ORDER BY seq",
        &[Value::I64(household_id), Value::I32(year)],
    )
    .await?;
    rows.into_iter().map(ItemRow::into_item).collect()
}
