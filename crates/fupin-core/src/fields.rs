//! The registry's field dictionary: every field a household sheet carries, with the Chinese
//! column header the county spreadsheets use and an English key. Import, export, validation
//! reports and pages all name fields through this one list.

use std::fmt;

use crate::codes::CodeList;

code_list! {
    /// A field of the household sheet (one row per member, household columns repeated).
    Field, "字段" {
        // household
        HouseholdNo = ("household_no", "户编号", "household number"),
        VillageCode = ("village_code", "村级区划代码", "village code"),
        County = ("county", "县", "county"),
        Township = ("township", "乡镇", "township"),
        Village = ("village", "行政村", "village"),
        Group = ("group", "村民小组", "villager group"),
        Address = ("address", "家庭住址", "address"),
        Phone = ("phone", "联系电话", "telephone"),
        BankName = ("bank_name", "开户银行", "bank"),
        BankAccount = ("bank_account", "银行账号", "bank account"),
        Standard = ("standard", "识别标准", "identification standard"),
        Attribute = ("attribute", "贫困户属性", "poverty attribute"),
        MainCause = ("main_cause", "主要致贫原因", "main cause of poverty"),
        OtherCauses = ("other_causes", "其他致贫原因", "other causes of poverty"),
        Status = ("status", "户状态", "household status"),
        RegisteredYear = ("registered_year", "纳入年度", "year registered"),
        ExitYear = ("exit_year", "脱贫年度", "year exited"),
        Monitoring = ("monitoring", "监测对象类型", "monitoring category"),
        Longitude = ("longitude", "经度", "longitude"),
        Latitude = ("latitude", "纬度", "latitude"),
        ArableLand = ("arable_land_mu", "耕地面积(亩)", "arable land (mu)"),
        IrrigatedLand = ("irrigated_land_mu", "有效灌溉面积(亩)", "irrigated land (mu)"),
        ForestLand = ("forest_land_mu", "林地面积(亩)", "forest land (mu)"),
        HousingArea = ("housing_area_m2", "住房面积(平方米)", "housing area (m²)"),
        HouseStructure = ("house_structure", "房屋主要结构", "house structure"),
        HouseBuiltYear = ("house_built_year", "建房年份", "year house built"),
        HouseGrade = ("house_grade", "危房等级", "dangerous-house grade"),
        Relocated = ("relocated", "是否易地扶贫搬迁", "relocated"),
        Electricity = ("electricity", "是否通生活用电", "household electricity"),
        WaterSource = ("water_source", "饮水情况", "drinking-water source"),
        WaterDifficult = ("water_difficult", "饮水是否困难", "drinking water difficult"),
        WaterSafe = ("water_safe", "饮水是否安全", "drinking water safe"),
        CookingFuel = ("cooking_fuel", "主要燃料类型", "cooking fuel"),
        RoadDistance = ("road_distance_km", "与村主干路距离(公里)", "distance to village road (km)"),
        IncomeYear = ("income_year", "收入年度", "income year"),
        Wage = ("wage", "工资性收入(元)", "wage income (yuan)"),
        Business = ("business", "生产经营性收入(元)", "production and business income (yuan)"),
        Property = ("property", "财产性收入(元)", "property income (yuan)"),
        Transfer = ("transfer", "转移性收入(元)", "transfer income (yuan)"),
        ProductionExpenditure = ("production_expenditure", "生产经营性支出(元)", "production expenditure (yuan)"),
        PerCapitaIncome = ("per_capita_income", "人均纯收入(元)", "per-capita net income (yuan)"),
        // member
        MemberName = ("name", "姓名", "name"),
        IdNumber = ("id_number", "证件号码", "ID number"),
        Sex = ("sex", "性别", "sex"),
        BirthDate = ("birth_date", "出生日期", "birth date"),
        Relation = ("relation", "与户主关系", "relation to head"),
        Ethnicity = ("ethnicity", "民族", "ethnicity"),
        Education = ("education", "文化程度", "education"),
        Schooling = ("schooling", "在校生状况", "schooling status"),
        Health = ("health", "健康状况", "health"),
        Labour = ("labour", "劳动技能", "labour ability"),
        MigrantWork = ("migrant_work", "务工状况", "migrant work"),
        MigrantMonths = ("migrant_months", "务工时间(月)", "months of migrant work"),
        MedicalInsurance = ("medical_insurance", "是否参加城乡居民基本医疗保险", "resident medical insurance"),
        PensionInsurance = ("pension_insurance", "是否参加城乡居民基本养老保险", "resident pension insurance"),
        Dibao = ("dibao", "是否享受低保", "subsistence allowance (dibao)"),
        CriticalIllnessInsurance = ("critical_illness_insurance", "是否参加大病保险", "critical-illness insurance"),
        // history sheet (one row per household and year)
        Year = ("year", "年度", "year"),
        HouseholdSize = ("household_size", "家庭人口", "household size"),
        StatusReason = ("status_reason", "变动原因", "reason for change"),
    }
}

impl Field {
    /// The header without a unit suffix: "耕地面积" for "耕地面积(亩)".
    pub fn zh_bare(self) -> &'static str {
        let zh = self.zh();
        zh.split_once('(').map_or(zh, |(bare, _)| bare)
    }
}

