//! What the warning rules read: a run's matched records with their member and household, its
//! records that matched nobody, the measures delivered to the households concerned, and the
//! registry's own members and exit incomes. Rows as stored; the services turn them into the
//! core's facts.

use fupin_core::access::Scope;

use crate::bulk::read_rows;
use crate::cells::Cells;
use crate::sql::Value;
use crate::{Db, StorageError};

/// A household as the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFactsRow {
    pub household_id: i64,
    pub number: String,
    pub village_code: String,
    pub status: String,
    pub exit_year: Option<i32>,
    pub monitoring: Option<String>,
    pub relocated: bool,
    pub member_count: i32,
}

const HOUSEHOLD_FACTS: &str = "h.id AS household_id, h.number, h.village_code, h.status, \
    h.exit_year, h.monitoring, h.relocated, h.member_count";

/// A department record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub row_no: i64,
    pub record_key: String,
    pub id_number: String,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub place: String,
    pub event_date: Option<String>,
    pub amount: Option<i64>,
    pub detail: String,
}

const RECORD_COLUMNS: &str = "r.row_no, r.record_key, r.id_number, r.name, r.sex, r.birth_date, \
    r.place, r.event_date, r.amount, r.detail";

/// A record matched to a member, with the link and the member's household.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedRow {
    pub record: RecordRow,
    pub pattern: i32,
    pub probability: f64,
    pub method: i32,
    pub member_id_number: String,
    pub member_name: String,
    pub household: HouseholdFactsRow,
}

/// A measure delivered to a household.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub household_id: i64,
    pub measure_code: String,
    pub member_id_number: String,
    pub year: i32,
    pub delivered_on: String,
    pub amount: Option<i64>,
}

/// A member as the duplicate scan reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub household_id: i64,
    pub number: String,
    pub village_code: String,
    pub id_number: String,
    pub name: String,
    pub birth_date: String,
    pub sex: String,
}

/// An exited household's per-capita income of a year from its exit on.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitIncomeRow {
    pub household: HouseholdFactsRow,
    pub year: i32,
    pub per_capita: i64,
}

impl HouseholdFactsRow {
    /// From the [`HOUSEHOLD_FACTS`] columns starting at `at`.
    fn from_cells(c: &dyn Cells, at: usize) -> Result<Self, StorageError> {
        Ok(Self {
            household_id: c.int(at)?,
            number: c.text(at + 1)?.to_string(),
            village_code: c.text(at + 2)?.to_string(),
            status: c.text(at + 3)?.to_string(),
            exit_year: c.opt_small(at + 4)?,
            monitoring: c.opt_text(at + 5)?.map(str::to_string),
            relocated: c.flag(at + 6)?,
            member_count: c.small(at + 7)?,
        })
    }
}

impl RecordRow {
    /// From the [`RECORD_COLUMNS`] starting at `at`.
    fn from_cells(c: &dyn Cells, at: usize) -> Result<Self, StorageError> {
        let opt = |i: usize| Ok::<_, StorageError>(c.opt_text(at + i)?.map(str::to_string));
        Ok(Self {
            row_no: c.int(at)?,
            record_key: c.text(at + 1)?.to_string(),
            id_number: c.text(at + 2)?.to_string(),
            name: c.text(at + 3)?.to_string(),
            sex: opt(4)?,
            birth_date: opt(5)?,
            place: c.text(at + 6)?.to_string(),
            event_date: opt(7)?,
            amount: c.opt_int(at + 8)?,
            detail: c.text(at + 9)?.to_string(),
        })
    }
}

/// Households that are not gone (removed or closed): what the registry scans look at.
const LIVE: &str = "h.status NOT IN ('removed', 'closed')";

