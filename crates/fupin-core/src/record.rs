//! A household as field → text pairs, the way the county spreadsheet writes it; and the
//! difference between two versions of a household (what the change log records as old → new).
//!
//! One rendering serves export (the sheet), change records and comparisons, so "unchanged" means
//! exactly "would export the same".

use crate::codes::{CodeList, yes_no_zh};
use crate::fields::Field;
use crate::household::{Household, Member};
use crate::income::IncomeFormula;

/// Household-level fields, in sheet order (area names are added by the sheet writer).
pub const HOUSEHOLD_FIELDS: &[Field] = &[
    Field::HouseholdNo,
    Field::VillageCode,
    Field::Group,
    Field::Address,
    Field::Phone,
    Field::BankName,
    Field::BankAccount,
    Field::Standard,
    Field::Attribute,
    Field::MainCause,
    Field::OtherCauses,
    Field::Status,
    Field::RegisteredYear,
    Field::ExitYear,
    Field::Monitoring,
    Field::Longitude,
    Field::Latitude,
    Field::ArableLand,
    Field::IrrigatedLand,
    Field::ForestLand,
    Field::HousingArea,
    Field::HouseStructure,
    Field::HouseBuiltYear,
    Field::HouseGrade,
    Field::Relocated,
    Field::Electricity,
    Field::WaterSource,
    Field::WaterDifficult,
    Field::WaterSafe,
    Field::CookingFuel,
    Field::RoadDistance,
    Field::IncomeYear,
    Field::Wage,
    Field::Business,
    Field::Property,
    Field::Transfer,
    Field::ProductionExpenditure,
    Field::PerCapitaIncome,
];

/// Member fields, in sheet order.
pub const MEMBER_FIELDS: &[Field] = &[
    Field::MemberName,
    Field::IdNumber,
    Field::Sex,
    Field::BirthDate,
    Field::Relation,
    Field::Ethnicity,
    Field::Education,
    Field::Schooling,
    Field::Health,
    Field::Labour,
    Field::MigrantWork,
    Field::MigrantMonths,
    Field::MedicalInsurance,
    Field::PensionInsurance,
    Field::Dibao,
    Field::CriticalIllnessInsurance,
];

/// Separator of multi-valued cells (其他致贫原因).
pub const LIST_SEPARATOR: &str = "、";

fn opt<T: CodeList>(v: Option<T>) -> String {
    v.map(|c| c.zh().to_string()).unwrap_or_default()
}