/// How long a cell of each field may be, in characters (not bytes). The forms of `domain.md`
/// give no lengths except the ID number (18, or 20 for a disability certificate) and the
/// household number (32 here), so the rest are generous bounds on what the forms hold:
///
/// | fields | characters |
/// |---|---|
/// | 户编号 | 32 |
/// | 证件号码 | 30 (18 or 20, with room for the ID parser to say what is wrong) |
/// | 姓名, 村民小组, 开户银行, 县, 乡镇, 行政村 | 50 |
/// | 家庭住址, 变动原因 | 200 |
/// | 其他致贫原因 (up to two causes) | 100 |
/// | 联系电话 | 30 |
/// | 银行账号 | 40 |
/// | code lists, years, numbers, money, dates, 是/否 | 60 (every code, label and English label fits) |
///
/// The import checks every cell against these before reading it (`fupin-services/src/parse.rs`),
/// so console edits, which go through the same parser, are held to them too; validation checks
/// a household's own text fields once more ([`crate::validation::validate_household`]).
/// Department lists have their own ([`crate::departments::RecordField::max_chars`]).
impl Field {
    pub fn max_chars(self) -> usize {
        match self {
            Field::HouseholdNo => 32,
            Field::IdNumber | Field::Phone => 30,
            Field::MemberName
            | Field::Group
            | Field::BankName
            | Field::County
            | Field::Township
            | Field::Village => 50,
            Field::Address | Field::StatusReason => 200,
            Field::OtherCauses => 100,
            Field::BankAccount => 40,
            _ => 60,
        }
    }

    /// Whether a cell of this field may hold line breaks. Only free text that people write
    /// over several lines does; anywhere else a line break is a mistake, most often a stray
    /// quote in a CSV file that ran a cell over the following rows.
    pub fn may_break_lines(self) -> bool {
        matches!(self, Field::StatusReason)
    }
}

/// Characters of a value shown in a report before it is cut.
pub const SHOWN_CHARS: usize = 100;

/// A value as reports show it (error CSVs, terminal lines, refusal messages on pages): whole up
/// to [`SHOWN_CHARS`] characters, otherwise its first ones and how long it was, so a 10 MB cell
/// is not written out again.
pub fn excerpt(value: &str) -> std::borrow::Cow<'_, str> {
    // bytes bound characters from above: most values need no counting
    if value.len() <= SHOWN_CHARS {
        return value.into();
    }
    let total = value.chars().count();
    if total <= SHOWN_CHARS {
        return value.into();
    }
    let head: String = value.chars().take(SHOWN_CHARS).collect();
    format!("{head}…（共{total}字符 / {total} chars）").into()
}

/// The number of characters of `value` when it is over `max` (`None` when it fits).
pub fn over_limit(value: &str, max: usize) -> Option<usize> {
    if value.len() <= max {
        return None;
    }
    let n = value.chars().count();
    (n > max).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::*;

    #[test]
    fn every_code_and_label_fits_its_field() {
        fn longest<T: CodeList>() -> usize {
            T::ALL
                .iter()
                .flat_map(|v| [v.code(), v.zh(), v.en()])
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        }
        let lists = [
            (Field::Standard, longest::<IdentificationStandard>()),
            (Field::Attribute, longest::<PovertyAttribute>()),
            (Field::MainCause, longest::<Cause>()),
            (Field::Status, longest::<HouseholdStatus>()),
            (Field::Monitoring, longest::<MonitoringCategory>()),
            (Field::HouseStructure, longest::<HouseStructure>()),
            (Field::HouseGrade, longest::<HouseGrade>()),
            (Field::WaterSource, longest::<WaterSource>()),
            (Field::CookingFuel, longest::<Fuel>()),
            (Field::Sex, longest::<Sex>()),
            (Field::Relation, longest::<Relation>()),
            (Field::Ethnicity, longest::<Ethnicity>()),
            (Field::Education, longest::<Education>()),
            (Field::Schooling, longest::<Schooling>()),
            (Field::Health, longest::<Health>()),
            (Field::Labour, longest::<Labour>()),
            (Field::MigrantWork, longest::<MigrantWork>()),
        ];
        for (field, n) in lists {
            assert!(n <= field.max_chars(), "{field:?}: {n}");
        }
        // two causes with a separator
        assert!(2 * longest::<Cause>() < Field::OtherCauses.max_chars());
    }

    #[test]
    fn long_values_are_cut_for_reports() {
        assert_eq!(excerpt("王芳"), "王芳");
        let long = "王".repeat(10_000);
        let shown = excerpt(&long);
        assert!(shown.starts_with(&"王".repeat(SHOWN_CHARS)));
        assert!(shown.ends_with("…（共10000字符 / 10000 chars）"), "{shown}");
        assert_eq!(
            shown.chars().count(),
            SHOWN_CHARS + "…（共10000字符 / 10000 chars）".chars().count()
        );
        // 100 characters of three bytes each are not cut
        assert_eq!(excerpt(&"王".repeat(100)), "王".repeat(100));
        assert_eq!(over_limit(&"王".repeat(50), 50), None);
        assert_eq!(over_limit(&"王".repeat(51), 50), Some(51));
    }
}
