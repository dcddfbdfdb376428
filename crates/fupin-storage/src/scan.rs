//! Reading a whole area's households for a batch (assessment, matching): pages in id order, each
//! page four range reads (households, their members, the years' incomes, the year's status)
//! joined in memory. The rows go through [`read_rows`] (rusqlite on SQLite, `COPY` on
//! PostgreSQL): sqlx's decoding costs several times more per value, and a province has millions
//! of members.

use std::collections::HashMap;

use fupin_core::access::Scope;
use fupin_core::codes::HouseholdStatus;
use fupin_core::{Household, IncomeYear, Member};

use crate::bulk::read_rows;
use crate::registry::{HOUSEHOLD_SELECT, INCOME_SELECT, MEMBER_SELECT};
use crate::rows::{HouseholdCells, IncomeRow, MemberCells, code};
use crate::sql::Value;
use crate::{Db, StorageError, Tx};

/// Years of income read before the year asked for (an income trend).
pub const TREND_YEARS: i32 = 3;

/// A household as a batch reads it: its record, its income of the year asked for and of the
/// [`TREND_YEARS`] before (oldest first), and its status recorded for that year.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub id: i64,
    pub household: Household,
    pub incomes: Vec<IncomeYear>,
    pub status_of_year: Option<HouseholdStatus>,
    /// The year's matching (when asked for: [`ScanWith::measures`]).
    pub measures: Option<MatchedCodes>,
    /// The measures delivered in the year (when asked for: [`ScanWith::deliveries`]).
    pub deliveries: Delivered,
}

/// What a scan reads beside the households, their members, incomes and statuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanWith {
    /// The year's matching of each household.
    pub measures: bool,
    /// The measures delivered in the year.
    pub deliveries: bool,
    /// Only the year's income, not the [`TREND_YEARS`] before (a batch that needs no trend
    /// reads a quarter of the income rows).
    pub year_only: bool,
    /// Only the households whose id lies in this range (inclusive): a part of the area, for
    /// readers working side by side.
    pub ids: Option<(i64, i64)>,
}

/// A household's entitlements and gaps of a year as its last matching stored them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedCodes {
    pub catalogue_version: String,
    /// "EDU-01:2,MED-02": measure codes, a member's seq after a colon.
    pub entitled: String,
    pub gaps: String,
}

/// The measures delivered to a household in a year: "CODE:member ID" pairs (no ID for a household
/// measure) joined by commas. One string per household rather than two per delivery: a province
/// reads ten million deliveries a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered(String);

impl Delivered {
    /// Adds a delivery of `code` to `member` ('' for the household).
    pub fn push(&mut self, code: &str, member: &str) {
        if !self.0.is_empty() {
            self.0.push(',');
        }
        self.0.push_str(code);
        self.0.push(':');
        self.0.push_str(member);
    }

    /// (measure code, member ID number or '') of each delivery.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once(':').unwrap_or((p, "")))
    }
}

impl Scanned {
    /// The income of one year, if recorded.
    pub fn income(&self, year: i32) -> Option<&IncomeYear> {
        self.incomes.iter().find(|i| i.year == year)
    }
}

/// The rows of one page.
#[derive(Default)]
struct Page {
    /// (id, household)
    households: Vec<(i64, Household)>,
    /// (household id, seq, member)
    members: Vec<(i64, i32, Member)>,
    incomes: Vec<IncomeRow>,
    statuses: Vec<(i64, HouseholdStatus)>,
    /// (household id, codes), when asked for
    measures: Vec<(i64, MatchedCodes)>,
    /// (household id, its deliveries), when asked for
    deliveries: Vec<(i64, Delivered)>,
}

// in the order of the covering index (year, household_id, measure_code, member_id_number)
const DELIVERIES_QUERY: &str = "SELECT household_id, measure_code, member_id_number \
     FROM measure_deliveries WHERE year = $1 AND household_id BETWEEN $2 AND $3 \
     ORDER BY household_id";

// `+year`: by the key's household range; SQLite otherwise picks the (year, village) index and
// reads the whole year for every page
const MEASURES_QUERY: &str = "SELECT household_id, catalogue_version, entitled_codes, gap_codes \
     FROM household_measures WHERE +year = $1 AND household_id BETWEEN $2 AND $3";

/// The page's queries; `reached`: the scope's condition on `households`.
fn queries(trend: i32, reached: &str) -> [String; 4] {
    [
        format!("{HOUSEHOLD_SELECT} WHERE id > $1 AND id <= $2 AND {reached} ORDER BY id LIMIT $3"),
        // by household only: the index gives that order without a sort; the few members of a
        // household are put in seq order in `assemble`
        format!("{MEMBER_SELECT} WHERE household_id BETWEEN $1 AND $2 ORDER BY household_id"),
        format!(
            "{INCOME_SELECT} WHERE year BETWEEN $1 - {trend} AND $1 AND household_id BETWEEN $2 AND $3 \
             ORDER BY household_id, year"
        ),
        "SELECT household_id, status FROM household_status_years WHERE year = $1 \
         AND household_id BETWEEN $2 AND $3"
            .to_string(),
    ]
}

impl Db {
    /// Hands the households `scope` reaches to `each`, `page` at a time in id order, with their
    /// members and the income of `year`. Returns how many were read.
    pub async fn scan_households(
        &self,
        scope: &Scope,
        year: i32,
        page: usize,
        each: &mut (dyn FnMut(Vec<Scanned>) -> Result<(), StorageError> + Send),
    ) -> Result<u64, StorageError> {
        self.scan_households_with(scope, year, page, ScanWith::default(), each)
            .await
    }

