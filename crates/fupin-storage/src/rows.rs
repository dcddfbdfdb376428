//! Table rows ↔ domain records. Codes are stored as their stable code strings, money as fen.

use chrono::NaiveDate;
use fupin_core::codes::*;
use fupin_core::income::IncomeFormula;
use fupin_core::{
    AreaCode, Conditions, Fen, GeoPoint, Household, IdNumber, IncomeYear, Member, StatusYear,
};

use crate::StorageError;
use crate::cells::Cells;
use crate::sql::Value;

pub const HOUSEHOLD_COLUMNS: &[&str] = &[
    "id",
    "number",
    "village_code",
    "grp",
    "address",
    "phone",
    "bank_name",
    "bank_account",
    "standard",
    "attribute",
    "main_cause",
    "other_causes",
    "status",
    "registered_year",
    "exit_year",
    "monitoring",
    "lon",
    "lat",
    "arable_land_mu",
    "irrigated_land_mu",
    "forest_land_mu",
    "housing_area_m2",
    "house_structure",
    "house_built_year",
    "house_grade",
    "relocated",
    "electricity",
    "water_source",
    "water_difficult",
    "water_safe",
    "cooking_fuel",
    "road_distance_km",
    "income_year",
    "member_count",
    "created_at",
    "updated_at",
];

pub const MEMBER_COLUMNS: &[&str] = &[
    "household_id",
    "seq",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "migrant_work",
    "migrant_months",
    "medical_insurance",
    "pension_insurance",
    "dibao",
    "critical_illness_insurance",
];

pub const INCOME_COLUMNS: &[&str] = &[
    "household_id",
    "year",
    "wage",
    "business",
    "property",
    "transfer",
    "production_expenditure",
    "household_size",
    "per_capita",
    "formula",
];

pub const STATUS_COLUMNS: &[&str] = &["household_id", "year", "status", "reason"];

#[derive(sqlx::FromRow, serde::Deserialize, Debug)]
pub struct HouseholdRow {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub grp: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub standard: String,
    pub attribute: String,
    pub main_cause: String,
    pub other_causes: String,
    pub status: String,
    pub registered_year: i32,
    pub exit_year: Option<i32>,
    pub monitoring: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub arable_land_mu: f64,
    pub irrigated_land_mu: f64,
    pub forest_land_mu: f64,
    pub housing_area_m2: f64,
    pub house_structure: Option<String>,
    pub house_built_year: Option<i32>,
    pub house_grade: Option<String>,
    pub relocated: bool,
    pub electricity: bool,
    pub water_source: Option<String>,
    pub water_difficult: bool,
    pub water_safe: bool,
    pub cooking_fuel: Option<String>,
    pub road_distance_km: f64,
}

#[derive(sqlx::FromRow, serde::Deserialize, Debug)]
pub struct MemberRow {
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub schooling: String,
    pub health: String,
    pub labour: String,
    pub migrant_work: String,
    pub migrant_months: i32,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub dibao: bool,
    pub critical_illness_insurance: bool,
}

#[derive(sqlx::FromRow, serde::Deserialize, Debug)]
pub struct IncomeRow {
    pub household_id: i64,
    pub year: i32,
    pub wage: i64,
    pub business: i64,
    pub property: i64,
    pub transfer: i64,
    pub production_expenditure: i64,
    pub household_size: i32,
    pub per_capita: Option<i64>,
}

#[derive(sqlx::FromRow, serde::Deserialize, Debug)]
pub struct StatusRow {
    pub household_id: i64,
    pub year: i32,
    pub status: String,
    pub reason: String,
}

/// A stored code: exactly as `CodeList::code` wrote it (no trimming, no Chinese or English
/// names, which only people type; a whole-area scan reads tens of millions of codes).
pub(crate) fn code<T: CodeList>(s: &str) -> Result<T, StorageError> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.code() == s)
        .ok_or_else(|| StorageError::Corrupt(format!("{} code {s:?}", T::LIST_ZH)))
}

fn text_of<T: CodeList>(v: Option<T>) -> Value {
    Value::OptText(v.map(|c| c.code().to_string()))
}

