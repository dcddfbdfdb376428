//! Editing a household from the console: its own fields, a member's, a member added (a newborn,
//! a marriage), a member gone (death, moving out), a change of status with its reason.
//!
//! An edit is made on the household's sheet rows (the same rows an import reads) and parsed by
//! the import's own parser, so that a form and a spreadsheet obey exactly the same rules and
//! give the same field-level messages. It is written only if the household still has the
//! version the form was read at (optimistic concurrency): a second person saving over a
//! change they have not seen is refused, never silently overwritten.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fupin_core::access::Scope;
use fupin_core::codes::Relation;
use fupin_core::message::Explained;
use fupin_core::record::{FieldChange, MEMBER_FIELDS, diff_households};
use fupin_core::validation::Problem;
use fupin_core::{AreaCode, AreaLevel, CodeList, Field, Household, Message};
use fupin_storage::{AreaIndex, Db, RegistryWriter, Tx, WriteContext};

use crate::audit::Actor;
use crate::columns::{HeaderMap, household_level_fields, household_sheet};
use crate::export::household_rows;
use crate::parse::{RowGroup, parse_household, status_snapshot};
use crate::sheet::Row;

/// Why a member leaves a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// 死亡
    Death,
    /// 迁出 (marriage, moving away, joining the army, entering a public post …)
    MoveOut,
}

impl Departure {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "death" => Some(Self::Death),
            "move_out" => Some(Self::MoveOut),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Self::Death => "死亡",
            Self::MoveOut => "迁出",
        }
    }
}

/// What an edit changes. Cells are keyed by field and hold text as a sheet would.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Household-level fields (status, causes, conditions …).
    Household(BTreeMap<Field, String>),
    /// Fields of the member at this position (0 = first row).
    Member {
        index: usize,
        cells: BTreeMap<Field, String>,
    },
    /// A new member (a newborn, a spouse marrying in).
    AddMember(BTreeMap<Field, String>),
    /// The member at this position leaves the household.
    RemoveMember {
        index: usize,
        why: Departure,
        on: NaiveDate,
    },
}

/// One edit of one household, made on the version the editor saw.
#[derive(Debug, Clone)]
pub struct EditRequest {
    pub household_id: i64,
    pub version: i64,
    pub edit: Edit,
    /// Why (变更原因): kept in the change log.
    pub reason: String,
}

/// A problem with one field of the form (`member`: the member's position, if it is theirs).
pub type FormIssue = crate::error::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Not there, or outside the editor's jurisdiction (the two are indistinguishable).
    #[error("no such household")]
    NotFound,
    /// Someone saved a newer version since the form was read.
    #[error("changed by {by} at {at} since the form was read")]
    Conflict { at: String, by: String },
    #[error("{} field(s) to correct", .0.len())]
    Invalid(Vec<FormIssue>),
    #[error(transparent)]
    Storage(#[from] fupin_storage::StorageError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The texts of the edit and restructure use-cases' messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "edit.conflict",
        "该户已于{at}被{by}修改，您的修改未保存，请在最新内容上重新修改",
        "Changed by {by} at {at} since you opened it: your changes were not saved; edit the current version",
    ),
    (
        "edit.reason_required",
        "请填写变更原因",
        "Give the reason for the change",
    ),
    (
        "edit.last_member",
        "户内仅剩一人，应办理户销户（自然消亡）而非减员",
        "The last member: close the household instead",
    ),
    (
        "edit.number_outside_village",
        "户编号须以本村区划代码{village}开头",
        "A household number must start with the village code {village}",
    ),
    (
        "edit.number_taken",
        "户编号{number}已被使用，请改用建议的编号",
        "Household number {number} is taken: use the one suggested",
    ),
    (
        "edit.no_household_within",
        "您的管辖范围内没有户编号{number}",
        "No household {number} within your jurisdiction",
    ),
    (
        "edit.invalid_number",
        "新户编号“{number}”无效",
        "{number} is not a household number",
    ),
    (
        "edit.choose_leaving",
        "请选择分出的成员",
        "Choose who leaves",
    ),
    (
        "edit.someone_stays",
        "原户至少保留一人",
        "Someone must stay in the household",
    ),
    (
        "edit.head_among_leaving",
        "新户主须是分出的成员",
        "The new head must be one who leaves",
    ),
    (
        "edit.head_cannot_leave",
        "原户主不能分出，请先变更户主",
        "The head cannot leave: change the head first",
    ),
    (
        "edit.merge_with_itself",
        "不能与本户合并",
        "A household cannot merge with itself",
    ),
    (
        "edit.already_closed",
        "户{number}已注销",
        "Household {number} is already closed",
    ),
    (
        "edit.household_problem",
        "{number}：{problem}",
        "{number}: {problem}",
    ),
];