    /// As [`Db::scan_households`], with what `with` asks for of the year.
    pub async fn scan_households_with(
        &self,
        scope: &Scope,
        year: i32,
        page: usize,
        with: ScanWith,
        each: &mut (dyn FnMut(Vec<Scanned>) -> Result<(), StorageError> + Send),
    ) -> Result<u64, StorageError> {
        let reached = crate::scope::households(scope, "");
        let mut tx = self.reader().await?;
        let (from, to) = with.ids.unwrap_or((1, i64::MAX));
        let mut after = from.saturating_sub(1);
        let mut read = 0u64;
        loop {
            let trend = if with.year_only { 0 } else { TREND_YEARS };
            let ids = (after, to);
            let mut rows = read_page(&mut tx, ids, &reached, (year, trend), page).await?;
            let Some(last) = rows.households.last().map(|h| h.0) else {
                break;
            };
            after = last;
            let first = rows.households[0].0;
            if with.measures {
                rows.measures = read_measures(&mut tx, year, first, last).await?;
            }
            if with.deliveries {
                rows.deliveries = read_deliveries(&mut tx, year, first, last).await?;
            }
            let batch = assemble(rows);
            read += batch.len() as u64;
            each(batch)?;
        }
        Ok(read)
    }
}

/// One page of households with ids after `after` up to `to` that the condition `reached`
/// keeps, with incomes of `year` and the `trend` years before.
async fn read_page(
    tx: &mut Tx,
    (after, to): (i64, i64),
    reached: &str,
    (year, trend): (i32, i32),
    limit: usize,
) -> Result<Page, StorageError> {
    let [hq, mq, iq, sq] = queries(trend, reached);
    let page = [Value::I64(after), Value::I64(to), Value::I64(limit as i64)];
    let households = read_rows(tx, &hq, &page, |c| {
        Ok((c.int(0)?, HouseholdCells::at(c)?.household()?))
    })
    .await?;
    let (Some(first), Some(last)) = (households.first(), households.last()) else {
        return Ok(Page::default());
    };
    let (first, last) = (first.0, last.0);
    let ids = [Value::I64(first), Value::I64(last)];
    let members = read_rows(tx, &mq, &ids, |c| {
        Ok((c.int(0)?, c.small(1)?, MemberCells::at(c)?.member()?))
    })
    .await?;
    let of_year = [Value::I32(year), Value::I64(first), Value::I64(last)];
    let incomes = read_rows(tx, &iq, &of_year, IncomeRow::at).await?;
    let statuses = read_rows(tx, &sq, &of_year, |c| Ok((c.int(0)?, code(c.text(1)?)?))).await?;
    Ok(Page {
        households,
        members,
        incomes,
        statuses,
        measures: Vec::new(),
        deliveries: Vec::new(),
    })
}

async fn read_measures(
    tx: &mut Tx,
    year: i32,
    first: i64,
    last: i64,
) -> Result<Vec<(i64, MatchedCodes)>, StorageError> {
    let values = [Value::I32(year), Value::I64(first), Value::I64(last)];
    read_rows(tx, MEASURES_QUERY, &values, |c| {
        let codes = MatchedCodes {
            catalogue_version: c.text(1)?.to_string(),
            entitled: c.text(2)?.to_string(),
            gaps: c.text(3)?.to_string(),
        };
        Ok((c.int(0)?, codes))
    })
    .await
}

async fn read_deliveries(
    tx: &mut Tx,
    year: i32,
    first: i64,
    last: i64,
) -> Result<Vec<(i64, Delivered)>, StorageError> {
    let values = [Value::I32(year), Value::I64(first), Value::I64(last)];
    let rows = read_rows(tx, DELIVERIES_QUERY, &values, |c| {
        Ok((c.int(0)?, c.text(1)?.to_string(), c.text(2)?.to_string()))
    })
    .await?;
    // rows come by household: each starts a household's list or adds to the last one
    let mut out: Vec<(i64, Delivered)> = Vec::new();
    for (id, code, member) in rows {
        match out.last_mut() {
            Some((last, d)) if *last == id => d.push(&code, &member),
            _ => {
                let mut d = Delivered::default();
                d.push(&code, &member);
                out.push((id, d));
            }
        }
    }
    Ok(out)
}

/// Joins a page's rows into households (members and incomes of households outside the area,
/// read because their ids fall in the page's range, are dropped).
fn assemble(mut page: Page) -> Vec<Scanned> {
    page.members
        .sort_by_key(|(household, seq, _)| (*household, *seq));
    let mut out: Vec<Scanned> = Vec::with_capacity(page.households.len());
    let mut at: HashMap<i64, usize> = HashMap::with_capacity(page.households.len());
    for (id, household) in page.households {
        at.insert(id, out.len());
        out.push(Scanned {
            id,
            household,
            incomes: Vec::new(),
            status_of_year: None,
            measures: None,
            deliveries: Delivered::default(),
        });
    }
    for (household, _, m) in page.members {
        if let Some(&i) = at.get(&household) {
            out[i].household.members.push(m);
        }
    }
    for r in page.incomes {
        if let Some(&i) = at.get(&r.household_id) {
            out[i].incomes.push(r.into_income());
        }
    }
    for (id, status) in page.statuses {
        if let Some(&i) = at.get(&id) {
            out[i].status_of_year = Some(status);
        }
    }
    for (id, codes) in page.measures {
        if let Some(&i) = at.get(&id) {
            out[i].measures = Some(codes);
        }
    }
    for (id, delivered) in page.deliveries {
        if let Some(&i) = at.get(&id) {
            out[i].deliveries = delivered;
        }
    }
    out
}
