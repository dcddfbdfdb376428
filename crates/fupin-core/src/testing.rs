//! Sample records for the core's unit tests.

use chrono::NaiveDate;

use crate::area::AreaCode;
use crate::codes::*;
use crate::household::{Conditions, GeoPoint, Household, Member};
use crate::id_number::IdNumber;
use crate::income::IncomeYear;
use crate::money::Fen;

/// A member of the sample household.
pub(crate) fn member(relation: Relation, birth: (i32, u32, u32), sex: Sex, seq: u16) -> Member {
    let birth = NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap();
    Member {
        name: "王芳".into(),
        id_number: IdNumber::compose("522726", birth, seq, sex),
        sex,
        birth_date: birth,
        relation,
        ethnicity: Ethnicity::Buyei,
        education: Education::Primary,
        schooling: Schooling::NotInSchool,
        health: Health::Healthy,
        labour: Labour::Ordinary,
        migrant: MigrantWork::None,
        migrant_months: 0,
        medical_insurance: true,
        pension_insurance: true,
        dibao: false,
        critical_illness_insurance: true,
    }
}

/// A valid household of two (a mother and her son at primary school) in 独山县, exited 2018.
pub(crate) fn sample_household() -> Household {
    let mut child = member(Relation::Son, (2010, 5, 1), Sex::Male, 3);
    child.schooling = Schooling::Primary;
    child.labour = Labour::None;
    Household {
        number: "5227261002010001".into(),
        village_code: AreaCode::parse("522726100201").unwrap(),
        group: "一组".into(),
        address: "".into(),
        phone: "13800000000".into(),
        bank_name: "".into(),
        bank_account: "".into(),
        standard: IdentificationStandard::National,
        attribute: PovertyAttribute::Ordinary,
        main_cause: Cause::Illness,
        other_causes: vec![Cause::LackSkills],
        status: HouseholdStatus::ExitedWithPolicy,
        registered_year: 2014,
        exit_year: Some(2018),
        monitoring: None,
        location: Some(GeoPoint {
            lon: 107.5,
            lat: 25.8,
        }),
        conditions: Conditions {
            housing_area_m2: 80.0,
            house_grade: Some(HouseGrade::B),
            electricity: true,
            water_safe: true,
            ..Conditions::default()
        },
        income: Some(IncomeYear {
            year: 2020,
            wage: Fen(1_000_000),
            business: Fen(200_000),
            property: Fen(0),
            transfer: Fen(100_000),
            production_expenditure: Fen(50_000),
            household_size: 2,
        }),
        members: vec![member(Relation::Head, (1970, 3, 4), Sex::Female, 1), child],
    }
}