impl Db {
    /// The records of `run` (over `snapshot_id`) decided as matches, with member and household.
    pub async fn run_matches(
        &self,
        run_id: i64,
        snapshot_id: i64,
    ) -> Result<Vec<LinkedRow>, StorageError> {
        read_rows(
            &mut self.reader().await?,
            &format!(
                "SELECT {RECORD_COLUMNS}, l.pattern, l.probability, l.method, \
                 m.id_number AS member_id_number, m.name AS member_name, {HOUSEHOLD_FACTS} \
                 FROM record_links l \
                 JOIN department_records r ON r.snapshot_id = $1 AND r.row_no = l.row_no \
                 JOIN members m ON m.id = l.member_id \
                 JOIN households h ON h.id = l.household_id \
                 WHERE l.run_id = $2 AND l.decision = 0 ORDER BY l.row_no"
            ),
            &[Value::I64(snapshot_id), Value::I64(run_id)],
            |c| {
                Ok(LinkedRow {
                    record: RecordRow::from_cells(c, 0)?,
                    pattern: c.small(10)?,
                    probability: c.real(11)?,
                    method: c.small(12)?,
                    member_id_number: c.text(13)?.to_string(),
                    member_name: c.text(14)?.to_string(),
                    household: HouseholdFactsRow::from_cells(c, 15)?,
                })
            },
        )
        .await
    }

    /// The records of `snapshot_id` that `run` linked to nobody (no candidate, or decided as
    /// no match; a record waiting for review is not among them).
    pub async fn run_unmatched(
        &self,
        run_id: i64,
        snapshot_id: i64,
    ) -> Result<Vec<RecordRow>, StorageError> {
        read_rows(
            &mut self.reader().await?,
            &format!(
                "SELECT {RECORD_COLUMNS} FROM department_records r \
                 LEFT JOIN record_links l ON l.run_id = $1 AND l.row_no = r.row_no \
                 WHERE r.snapshot_id = $2 AND (l.row_no IS NULL OR l.decision = 2) ORDER BY r.row_no"
            ),
            &[Value::I64(run_id), Value::I64(snapshot_id)],
            |c| RecordRow::from_cells(c, 0),
        )
        .await
    }

    /// The measures delivered to the households `run` matched a record to.
    pub async fn run_deliveries(&self, run_id: i64) -> Result<Vec<DeliveryRow>, StorageError> {
        read_rows(
            &mut self.reader().await?,
            "SELECT household_id, measure_code, member_id_number, year, delivered_on, amount \
             FROM measure_deliveries WHERE household_id IN \
             (SELECT household_id FROM record_links WHERE run_id = $1 AND decision = 0) \
             ORDER BY household_id, year",
            &[Value::I64(run_id)],
            |c| {
                Ok(DeliveryRow {
                    household_id: c.int(0)?,
                    measure_code: c.text(1)?.to_string(),
                    member_id_number: c.text(2)?.to_string(),
                    year: c.small(3)?,
                    delivered_on: c.text(4)?.to_string(),
                    amount: c.opt_int(5)?,
                })
            },
        )
        .await
    }

    /// The members of live households inside `scope`.
    pub async fn scan_members(&self, scope: &Scope) -> Result<Vec<MemberRow>, StorageError> {
        read_rows(
            &mut self.reader().await?,
            &format!(
                "SELECT h.id AS household_id, h.number, h.village_code, m.id_number, m.name, \
                 m.birth_date, m.sex FROM members m JOIN households h ON h.id = m.household_id \
                 WHERE {LIVE} AND {}",
                crate::scope::households(scope, "h.")
            ),
            &[],
            |c| {
                Ok(MemberRow {
                    household_id: c.int(0)?,
                    number: c.text(1)?.to_string(),
                    village_code: c.text(2)?.to_string(),
                    id_number: c.text(3)?.to_string(),
                    name: c.text(4)?.to_string(),
                    birth_date: c.text(5)?.to_string(),
                    sex: c.text(6)?.to_string(),
                })
            },
        )
        .await
    }

    /// Exited households inside `scope` with each year's per-capita income from the exit on.
    pub async fn exit_incomes(&self, scope: &Scope) -> Result<Vec<ExitIncomeRow>, StorageError> {
        read_rows(
            &mut self.reader().await?,
            &format!(
                "SELECT {HOUSEHOLD_FACTS}, i.year, i.per_capita FROM households h \
                 JOIN household_incomes i ON i.household_id = h.id AND i.year >= h.exit_year \
                 WHERE h.status IN ('exited_with_policy', 'exited_no_policy') \
                 AND i.per_capita IS NOT NULL AND {} ORDER BY h.id, i.year",
                crate::scope::households(scope, "h.")
            ),
            &[],
            |c| {
                Ok(ExitIncomeRow {
                    household: HouseholdFactsRow::from_cells(c, 0)?,
                    year: c.small(8)?,
                    per_capita: c.int(9)?,
                })
            },
        )
        .await
    }
}
