//! Turning sheet rows into registry records, with every problem tied to its row and column.

use chrono::NaiveDate;
use fupin_core::codes::*;
use fupin_core::date::parse_date;
use fupin_core::validation::{Problem, check_text, unknown_code, validate_household};
use fupin_core::{
    AreaCode, AreaLevel, CodeList, Conditions, Fen, Field, GeoPoint, Household, IdNumber,
    IncomeFormula, IncomeYear, Member, StatusYear,
};
use fupin_storage::AreaIndex;

use crate::columns::HeaderMap;
use crate::sheet::Row;

/// A problem at one cell of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct RowIssue {
    pub row: usize,
    pub field: Field,
    pub value: String,
    pub problem: Problem,
}

/// The rows of one household (consecutive rows with the same household number).
#[derive(Debug, Clone)]
pub struct RowGroup {
    pub number: String,
    pub rows: Vec<(usize, Row)>,
}

/// Reads the cells of one row, collecting problems instead of stopping at the first.
struct Cells<'a> {
    map: &'a HeaderMap,
    row_no: usize,
    row: &'a Row,
    issues: &'a mut Vec<RowIssue>,
}

impl Cells<'_> {
    fn text(&self, f: Field) -> &str {
        self.map.get(self.row, f)
    }

    fn fail(&mut self, f: Field, problem: Problem) {
        let value = self.text(f).to_string();
        self.issues.push(RowIssue {
            row: self.row_no,
            field: f,
            value,
            problem,
        });
    }

    fn string(&self, f: Field) -> String {
        self.text(f).to_string()
    }

    fn code<T: CodeList>(&mut self, f: Field) -> Option<T> {
        let t = self.text(f);
        if t.is_empty() {
            self.fail(f, Problem::Required);
            return None;
        }
        let v = T::parse(t);
        if v.is_none() {
            let p = unknown_code::<T>(t);
            self.fail(f, p);
        }
        v
    }

    fn code_or<T: CodeList>(&mut self, f: Field, default: T) -> T {
        if self.text(f).is_empty() {
            default
        } else {
            self.code(f).unwrap_or(default)
        }
    }

    fn opt_code<T: CodeList>(&mut self, f: Field) -> Option<T> {
        if self.text(f).is_empty() {
            None
        } else {
            self.code(f)
        }
    }

    fn format_error(&mut self, f: Field, expected: &'static str, expected_en: &'static str) {
        let value = self.string(f);
        self.fail(
            f,
            Problem::Format {
                value,
                expected,
                expected_en,
            },
        );
    }

    fn opt_year(&mut self, f: Field) -> Option<i32> {
        let t = self.text(f);
        if t.is_empty() {
            return None;
        }
        let y = t.trim_end_matches('年').parse::<i32>().ok();
        if y.is_none() {
            self.format_error(f, "年份", "a year");
        }
        y
    }

    fn year(&mut self, f: Field) -> Option<i32> {
        if self.text(f).is_empty() {
            self.fail(f, Problem::Required);
            return None;
        }
        self.opt_year(f)
    }

    fn decimal(&mut self, f: Field) -> f64 {
        let t = self.text(f);
        if t.is_empty() {
            return 0.0;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.format_error(f, "数值", "a number");
                0.0
            }
        }
    }

    fn opt_decimal(&mut self, f: Field) -> Option<f64> {
        if self.text(f).is_empty() {
            None
        } else {
            Some(self.decimal(f))
        }
    }

    fn count(&mut self, f: Field) -> u32 {
        let t = self.text(f);
        if t.is_empty() {
            return 0;
        }
        t.parse().unwrap_or_else(|_| {
            self.format_error(f, "整数", "a whole number");
            0
        })
    }

    fn yes_no(&mut self, f: Field) -> bool {
        parse_yes_no(self.text(f)).unwrap_or_else(|| {
            self.format_error(f, "是或否", "yes or no");
            false
        })
    }

    fn money(&mut self, f: Field) -> Fen {
        Fen::parse_yuan(self.text(f)).unwrap_or_else(|e| {
            self.fail(
                f,
                Problem::Explained(fupin_core::message::Explained::message(&e)),
            );
            Fen::ZERO
        })
    }

    fn date(&mut self, f: Field) -> Option<NaiveDate> {
        let t = self.text(f);
        if t.is_empty() {
            return None;
        }
        let d = parse_date(t);
        if d.is_none() {
            self.format_error(f, "日期(如1980-05-01)", "a date such as 1980-05-01");
        }
        d
    }
}

/// Every cell of a row the header maps to a field, against the field's length and line rules
/// (`Field::max_chars`, `Field::may_break_lines`): an oversized cell is reported before it is
/// read, and a cell holding a line break (a CSV's stray quote) is not taken for data.
pub fn cell_issues(map: &HeaderMap, row_no: usize, row: &Row, out: &mut Vec<RowIssue>) {
    let breaks = crate::sheet::has_line_break(row.as_slice());
    for &(field, column) in map.columns() {
        let raw = row.get(column).unwrap_or("");
        // bytes bound characters: most cells need no counting
        if raw.len() <= field.max_chars() && !breaks {
            continue;
        }
        let text = raw.trim();
        if let Some(problem) = check_text(field, text) {
            out.push(RowIssue {
                row: row_no,
                field,
                value: text.to_string(),
                problem,
            });
        }
    }
}