/// Someone else saved the household at `at`: what the editor is told.
pub fn conflict_message(at: &str, by: &str) -> Message {
    Message::new("edit.conflict").with("at", at).with("by", by)
}

impl From<EditError> for crate::error::ServiceError {
    fn from(e: EditError) -> Self {
        use crate::error::ServiceError;
        match e {
            EditError::NotFound => ServiceError::NotFound,
            EditError::Conflict { at, by } => ServiceError::Conflict(conflict_message(&at, &by)),
            EditError::Invalid(issues) => ServiceError::Invalid(issues),
            EditError::Storage(e) => e.into(),
            EditError::Other(e) => e.into(),
        }
    }
}

/// What a saved edit did.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub changes: Vec<FieldChange>,
    /// The household's version after the edit (unchanged when nothing changed).
    pub version: i64,
}

/// The household-level fields a form edits (not the number, area or sheet-year income, which
/// have their own procedures: re-registration, moving, the yearly income survey).
pub fn household_form_fields() -> Vec<Field> {
    household_level_fields()
        .into_iter()
        .filter(|f| {
            !matches!(
                f,
                Field::VillageCode
                    | Field::County
                    | Field::Township
                    | Field::Village
                    | Field::IncomeYear
                    | Field::Wage
                    | Field::Business
                    | Field::Property
                    | Field::Transfer
                    | Field::ProductionExpenditure
                    | Field::PerCapitaIncome
            )
        })
        .collect()
}

/// The fields of a member's form.
pub fn member_form_fields() -> &'static [Field] {
    MEMBER_FIELDS
}

/// A household's cells as a form shows them: household fields, then one map per member.
pub fn form_cells(h: &Household) -> (BTreeMap<Field, String>, Vec<BTreeMap<Field, String>>) {
    let columns = columns();
    let rows = household_rows(h, &AreaIndex::default(), &columns);
    let cells = |row: &Vec<String>, fields: &[Field]| -> BTreeMap<Field, String> {
        columns
            .iter()
            .zip(row)
            .filter(|(f, _)| fields.contains(f))
            .map(|(f, v)| (*f, v.clone()))
            .collect()
    };
    let household = rows
        .first()
        .map(|r| cells(r, &household_form_fields()))
        .unwrap_or_default();
    let members = rows.iter().map(|r| cells(r, MEMBER_FIELDS)).collect();
    (household, members)
}

