//! Households: reading records and lists, and the write session an import uses.
//!
//! Every write goes through [`RegistryWriter`], which records each change (who, when, what
//! old → new, why) in `change_log` inside the same transaction as the change itself.
//!
//! - `reads`: the [`Db`](crate::Db) reads (a household's record, list pages, export pages and
//!   their history, counts, the next free household number), each confined by a `Scope`;
//! - `writer`: [`RegistryWriter`] and what it is given and counts (`WriteContext`, `RunCounts`).
//!
//! Here: what both use and other modules read too (the `SELECT` column lists, `load_where`, the
//! record and list rows) and [`now_utc`].

use std::collections::HashMap;

use fupin_core::record::FieldChange;
use fupin_core::{Fen, Household, IncomeYear, StatusYear};

use crate::rows::*;
use crate::sql::{Value, fetch_all};
use crate::{StorageError, Tx};

mod reads;
mod writer;

pub use writer::{RegistryWriter, RunCounts, WriteContext, YearsUpdate};

pub(crate) const HOUSEHOLD_SELECT: &str = "SELECT id, number, village_code, grp, address, phone, bank_name, \
    bank_account, standard, attribute, main_cause, other_causes, status, registered_year, exit_year, \
    monitoring, lon, lat, arable_land_mu, irrigated_land_mu, forest_land_mu, housing_area_m2, \
    house_structure, house_built_year, house_grade, relocated, electricity, water_source, \
    water_difficult, water_safe, cooking_fuel, road_distance_km, income_year, member_count, \
    created_at, updated_at FROM households";
pub(crate) const MEMBER_SELECT: &str = "SELECT household_id, seq, name, id_number, sex, birth_date, relation, \
    ethnicity, education, schooling, health, labour, migrant_work, migrant_months, medical_insurance, \
    pension_insurance, dibao, critical_illness_insurance FROM members";
pub(crate) const INCOME_SELECT: &str = "SELECT household_id, year, wage, business, property, transfer, \
    production_expenditure, household_size, per_capita, formula FROM household_incomes";

/// A stored household with its surrogate id.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub household: Household,
}

/// Everything the household page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdRecord {
    pub id: i64,
    pub household: Household,
    pub incomes: Vec<IncomeLine>,
    pub status_years: Vec<StatusYear>,
    pub changes: Vec<ChangeEntry>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write; an edit must name the version it was made on.
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct IncomeLine {
    pub income: IncomeYear,
    pub net: Fen,
    pub per_capita: Option<Fen>,
}

/// One entry of a household's change history.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct ChangeEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub diff: String,
    pub reason: String,
}

impl ChangeEntry {
    pub fn changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.diff).unwrap_or_default()
    }
}

/// A line of a household list.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct HouseholdListItem {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub head_name: Option<String>,
    pub member_count: i32,
    pub status: String,
    pub attribute: String,
    pub main_cause: String,
}

/// The columns of a household list row (household table joined with its head's name).
pub(crate) const LIST_SELECT: &str = "SELECT h.id, h.number, h.village_code, \
    (SELECT m.name FROM members m WHERE m.household_id = h.id AND m.relation = 'head' LIMIT 1) AS head_name, \
    h.member_count, h.status, h.attribute, h.main_cause FROM households h";

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Count {
    pub(crate) n: i64,
}

/// Loads households with members and the income of their sheet year, by a `WHERE` on
/// `households` (`$1…` bound to `args`), in id order.
pub(crate) async fn load_where(
    tx: &mut Tx,
    filter: &str,
    args: &[Value],
) -> Result<Vec<Stored>, StorageError> {
    let rows: Vec<HouseholdRow> = fetch_all(
        tx,
        &format!("{HOUSEHOLD_SELECT} WHERE {filter} ORDER BY id"),
        args,
    )
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = rows.iter().map(|r| Value::I64(r.id)).collect();
    let id_list = placeholders(ids.len());
    let members: Vec<MemberRow> = fetch_all(
        tx,
        &format!("{MEMBER_SELECT} WHERE household_id IN ({id_list}) ORDER BY household_id, seq"),
        &ids,
    )
    .await?;
    let incomes: Vec<IncomeRow> = fetch_all(
        tx,
        &format!(
            "{INCOME_SELECT} i WHERE household_id IN ({id_list}) AND year = \
             (SELECT income_year FROM households h WHERE h.id = i.household_id)"
        ),
        &ids,
    )
    .await?;
    let mut by_id: HashMap<i64, Stored> = HashMap::with_capacity(rows.len());
    let order: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for r in rows {
        let id = r.id;
        by_id.insert(
            id,
            Stored {
                id,
                household: r.into_household()?,
            },
        );
    }
    for m in members {
        if let Some(s) = by_id.get_mut(&m.household_id) {
            s.household.members.push(m.into_member()?);
        }
    }
    for i in incomes {
        if let Some(s) = by_id.get_mut(&i.household_id) {
            s.household.income = Some(i.into_income());
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect())
}

/// Current time as an ISO 8601 UTC string (stored as text on both backends).
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