/// Household-level fields, which must agree across a household's rows (computed once).
static HOUSEHOLD_LEVEL: std::sync::LazyLock<Vec<Field>> =
    std::sync::LazyLock::new(crate::columns::household_level_fields);

/// Parses and validates one household. `Err` carries every problem found.
pub fn parse_household(
    group: &RowGroup,
    map: &HeaderMap,
    areas: &AreaIndex,
    today: NaiveDate,
) -> Result<Household, Vec<RowIssue>> {
    let mut issues = Vec::new();
    // a household with a cell over its limit or broken over lines is reported for that alone
    for (row_no, row) in &group.rows {
        cell_issues(map, *row_no, row, &mut issues);
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let (first_no, first) = (&group.rows[0].0, &group.rows[0].1);

    // household columns repeated on later rows must agree with the first (or be blank)
    for (row_no, row) in &group.rows[1..] {
        for &f in HOUSEHOLD_LEVEL.iter() {
            let (a, b) = (map.get(first, f), map.get(row, f));
            if !b.is_empty() && a != b {
                issues.push(RowIssue {
                    row: *row_no,
                    field: f,
                    value: b.to_string(),
                    problem: Problem::InconsistentWithinHousehold {
                        first: a.to_string(),
                    },
                });
            }
        }
    }

    let mut c = Cells {
        map,
        row_no: *first_no,
        row: first,
        issues: &mut issues,
    };
    let village_code = match AreaCode::parse(c.text(Field::VillageCode)) {
        Ok(code) => Some(code),
        Err(e) => {
            let p = if c.text(Field::VillageCode).is_empty() {
                Problem::Required
            } else {
                Problem::Explained(fupin_core::message::Explained::message(&e))
            };
            c.fail(Field::VillageCode, p);
            None
        }
    };
    if let Some(code) = &village_code {
        for (field, level) in [
            (Field::County, AreaLevel::County),
            (Field::Township, AreaLevel::Township),
            (Field::Village, AreaLevel::Village),
        ] {
            let given = c.text(field);
            if let Some(expected) = areas.name(&code.ancestor(level))
                && !given.is_empty()
                && given != expected
            {
                let p = Problem::AreaNameMismatch {
                    given: given.to_string(),
                    expected: expected.to_string(),
                };
                c.fail(field, p);
            }
        }
    }
    let other_causes = c
        .text(Field::OtherCauses)
        .split(['、', ',', '，', ';', '；', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), Cause::parse(s)))
        .collect::<Vec<_>>();
    let mut causes = Vec::new();
    for (text, cause) in other_causes {
        match cause {
            Some(cause) => causes.push(cause),
            None => c.fail(Field::OtherCauses, unknown_code::<Cause>(&text)),
        }
    }
    let location = match (
        c.opt_decimal(Field::Longitude),
        c.opt_decimal(Field::Latitude),
    ) {
        (Some(lon), Some(lat)) => Some(GeoPoint { lon, lat }),
        (None, None) => None,
        (None, Some(_)) => {
            c.fail(Field::Longitude, Problem::Required);
            None
        }
        (Some(_), None) => {
            c.fail(Field::Latitude, Problem::Required);
            None
        }
    };
    let conditions = Conditions {
        arable_land_mu: c.decimal(Field::ArableLand),
        irrigated_land_mu: c.decimal(Field::IrrigatedLand),
        forest_land_mu: c.decimal(Field::ForestLand),
        housing_area_m2: c.decimal(Field::HousingArea),
        house_structure: c.opt_code(Field::HouseStructure),
        house_built_year: c.opt_year(Field::HouseBuiltYear),
        house_grade: c.opt_code(Field::HouseGrade),
        relocated: c.yes_no(Field::Relocated),
        electricity: c.yes_no(Field::Electricity),
        water_source: c.opt_code(Field::WaterSource),
        water_difficult: c.yes_no(Field::WaterDifficult),
        water_safe: c.yes_no(Field::WaterSafe),
        cooking_fuel: c.opt_code(Field::CookingFuel),
        road_distance_km: c.decimal(Field::RoadDistance),
    };
    let income_year = c.opt_year(Field::IncomeYear);
    let income = income_year.map(|year| IncomeYear {
        year,
        wage: c.money(Field::Wage),
        business: c.money(Field::Business),
        property: c.money(Field::Property),
        transfer: c.money(Field::Transfer),
        production_expenditure: c.money(Field::ProductionExpenditure),
        household_size: group.rows.len() as u32,
    });
    if income.is_none()
        && [
            Field::Wage,
            Field::Business,
            Field::Property,
            Field::Transfer,
            Field::ProductionExpenditure,
        ]
        .iter()
        .any(|f| !c.text(*f).is_empty())
    {
        c.fail(Field::IncomeYear, Problem::Required);
    }
    let given = c.text(Field::PerCapitaIncome);
    if let Some(inc) = &income
        && !given.is_empty()
    {
        let computed = inc.per_capita(IncomeFormula::CURRENT).unwrap_or(Fen::ZERO);
        if Fen::parse_yuan(given).ok() != Some(computed) {
            let p = Problem::ComputedMismatch {
                computed: computed.yuan_string(),
            };
            c.fail(Field::PerCapitaIncome, p);
        }
    }
    let standard = c.code_or(Field::Standard, IdentificationStandard::National);
    let attribute = c.code(Field::Attribute);
    let main_cause = c.code(Field::MainCause);
    let status = c.code(Field::Status);
    let registered_year = c.year(Field::RegisteredYear);
    let exit_year = c.opt_year(Field::ExitYear);
    let monitoring = c.opt_code(Field::Monitoring);
    let (group_name, address, phone, bank_name, bank_account) = (
        c.string(Field::Group),
        c.string(Field::Address),
        c.string(Field::Phone),
        c.string(Field::BankName),
        c.string(Field::BankAccount),
    );

    let members: Vec<Option<Member>> = group
        .rows
        .iter()
        .map(|(row_no, row)| {
            parse_member(
                &mut Cells {
                    map,
                    row_no: *row_no,
                    row,
                    issues: &mut issues,
                },
                today,
            )
        })
        .collect();

    let (
        Some(village_code),
        Some(attribute),
        Some(main_cause),
        Some(status),
        Some(registered_year),
    ) = (village_code, attribute, main_cause, status, registered_year)
    else {
        return Err(issues);
    };
    if !issues.is_empty() || members.iter().any(Option::is_none) {
        return Err(issues);
    }
    let household = Household {
        number: group.number.clone(),
        village_code,
        group: group_name,
        address,
        phone,
        bank_name,
        bank_account,
        standard,
        attribute,
        main_cause,
        other_causes: causes,
        status,
        registered_year,
        exit_year,
        monitoring,
        location,
        conditions,
        income,
        members: members.into_iter().flatten().collect(),
    };
    let problems = validate_household(&household, areas, today);
    if problems.is_empty() {
        return Ok(household);
    }
    Err(problems
        .into_iter()
        .map(|issue| {
            let (row_no, row) = &group.rows[issue.member.unwrap_or(0)];
            RowIssue {
                row: *row_no,
                field: issue.field,
                value: map.get(row, issue.field).to_string(),
                problem: issue.problem,
            }
        })
        .collect())
}