/// How a form asks for a field: the text it sends is what a sheet cell would hold.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Text,
    Number,
    Year,
    Date,
    /// One of a list; `optional` adds an empty choice.
    Choice {
        options: Vec<Choice>,
        optional: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The text sent (as `fupin_core::record` writes the value).
    pub value: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

fn list<T: CodeList>(optional: bool) -> InputKind {
    InputKind::Choice {
        options: T::ALL
            .iter()
            .map(|v| Choice {
                value: v.zh(),
                zh: v.zh(),
                en: v.en(),
            })
            .collect(),
        optional,
    }
}

fn yes_no() -> InputKind {
    InputKind::Choice {
        options: vec![
            Choice {
                value: "是",
                zh: "是",
                en: "yes",
            },
            Choice {
                value: "否",
                zh: "否",
                en: "no",
            },
        ],
        optional: false,
    }
}

/// The input a form shows for `field`.
pub fn input_kind(field: Field) -> InputKind {
    use fupin_core::codes::*;
    match field {
        Field::Standard => list::<IdentificationStandard>(false),
        Field::Attribute => list::<PovertyAttribute>(false),
        Field::MainCause => list::<Cause>(false),
        Field::Status => list::<HouseholdStatus>(false),
        Field::Monitoring => list::<MonitoringCategory>(true),
        Field::HouseStructure => list::<HouseStructure>(true),
        // the grade is written as its code (A–D)
        Field::HouseGrade => InputKind::Choice {
            options: HouseGrade::ALL
                .iter()
                .map(|g| Choice {
                    value: g.code(),
                    zh: g.zh(),
                    en: g.en(),
                })
                .collect(),
            optional: true,
        },
        Field::WaterSource => list::<WaterSource>(true),
        Field::CookingFuel => list::<Fuel>(true),
        Field::Sex => list::<Sex>(false),
        Field::Relation => list::<Relation>(false),
        Field::Ethnicity => list::<Ethnicity>(false),
        Field::Education => list::<Education>(false),
        Field::Schooling => list::<Schooling>(false),
        Field::Health => list::<Health>(false),
        Field::Labour => list::<Labour>(false),
        Field::MigrantWork => list::<MigrantWork>(false),
        Field::Relocated
        | Field::Electricity
        | Field::WaterDifficult
        | Field::WaterSafe
        | Field::MedicalInsurance
        | Field::PensionInsurance
        | Field::Dibao
        | Field::CriticalIllnessInsurance => yes_no(),
        Field::RegisteredYear | Field::ExitYear | Field::HouseBuiltYear => InputKind::Year,
        Field::BirthDate => InputKind::Date,
        Field::Longitude
        | Field::Latitude
        | Field::ArableLand
        | Field::IrrigatedLand
        | Field::ForestLand
        | Field::HousingArea
        | Field::RoadDistance
        | Field::MigrantMonths => InputKind::Number,
        _ => InputKind::Text,
    }
}

/// The sheet columns an edit works on: the household sheet without the area names.
fn columns() -> Vec<Field> {
    household_sheet()
        .into_iter()
        .filter(|f| !matches!(f, Field::County | Field::Township | Field::Village))
        .collect()
}

/// Applies and saves one edit.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn edit_household(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    request: EditRequest,
    today: NaiveDate,
) -> Result<Saved, EditError> {
    if request.reason.trim().is_empty() {
        return Err(EditError::Invalid(vec![FormIssue {
            field: None,
            member: None,
            message: Message::new("edit.reason_required"),
        }]));
    }
    let mut writer = RegistryWriter::begin(db).await?;
    let (stored, version) = writer
        .household_for_edit(scope, request.household_id)
        .await?
        .ok_or(EditError::NotFound)?;
    if version != request.version {
        return Err(conflict(&mut writer, request.household_id).await?);
    }
    let old = stored.household;
    let areas = area_index(writer.tx(), &old.village_code).await?;
    let new = apply(&old, &request.edit, &areas, today)?;

    // an ID number may be registered in one household only
    let ids: Vec<&str> = new.members.iter().map(|m| m.id_number.as_str()).collect();
    let owners = writer.id_owners_within(scope, &ids).await?;
    let conflicts: Vec<FormIssue> = new
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let owner = owners.get(m.id_number.as_str())?;
            (owner.as_deref() != Some(new.number.as_str())).then(|| FormIssue {
                field: Some(Field::IdNumber),
                member: Some(i),
                message: registered_elsewhere(owner.as_deref()),
            })
        })
        .collect();
    if !conflicts.is_empty() {
        return Err(EditError::Invalid(conflicts));
    }

    let changes = diff_households(&old, &new);
    if changes.is_empty() {
        return Ok(Saved { changes, version });
    }
    let reason = match &request.edit {
        Edit::RemoveMember { index, why, on } => format!(
            "{}{} {on}：{}",
            old.members[*index].name,
            why.zh(),
            request.reason.trim()
        ),
        _ => request.reason.trim().to_string(),
    };
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: reason.clone(),
        import_run: None,
    };
    let status = status_snapshot(&new, &reason);
    writer
        .update(request.household_id, &new, &status, &changes, &ctx)
        .await?;
    let entry = actor.entry(
        "household.edit",
        "household",
        request.household_id.to_string(),
        new.village_code.as_str(),
        format!("{} fields: {reason}", changes.len()),
    );
    writer.commit_audited(vec![entry]).await?;
    Ok(Saved {
        changes,
        version: version + 1,
    })
}

