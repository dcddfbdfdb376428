//! The registry record: a household (户), its members (家庭成员), its production and living
//! conditions, its yearly income and its status over the years.

use chrono::NaiveDate;

use crate::area::AreaCode;
use crate::codes::*;
use crate::id_number::IdNumber;
use crate::income::IncomeYear;

/// A registered household as one row set of the county spreadsheet describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Household {
    /// 户编号: the registry's stable key for the household.
    pub number: String,
    /// 12-digit code of the village (行政村).
    pub village_code: AreaCode,
    /// 村民小组 (no national code; text).
    pub group: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub standard: IdentificationStandard,
    pub attribute: PovertyAttribute,
    pub main_cause: Cause,
    /// At most two, never the main cause.
    pub other_causes: Vec<Cause>,
    pub status: HouseholdStatus,
    /// 纳入年度: year the household was identified (2014 for the first registry).
    pub registered_year: i32,
    /// 脱贫年度
    pub exit_year: Option<i32>,
    pub monitoring: Option<MonitoringCategory>,
    pub location: Option<GeoPoint>,
    pub conditions: Conditions,
    /// The income year carried on the household sheet (the latest collected).
    pub income: Option<IncomeYear>,
    pub members: Vec<Member>,
}

/// Position in degrees (CGCS2000 ≈ WGS84).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeoPoint {
    pub lon: f64,
    pub lat: f64,
}

/// 生产生活条件.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Conditions {
    /// 耕地面积, mu
    pub arable_land_mu: f64,
    /// 有效灌溉面积, mu
    pub irrigated_land_mu: f64,
    /// 林地面积, mu
    pub forest_land_mu: f64,
    /// 住房面积, m² (0 = no house)
    pub housing_area_m2: f64,
    pub house_structure: Option<HouseStructure>,
    pub house_built_year: Option<i32>,
    pub house_grade: Option<HouseGrade>,
    /// 易地扶贫搬迁
    pub relocated: bool,
    /// 通生活用电
    pub electricity: bool,
    pub water_source: Option<WaterSource>,
    /// 饮水是否困难
    pub water_difficult: bool,
    /// 饮水是否安全
    pub water_safe: bool,
    pub cooking_fuel: Option<Fuel>,
    /// 与村主干路距离, km
    pub road_distance_km: f64,
}

/// 家庭成员.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub name: String,
    pub id_number: IdNumber,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub ethnicity: Ethnicity,
    pub education: Education,
    pub schooling: Schooling,
    pub health: Health,
    pub labour: Labour,
    pub migrant: MigrantWork,
    /// 务工时间, months in the year
    pub migrant_months: u8,
    /// 参加城乡居民基本医疗保险
    pub medical_insurance: bool,
    /// 参加城乡居民基本养老保险
    pub pension_insurance: bool,
    /// 低保人口
    pub dibao: bool,
    /// 参加大病保险
    pub critical_illness_insurance: bool,
}

impl Member {
    /// Age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        age_on(self.birth_date, day)
    }
}

pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    day.years_since(birth).unwrap_or(0)
}

/// A household's status at the end of one year, with the reason it changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusYear {
    pub year: i32,
    pub status: HouseholdStatus,
    pub reason: String,
}

impl Household {
    pub fn head(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.relation == Relation::Head)
    }

    /// The household's size for income purposes: the members on the sheet.
    pub fn size(&self) -> u32 {
        self.members.len() as u32
    }
}