/// A household's stored cells, borrowed (see [`MemberCells`]).
pub(crate) struct HouseholdCells<'a> {
    pub number: &'a str,
    pub village_code: &'a str,
    pub grp: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub bank_name: &'a str,
    pub bank_account: &'a str,
    pub standard: &'a str,
    pub attribute: &'a str,
    pub main_cause: &'a str,
    pub other_causes: &'a str,
    pub status: &'a str,
    pub registered_year: i32,
    pub exit_year: Option<i32>,
    pub monitoring: Option<&'a str>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub arable_land_mu: f64,
    pub irrigated_land_mu: f64,
    pub forest_land_mu: f64,
    pub housing_area_m2: f64,
    pub house_structure: Option<&'a str>,
    pub house_built_year: Option<i32>,
    pub house_grade: Option<&'a str>,
    pub relocated: bool,
    pub electricity: bool,
    pub water_source: Option<&'a str>,
    pub water_difficult: bool,
    pub water_safe: bool,
    pub cooking_fuel: Option<&'a str>,
    pub road_distance_km: f64,
}

fn opt_code<T: CodeList>(s: Option<&str>) -> Result<Option<T>, StorageError> {
    s.map(code).transpose()
}

impl<'a> HouseholdCells<'a> {
    /// The cells of a `HOUSEHOLD_SELECT` row (column 0, the id, is the caller's).
    pub(crate) fn at(c: &'a dyn Cells) -> Result<Self, StorageError> {
        Ok(Self {
            number: c.text(1)?,
            village_code: c.text(2)?,
            grp: c.text(3)?,
            address: c.text(4)?,
            phone: c.text(5)?,
            bank_name: c.text(6)?,
            bank_account: c.text(7)?,
            standard: c.text(8)?,
            attribute: c.text(9)?,
            main_cause: c.text(10)?,
            other_causes: c.text(11)?,
            status: c.text(12)?,
            registered_year: c.small(13)?,
            exit_year: c.opt_small(14)?,
            monitoring: c.opt_text(15)?,
            lon: c.opt_real(16)?,
            lat: c.opt_real(17)?,
            arable_land_mu: c.real(18)?,
            irrigated_land_mu: c.real(19)?,
            forest_land_mu: c.real(20)?,
            housing_area_m2: c.real(21)?,
            house_structure: c.opt_text(22)?,
            house_built_year: c.opt_small(23)?,
            house_grade: c.opt_text(24)?,
            relocated: c.flag(25)?,
            electricity: c.flag(26)?,
            water_source: c.opt_text(27)?,
            water_difficult: c.flag(28)?,
            water_safe: c.flag(29)?,
            cooking_fuel: c.opt_text(30)?,
            road_distance_km: c.real(31)?,
        })
    }

    pub(crate) fn household(&self) -> Result<Household, StorageError> {
        let other_causes = self
            .other_causes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(code)
            .collect::<Result<_, _>>()?;
        Ok(Household {
            village_code: AreaCode::parse(self.village_code)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            number: self.number.to_string(),
            group: self.grp.to_string(),
            address: self.address.to_string(),
            phone: self.phone.to_string(),
            bank_name: self.bank_name.to_string(),
            bank_account: self.bank_account.to_string(),
            standard: code(self.standard)?,
            attribute: code(self.attribute)?,
            main_cause: code(self.main_cause)?,
            other_causes,
            status: code(self.status)?,
            registered_year: self.registered_year,
            exit_year: self.exit_year,
            monitoring: opt_code(self.monitoring)?,
            location: self
                .lon
                .zip(self.lat)
                .map(|(lon, lat)| GeoPoint { lon, lat }),
            conditions: Conditions {
                arable_land_mu: self.arable_land_mu,
                irrigated_land_mu: self.irrigated_land_mu,
                forest_land_mu: self.forest_land_mu,
                housing_area_m2: self.housing_area_m2,
                house_structure: opt_code(self.house_structure)?,
                house_built_year: self.house_built_year,
                house_grade: opt_code(self.house_grade)?,
                relocated: self.relocated,
                electricity: self.electricity,
                water_source: opt_code(self.water_source)?,
                water_difficult: self.water_difficult,
                water_safe: self.water_safe,
                cooking_fuel: opt_code(self.cooking_fuel)?,
                road_distance_km: self.road_distance_km,
            },
            income: None,
            members: Vec::new(),
        })
    }
}