/// The refusal of a save made on an older version: who changed the household last, and when.
pub(crate) async fn conflict(writer: &mut RegistryWriter, id: i64) -> Result<EditError, EditError> {
    let last = writer.last_change(id).await?;
    Ok(EditError::Conflict {
        at: last.as_ref().map_or_else(String::new, |c| c.at.clone()),
        by: last.map_or_else(String::new, |c| c.actor),
    })
}

/// The areas validation needs for this household: its village and the chain above it.
/// The divisions a household of `village` is checked against, read in `tx`: a writer reads
/// them in its own transaction, so that it never waits for a second connection while it holds
/// the write lock (with the pool's connections all waiting for that lock, it would wait until
/// the pool's 30 s time-out).
pub(crate) async fn area_index(tx: &mut Tx, village: &AreaCode) -> Result<AreaIndex, EditError> {
    let path = tx.area_path(village).await?;
    if path.last().map(|a| a.level) != Some(AreaLevel::Village) {
        return Err(EditError::Other(anyhow::anyhow!(
            "village {village} is not loaded"
        )));
    }
    Ok(AreaIndex::from_areas(&path))
}

/// The household after the edit, parsed and validated as an import would.
fn apply(
    old: &Household,
    edit: &Edit,
    areas: &AreaIndex,
    today: NaiveDate,
) -> Result<Household, EditError> {
    let columns = columns();
    let mut rows = household_rows(old, areas, &columns);
    let at = |f: Field| columns.iter().position(|c| *c == f);
    let set = |row: &mut Vec<String>, cells: &BTreeMap<Field, String>, allowed: &[Field]| {
        for (f, v) in cells {
            if let (true, Some(i)) = (allowed.contains(f), at(*f)) {
                row[i] = v.trim().to_string();
            }
        }
    };
    // the member a form is about, for its messages
    let mut member_of_row: Vec<Option<usize>> = (0..rows.len()).map(Some).collect();
    match edit {
        Edit::Household(cells) => {
            let fields = household_form_fields();
            for row in &mut rows {
                set(row, cells, &fields);
            }
        }
        Edit::Member { index, cells } => {
            let row = rows.get_mut(*index).ok_or(EditError::NotFound)?;
            set(row, cells, MEMBER_FIELDS);
        }
        Edit::AddMember(cells) => {
            let mut row = rows.first().cloned().ok_or(EditError::NotFound)?;
            for f in MEMBER_FIELDS {
                if let Some(i) = at(*f) {
                    row[i].clear();
                }
            }
            set(&mut row, cells, MEMBER_FIELDS);
            member_of_row.push(Some(rows.len()));
            rows.push(row);
        }
        Edit::RemoveMember { index, .. } => {
            if *index >= rows.len() {
                return Err(EditError::NotFound);
            }
            if rows.len() == 1 {
                return Err(EditError::Invalid(vec![FormIssue {
                    field: None,
                    member: Some(*index),
                    message: Message::new("edit.last_member"),
                }]));
            }
            rows.remove(*index);
            member_of_row.remove(*index);
        }
    }
    // per-capita income follows from the income and the members: recomputed, never stale
    if let Some(i) = at(Field::PerCapitaIncome) {
        for row in &mut rows {
            row[i].clear();
        }
    }
    parse_rows(&old.number, &columns, rows, &member_of_row, areas, today)
}