fn parse_member(c: &mut Cells<'_>, today: NaiveDate) -> Option<Member> {
    let name = c.string(Field::MemberName);
    if name.is_empty() {
        c.fail(Field::MemberName, Problem::Required);
    }
    let id = match IdNumber::parse(c.text(Field::IdNumber), today) {
        Ok(id) => Some(id),
        Err(e) => {
            c.fail(Field::IdNumber, Problem::IdNumber(e));
            None
        }
    };
    let sex = c.opt_code::<Sex>(Field::Sex);
    let birth = c.date(Field::BirthDate);
    let relation = c.code(Field::Relation);
    let ethnicity = c.code(Field::Ethnicity);
    let education = c.code(Field::Education);
    let schooling = c.code_or(Field::Schooling, Schooling::NotInSchool);
    let health = c.code(Field::Health);
    let labour = c.code(Field::Labour);
    let migrant = c.code_or(Field::MigrantWork, MigrantWork::None);
    let months = c.count(Field::MigrantMonths);
    let flags = [
        c.yes_no(Field::MedicalInsurance),
        c.yes_no(Field::PensionInsurance),
        c.yes_no(Field::Dibao),
        c.yes_no(Field::CriticalIllnessInsurance),
    ];
    let id = id?;
    Some(Member {
        // sex and birth date default to what the ID number says; given ones are checked against it
        sex: sex.unwrap_or_else(|| id.sex()),
        birth_date: birth.unwrap_or_else(|| id.birth_date()),
        id_number: id,
        name: (!name.is_empty()).then_some(name)?,
        relation: relation?,
        ethnicity: ethnicity?,
        education: education?,
        schooling,
        health: health?,
        labour: labour?,
        migrant,
        migrant_months: u8::try_from(months).unwrap_or(u8::MAX),
        medical_insurance: flags[0],
        pension_insurance: flags[1],
        dibao: flags[2],
        critical_illness_insurance: flags[3],
    })
}

/// The status snapshot an imported household sheet implies: its status at the end of its
/// income year (or of the year it was registered, when the sheet carries no income).
pub fn status_snapshot(h: &Household, reason: &str) -> StatusYear {
    StatusYear {
        year: h.income.as_ref().map_or(h.registered_year, |i| i.year),
        status: h.status,
        reason: reason.to_string(),
    }
}