impl HouseholdRow {
    pub fn into_household(self) -> Result<Household, StorageError> {
        HouseholdCells {
            number: &self.number,
            village_code: &self.village_code,
            grp: &self.grp,
            address: &self.address,
            phone: &self.phone,
            bank_name: &self.bank_name,
            bank_account: &self.bank_account,
            standard: &self.standard,
            attribute: &self.attribute,
            main_cause: &self.main_cause,
            other_causes: &self.other_causes,
            status: &self.status,
            registered_year: self.registered_year,
            exit_year: self.exit_year,
            monitoring: self.monitoring.as_deref(),
            lon: self.lon,
            lat: self.lat,
            arable_land_mu: self.arable_land_mu,
            irrigated_land_mu: self.irrigated_land_mu,
            forest_land_mu: self.forest_land_mu,
            housing_area_m2: self.housing_area_m2,
            house_structure: self.house_structure.as_deref(),
            house_built_year: self.house_built_year,
            house_grade: self.house_grade.as_deref(),
            relocated: self.relocated,
            electricity: self.electricity,
            water_source: self.water_source.as_deref(),
            water_difficult: self.water_difficult,
            water_safe: self.water_safe,
            cooking_fuel: self.cooking_fuel.as_deref(),
            road_distance_km: self.road_distance_km,
        }
        .household()
    }
}

/// Column values of a household row (order of [`HOUSEHOLD_COLUMNS`]).
pub fn household_values(id: i64, h: &Household, now: &str) -> Vec<Value> {
    let c = &h.conditions;
    let causes: Vec<&str> = h.other_causes.iter().map(|c| c.code()).collect();
    vec![
        Value::I64(id),
        Value::Text(h.number.clone()),
        Value::Text(h.village_code.to_string()),
        Value::Text(h.group.clone()),
        Value::Text(h.address.clone()),
        Value::Text(h.phone.clone()),
        Value::Text(h.bank_name.clone()),
        Value::Text(h.bank_account.clone()),
        Value::Text(h.standard.code().into()),
        Value::Text(h.attribute.code().into()),
        Value::Text(h.main_cause.code().into()),
        Value::Text(causes.join(",")),
        Value::Text(h.status.code().into()),
        Value::I32(h.registered_year),
        Value::OptI32(h.exit_year),
        text_of(h.monitoring),
        Value::OptF64(h.location.map(|p| p.lon)),
        Value::OptF64(h.location.map(|p| p.lat)),
        Value::F64(c.arable_land_mu),
        Value::F64(c.irrigated_land_mu),
        Value::F64(c.forest_land_mu),
        Value::F64(c.housing_area_m2),
        text_of(c.house_structure),
        Value::OptI32(c.house_built_year),
        text_of(c.house_grade),
        Value::Bool(c.relocated),
        Value::Bool(c.electricity),
        text_of(c.water_source),
        Value::Bool(c.water_difficult),
        Value::Bool(c.water_safe),
        text_of(c.cooking_fuel),
        Value::F64(c.road_distance_km),
        Value::OptI32(h.income.as_ref().map(|i| i.year)),
        Value::I32(h.members.len() as i32),
        Value::Text(now.to_string()),
        Value::Text(now.to_string()),
    ]
}

/// A member's stored cells, borrowed (from a row read by sqlx, or straight from SQLite's row
/// buffer or a `COPY` line while a whole-area scan reads millions of them).
pub(crate) struct MemberCells<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub sex: &'a str,
    pub birth_date: &'a str,
    pub relation: &'a str,
    pub ethnicity: &'a str,
    pub education: &'a str,
    pub schooling: &'a str,
    pub health: &'a str,
    pub labour: &'a str,
    pub migrant_work: &'a str,
    pub migrant_months: i32,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub dibao: bool,
    pub critical_illness_insurance: bool,
}

impl<'a> MemberCells<'a> {
    /// The cells of a `MEMBER_SELECT` row (columns 0 and 1, household id and seq, are the
    /// caller's).
    pub(crate) fn at(c: &'a dyn Cells) -> Result<Self, StorageError> {
        Ok(Self {
            name: c.text(2)?,
            id_number: c.text(3)?,
            sex: c.text(4)?,
            birth_date: c.text(5)?,
            relation: c.text(6)?,
            ethnicity: c.text(7)?,
            education: c.text(8)?,
            schooling: c.text(9)?,
            health: c.text(10)?,
            labour: c.text(11)?,
            migrant_work: c.text(12)?,
            migrant_months: c.small(13)?,
            medical_insurance: c.flag(14)?,
            pension_insurance: c.flag(15)?,
            dibao: c.flag(16)?,
            critical_illness_insurance: c.flag(17)?,
        })
    }