/// Parses a household's sheet rows as an import would; problems as form issues
/// (`member_of_row`: the form's member for each row).
fn parse_rows(
    number: &str,
    columns: &[Field],
    rows: Vec<Vec<String>>,
    member_of_row: &[Option<usize>],
    areas: &AreaIndex,
    today: NaiveDate,
) -> Result<Household, EditError> {
    let header: Row = columns.iter().map(|f| f.zh()).collect();
    let map = HeaderMap::new(&header).map_err(|e| EditError::Other(anyhow::anyhow!(e)))?;
    let group = RowGroup {
        number: number.to_string(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| (i + 1, cells.iter().map(String::as_str).collect()))
            .collect(),
    };
    parse_household(&group, &map, areas, today).map_err(|issues| {
        let household_fields = household_level_fields();
        EditError::Invalid(
            issues
                .into_iter()
                .map(|i| FormIssue {
                    field: Some(i.field),
                    member: if household_fields.contains(&i.field) {
                        None
                    } else {
                        member_of_row.get(i.row - 1).copied().flatten()
                    },
                    message: i.problem.message(),
                })
                .collect(),
        )
    })
}

/// A household registered from the console: its village, number, own fields and its head.
#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub village: AreaCode,
    pub number: String,
    pub household: BTreeMap<Field, String>,
    /// The head's fields (the relation is 户主 whatever is given).
    pub head: BTreeMap<Field, String>,
    pub reason: String,
}

/// Registers a new household with its head (more members are added on its page); returns its id.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_household(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    new: NewHousehold,
    today: NaiveDate,
) -> Result<i64, EditError> {
    let h = prepare_new_household(db, scope, &new, today).await?;
    let mut writer = RegistryWriter::begin(db).await?;
    let id = write_new_household(&mut writer, actor, scope, h, new.reason.trim()).await?;
    writer.commit().await?;
    Ok(id)
}

/// A proposed household parsed and validated as a registration would be, its number and ID
/// numbers not yet registered (nothing written).
pub async fn prepare_new_household(
    db: &Db,
    scope: &Scope,
    new: &NewHousehold,
    today: NaiveDate,
) -> Result<Household, EditError> {
    let h = parse_new_household(db, scope, new, today).await?;
    // checked before anything is looked up: a number of another place is never asked about
    if !fupin_core::validation::numbered_in_village(&h.number, &h.village_code) {
        return Err(EditError::Invalid(vec![FormIssue {
            field: Some(Field::HouseholdNo),
            member: None,
            message: Message::new("edit.number_outside_village").with("village", &h.village_code),
        }]));
    }
    // checked again when written; refused early so that a form says so at once
    let mut writer = RegistryWriter::begin(db).await?;
    let issues = uniqueness_issues(&mut writer, scope, &h).await?;
    writer.rollback().await?;
    if issues.is_empty() {
        Ok(h)
    } else {
        Err(EditError::Invalid(issues))
    }
}

/// A proposed household parsed and validated (without looking at other households).
pub async fn parse_new_household(
    db: &Db,
    scope: &Scope,
    new: &NewHousehold,
    today: NaiveDate,
) -> Result<Household, EditError> {
    if !scope.contains_area(&new.village) || new.village.level() != AreaLevel::Village {
        return Err(EditError::NotFound);
    }
    if new.reason.trim().is_empty() {
        return Err(EditError::Invalid(vec![FormIssue {
            field: None,
            member: None,
            message: Message::new("edit.reason_required"),
        }]));
    }
    let areas = area_index(&mut db.reader().await?, &new.village).await?;
    let columns = columns();
    let mut row = vec![String::new(); columns.len()];
    for (i, f) in columns.iter().enumerate() {
        let given = if MEMBER_FIELDS.contains(f) {
            new.head.get(f)
        } else {
            new.household.get(f)
        };
        row[i] = match f {
            Field::HouseholdNo => new.number.trim().to_string(),
            Field::VillageCode => new.village.to_string(),
            Field::Relation => Relation::Head.zh().to_string(),
            _ if household_form_fields().contains(f) || MEMBER_FIELDS.contains(f) => {
                given.map(|v| v.trim().to_string()).unwrap_or_default()
            }
            _ => String::new(),
        };
    }
    parse_rows(&new.number, &columns, vec![row], &[Some(0)], &areas, today)
}