fn opt_num<T: ToString>(v: Option<T>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// The text of one household-level field.
pub fn household_value(h: &Household, field: Field) -> String {
    let c = &h.conditions;
    let inc = h.income.as_ref();
    let money = |f: fn(&crate::income::IncomeYear) -> crate::money::Fen| {
        inc.map(|i| f(i).yuan_string()).unwrap_or_default()
    };
    match field {
        Field::HouseholdNo => h.number.clone(),
        Field::VillageCode => h.village_code.to_string(),
        Field::Group => h.group.clone(),
        Field::Address => h.address.clone(),
        Field::Phone => h.phone.clone(),
        Field::BankName => h.bank_name.clone(),
        Field::BankAccount => h.bank_account.clone(),
        Field::Standard => h.standard.zh().into(),
        Field::Attribute => h.attribute.zh().into(),
        Field::MainCause => h.main_cause.zh().into(),
        Field::OtherCauses => h
            .other_causes
            .iter()
            .map(|c| c.zh())
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
        Field::Status => h.status.zh().into(),
        Field::RegisteredYear => h.registered_year.to_string(),
        Field::ExitYear => opt_num(h.exit_year),
        Field::Monitoring => opt(h.monitoring),
        Field::Longitude => opt_num(h.location.map(|p| p.lon)),
        Field::Latitude => opt_num(h.location.map(|p| p.lat)),
        Field::ArableLand => c.arable_land_mu.to_string(),
        Field::IrrigatedLand => c.irrigated_land_mu.to_string(),
        Field::ForestLand => c.forest_land_mu.to_string(),
        Field::HousingArea => c.housing_area_m2.to_string(),
        Field::HouseStructure => opt(c.house_structure),
        Field::HouseBuiltYear => opt_num(c.house_built_year),
        Field::HouseGrade => c
            .house_grade
            .map(|g| g.code().to_string())
            .unwrap_or_default(),
        Field::Relocated => yes_no_zh(c.relocated).into(),
        Field::Electricity => yes_no_zh(c.electricity).into(),
        Field::WaterSource => opt(c.water_source),
        Field::WaterDifficult => yes_no_zh(c.water_difficult).into(),
        Field::WaterSafe => yes_no_zh(c.water_safe).into(),
        Field::CookingFuel => opt(c.cooking_fuel),
        Field::RoadDistance => c.road_distance_km.to_string(),
        Field::IncomeYear => opt_num(inc.map(|i| i.year)),
        Field::Wage => money(|i| i.wage),
        Field::Business => money(|i| i.business),
        Field::Property => money(|i| i.property),
        Field::Transfer => money(|i| i.transfer),
        Field::ProductionExpenditure => money(|i| i.production_expenditure),
        Field::PerCapitaIncome => inc
            .and_then(|i| i.per_capita(IncomeFormula::CURRENT))
            .map(|f| f.yuan_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The text of one member field.
pub fn member_value(m: &Member, field: Field) -> String {
    match field {
        Field::MemberName => m.name.clone(),
        Field::IdNumber => m.id_number.to_string(),
        Field::Sex => m.sex.zh().into(),
        Field::BirthDate => crate::date::iso(m.birth_date),
        Field::Relation => m.relation.zh().into(),
        Field::Ethnicity => m.ethnicity.zh().into(),
        Field::Education => m.education.zh().into(),
        Field::Schooling => m.schooling.zh().into(),
        Field::Health => m.health.zh().into(),
        Field::Labour => m.labour.zh().into(),
        Field::MigrantWork => m.migrant.zh().into(),
        Field::MigrantMonths => m.migrant_months.to_string(),
        Field::MedicalInsurance => yes_no_zh(m.medical_insurance).into(),
        Field::PensionInsurance => yes_no_zh(m.pension_insurance).into(),
        Field::Dibao => yes_no_zh(m.dibao).into(),
        Field::CriticalIllnessInsurance => yes_no_zh(m.critical_illness_insurance).into(),
        _ => String::new(),
    }
}

/// One changed value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    /// Field code; for a member, prefixed with the member's ID number: `member:<id>:<field>`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Every difference between two versions of a household, members matched by ID number.
pub fn diff_households(old: &Household, new: &Household) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for &f in HOUSEHOLD_FIELDS {
        if f == Field::PerCapitaIncome {
            continue; // derived from the income fields, which are compared themselves
        }
        let (a, b) = (household_value(old, f), household_value(new, f));
        if a != b {
            out.push(FieldChange {
                field: f.code().into(),
                old: Some(a),
                new: Some(b),
            });
        }
    }
    let key = |m: &Member, f: Field| format!("member:{}:{}", m.id_number, f.code());
    for (i, m) in new.members.iter().enumerate() {
        match old.members.iter().position(|o| o.id_number == m.id_number) {
            Some(j) => {
                if i != j {
                    out.push(FieldChange {
                        field: format!("member:{}:order", m.id_number),
                        old: Some((j + 1).to_string()),
                        new: Some((i + 1).to_string()),
                    });
                }
                for &f in MEMBER_FIELDS {
                    let (a, b) = (member_value(&old.members[j], f), member_value(m, f));
                    if a != b {
                        out.push(FieldChange {
                            field: key(m, f),
                            old: Some(a),
                            new: Some(b),
                        });
                    }
                }
            }
            None => out.push(FieldChange {
                field: format!("member:{}:added", m.id_number),
                old: None,
                new: Some(m.name.clone()),
            }),
        }
    }
    for o in &old.members {
        if !new.members.iter().any(|m| m.id_number == o.id_number) {
            out.push(FieldChange {
                field: format!("member:{}:removed", o.id_number),
                old: Some(o.name.clone()),
                new: None,
            });
        }
    }
    out
}