    pub(crate) fn member(&self) -> Result<Member, StorageError> {
        // stored numbers were validated on the way in; re-parse with a far-future "today"
        let far = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");
        Ok(Member {
            id_number: IdNumber::parse(self.id_number, far)
                .map_err(|e| StorageError::Corrupt(format!("{}: {e}", self.id_number)))?,
            birth_date: fupin_core::date::parse_date(self.birth_date)
                .ok_or_else(|| StorageError::Corrupt(format!("birth date {}", self.birth_date)))?,
            name: self.name.to_string(),
            sex: code(self.sex)?,
            relation: code(self.relation)?,
            ethnicity: code(self.ethnicity)?,
            education: code(self.education)?,
            schooling: code(self.schooling)?,
            health: code(self.health)?,
            labour: code(self.labour)?,
            migrant: code(self.migrant_work)?,
            migrant_months: u8::try_from(self.migrant_months).unwrap_or(0),
            medical_insurance: self.medical_insurance,
            pension_insurance: self.pension_insurance,
            dibao: self.dibao,
            critical_illness_insurance: self.critical_illness_insurance,
        })
    }
}

impl MemberRow {
    pub fn into_member(self) -> Result<Member, StorageError> {
        MemberCells {
            name: &self.name,
            id_number: &self.id_number,
            sex: &self.sex,
            birth_date: &self.birth_date,
            relation: &self.relation,
            ethnicity: &self.ethnicity,
            education: &self.education,
            schooling: &self.schooling,
            health: &self.health,
            labour: &self.labour,
            migrant_work: &self.migrant_work,
            migrant_months: self.migrant_months,
            medical_insurance: self.medical_insurance,
            pension_insurance: self.pension_insurance,
            dibao: self.dibao,
            critical_illness_insurance: self.critical_illness_insurance,
        }
        .member()
    }
}

/// Column values of a member row (order of [`MEMBER_COLUMNS`]).
pub fn member_values(household_id: i64, seq: usize, m: &Member) -> Vec<Value> {
    vec![
        Value::I64(household_id),
        Value::I32(seq as i32),
        Value::Text(m.name.clone()),
        Value::Text(m.id_number.to_string()),
        Value::Text(m.sex.code().into()),
        Value::Text(fupin_core::date::iso(m.birth_date)),
        Value::Text(m.relation.code().into()),
        Value::Text(m.ethnicity.code().into()),
        Value::Text(m.education.code().into()),
        Value::Text(m.schooling.code().into()),
        Value::Text(m.health.code().into()),
        Value::Text(m.labour.code().into()),
        Value::Text(m.migrant.code().into()),
        Value::I32(i32::from(m.migrant_months)),
        Value::Bool(m.medical_insurance),
        Value::Bool(m.pension_insurance),
        Value::Bool(m.dibao),
        Value::Bool(m.critical_illness_insurance),
    ]
}

impl IncomeRow {
    /// From the cells of an `INCOME_SELECT` row.
    pub(crate) fn at(c: &dyn Cells) -> Result<Self, StorageError> {
        Ok(Self {
            household_id: c.int(0)?,
            year: c.small(1)?,
            wage: c.int(2)?,
            business: c.int(3)?,
            property: c.int(4)?,
            transfer: c.int(5)?,
            production_expenditure: c.int(6)?,
            household_size: c.small(7)?,
            per_capita: c.opt_int(8)?,
        })
    }

    pub fn into_income(self) -> IncomeYear {
        IncomeYear {
            year: self.year,
            wage: Fen(self.wage),
            business: Fen(self.business),
            property: Fen(self.property),
            transfer: Fen(self.transfer),
            production_expenditure: Fen(self.production_expenditure),
            household_size: u32::try_from(self.household_size).unwrap_or(0),
        }
    }
}

/// Column values of an income row (order of [`INCOME_COLUMNS`]); per-capita computed here.
pub fn income_values(household_id: i64, i: &IncomeYear) -> Vec<Value> {
    let formula = IncomeFormula::CURRENT;
    vec![
        Value::I64(household_id),
        Value::I32(i.year),
        Value::I64(i.wage.0),
        Value::I64(i.business.0),
        Value::I64(i.property.0),
        Value::I64(i.transfer.0),
        Value::I64(i.production_expenditure.0),
        Value::I32(i.household_size as i32),
        Value::OptI64(i.per_capita(formula).map(|f| f.0)),
        Value::Text(formula.code().into()),
    ]
}

impl StatusRow {
    pub fn into_status(self) -> Result<StatusYear, StorageError> {
        Ok(StatusYear {
            year: self.year,
            status: code(&self.status)?,
            reason: self.reason,
        })
    }
}

pub fn status_values(household_id: i64, s: &StatusYear) -> Vec<Value> {
    vec![
        Value::I64(household_id),
        Value::I32(s.year),
        Value::Text(s.status.code().into()),
        Value::Text(s.reason.clone()),
    ]
}

/// Placeholders `$1,…,$n` for an `IN (…)` list.
pub fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}