/// Why an ID number cannot be registered again: the household holding it when the editor's
/// jurisdiction reaches it (`owner`), else only that it is registered elsewhere. That one fact
/// cannot be hidden (a person is registered once), but where is not said.
fn registered_elsewhere(owner: Option<&str>) -> Message {
    match owner {
        Some(number) => Problem::IdInOtherHousehold(number.to_string()).message(),
        None => Problem::IdRegisteredElsewhere.message(),
    }
}

/// The household number and the head's ID number must not be registered yet. The number
/// starts with the village's code (checked when parsed), so whether it is taken concerns the
/// village only.
async fn uniqueness_issues(
    writer: &mut RegistryWriter,
    scope: &Scope,
    h: &Household,
) -> Result<Vec<FormIssue>, EditError> {
    let mut issues = Vec::new();
    if !writer.ids_of(&[h.number.as_str()]).await?.is_empty() {
        issues.push(FormIssue {
            field: Some(Field::HouseholdNo),
            member: None,
            message: crate::restructure::taken(&h.number),
        });
    }
    let ids: Vec<&str> = h.members.iter().map(|m| m.id_number.as_str()).collect();
    let owners = writer.id_owners_within(scope, &ids).await?;
    for (i, m) in h.members.iter().enumerate() {
        if let Some(owner) = owners.get(m.id_number.as_str()) {
            issues.push(FormIssue {
                field: Some(Field::IdNumber),
                member: Some(i),
                message: registered_elsewhere(owner.as_deref()),
            });
        }
    }
    Ok(issues)
}

/// Writes a prepared household in the writer's transaction (uniqueness checked there again);
/// its id.
pub async fn write_new_household(
    writer: &mut RegistryWriter,
    actor: &Actor,
    scope: &Scope,
    h: Household,
    reason: &str,
) -> Result<i64, EditError> {
    let issues = uniqueness_issues(writer, scope, &h).await?;
    if !issues.is_empty() {
        return Err(EditError::Invalid(issues));
    }
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: reason.to_string(),
        import_run: None,
    };
    let ids = writer
        .create(&[(h.clone(), status_snapshot(&h, reason))], &ctx)
        .await?;
    let entry = actor.entry(
        "household.create",
        "household",
        ids[0].to_string(),
        h.village_code.as_str(),
        reason,
    );
    fupin_storage::audit::append_in(writer.tx(), vec![entry]).await?;
    Ok(ids[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_is_what_the_record_writes() {
        // a household's own values must be among its form's choices, or a form could not
        // show them back
        let areas = crate::areas::parse_json(crate::areas::SEED_DIVISIONS).unwrap();
        let geo = crate::generate::Geography::new(&areas, crate::areas::SEED_BOUNDARIES).unwrap();
        let config = crate::generate::GeneratorConfig {
            households: 300,
            seed: 3,
            last_year: 2023,
        };
        for g in crate::generate::generate(&config, &geo) {
            check_choices(&g.household);
        }
    }

    fn check_choices(h: &Household) {
        use fupin_core::record::{household_value, member_value};
        for f in household_form_fields() {
            if let InputKind::Choice { options, optional } = input_kind(f) {
                let v = household_value(h, f);
                assert!(
                    (optional && v.is_empty()) || options.iter().any(|o| o.value == v),
                    "{f:?}: {v:?}"
                );
            }
        }
        for m in &h.members {
            for &f in MEMBER_FIELDS {
                if let InputKind::Choice { options, .. } = input_kind(f) {
                    let v = member_value(m, f);
                    assert!(options.iter().any(|o| o.value == v), "{f:?}: {v:?}");
                }
            }
        }
    }

    #[test]
    fn forms_edit_neither_the_number_nor_the_area_nor_income() {
        let f = household_form_fields();
        for not in [
            Field::HouseholdNo,
            Field::VillageCode,
            Field::Wage,
            Field::MemberName,
        ] {
            assert!(!f.contains(&not), "{not:?}");
        }
        for yes in [
            Field::Status,
            Field::MainCause,
            Field::Phone,
            Field::WaterSafe,
        ] {
            assert!(f.contains(&yes), "{yes:?}");
        }
    }
}
