//! Measures: the catalogue in force (`fupin measures import/export`), matching every household
//! against it (`fupin measures match`), recording deliveries (a form or a sheet), and a
//! household's entitlements with their reasons.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fupin_core::access::{Scope, Sensitive};
use fupin_core::masking::Disclosure;
use fupin_core::measures::{Catalogue, Entitlement, Facts, Per};
use fupin_core::{Fen, Household, IncomeYear, Message};
use fupin_storage::measures::record_deliveries;
use fupin_storage::{Db, Delivery, DocumentKind, HouseholdMeasures, MeasureCounts, ScanWith};

use crate::audit::Actor;
use crate::progress::Progress;
use crate::stages::scan_in_stages;

/// The text of the rule document a run uses: `text` when given, else the one in force, else
/// the shipped default.
pub async fn document_text(
    db: &Db,
    kind: DocumentKind,
    text: Option<&str>,
    default: &str,
) -> Result<String> {
    Ok(match text {
        Some(t) => t.to_string(),
        None => match db.current_document(kind).await? {
            Some(stored) => stored.body,
            None => default.to_string(),
        },
    })
}

/// The catalogue a run uses (see [`document_text`]), stored under its version and in force.
pub async fn catalogue_for_run(db: &Db, text: Option<&str>) -> Result<Catalogue> {
    let body = document_text(
        db,
        DocumentKind::MeasureCatalogue,
        text,
        fupin_core::measures::catalogue::DEFAULT_CATALOGUE,
    )
    .await?;
    let catalogue = Catalogue::from_toml(&body)?;
    db.store_document(
        DocumentKind::MeasureCatalogue,
        &catalogue.version,
        &catalogue.title,
        &body,
    )
    .await?;
    Ok(catalogue)
}

/// `fupin measures import FILE`: checks a catalogue and puts it in force.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_catalogue(db: &Db, path: &Path) -> Result<Catalogue> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    catalogue_for_run(db, Some(&text)).await
}

/// The catalogue in force (the shipped default when none was loaded), as TOML.
pub async fn export_catalogue(db: &Db) -> Result<String> {
    Ok(catalogue_for_run(db, None).await?.to_toml())
}

/// The catalogue in force without storing anything (for pages), parsed once per text.
pub async fn catalogue_in_force(db: &Db) -> Result<std::sync::Arc<Catalogue>> {
    crate::rule_documents::catalogue_in_force(&mut db.reader().await?).await
}

/// A household's key for a delivery: the member's ID number, or '' for the household.
fn member_key(h: &Household, e: &Entitlement) -> String {
    e.member
        .and_then(|i| h.members.get(i))
        .map(|m| m.id_number.as_str().to_string())
        .unwrap_or_default()
}

/// One entitlement as shown: the measure, who, why, and whether it was delivered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EntitlementLine {
    pub code: String,
    pub name: String,
    pub category: &'static str,
    pub department: String,
    pub standard: String,
    pub member: Option<String>,
    /// The member's place in the household (1-based).
    pub member_seq: Option<usize>,
    pub reason: String,
    pub delivered: bool,
}

/// What a household is entitled to in `year` under `catalogue`, each with its reason and
/// whether a delivery of that year is recorded; members' names and withheld values as `viewer`
/// may see them.
pub fn entitlement_lines(
    catalogue: &Catalogue,
    household: &Household,
    year: i32,
    income: Option<&IncomeYear>,
    deliveries: &[Delivery],
    english: bool,
    viewer: &Disclosure,
) -> Vec<EntitlementLine> {
    let facts = Facts::new(household, year, income);
    catalogue
        .measures
        .iter()
        .flat_map(|m| {
            facts
                .explain(m, year, english, viewer)
                .into_iter()
                .map(move |e| (m, e))
        })
        .map(|(m, e)| {
            let key = member_key(household, &e);
            EntitlementLine {
                code: m.code.clone(),
                name: m.name.clone(),
                category: if english {
                    fupin_core::CodeList::en(m.category)
                } else {
                    fupin_core::CodeList::zh(m.category)
                },
                department: m.department.clone(),
                standard: m.standard.clone(),
                member: e
                    .member
                    .map(|i| viewer.show(Sensitive::Name, &household.members[i].name)),
                member_seq: e.member.map(|i| i + 1),
                reason: e.reason,
                delivered: deliveries.iter().any(|d| {
                    d.year == year && d.measure_code == m.code && d.member_id_number == key
                }),
            }
        })
        .collect()
}

/// What a matching run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MatchSummary {
    pub catalogue_version: String,
    pub year: i32,
    pub households: u64,
    pub entitlements: u64,
    pub delivered: u64,
    pub gaps: u64,
    pub households_with_gaps: u64,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// What every household of a matching run is matched with.
struct Run<'a> {
    catalogue: &'a Catalogue,
    year: i32,
    now: &'a str,
}

/// Counts by village, then by measure (the catalogue's order).
type VillageCounts = HashMap<String, Vec<MeasureCounts>>;

/// Matches one household: its row, and its counts added to its village's.
fn match_one(
    run: &Run,
    id: i64,
    facts: &Facts,
    household: &Household,
    delivered: &fupin_storage::Delivered,
    counts: &mut VillageCounts,
) -> HouseholdMeasures {
    use std::fmt::Write;
    let Run {
        catalogue,
        year,
        now,
    } = *run;
    let village = household.village_code.to_string();
    if !counts.contains_key(&village) {
        let empty = vec![MeasureCounts::default(); catalogue.measures.len()];
        counts.insert(village.clone(), empty);
    }
    let village_counts = counts.get_mut(&village).expect("inserted above");
    let (mut entitled, mut gaps) = (String::new(), String::new());
    let (mut n_entitled, mut n_delivered, mut n_gaps) = (0, 0, 0);
    // split once: each entitlement below is looked up in them
    let delivered: Vec<(&str, &str)> = delivered.pairs().collect();
    for (m, c) in catalogue.measures.iter().zip(village_counts.iter_mut()) {
        for member in facts.selected(m, year) {
            let key = member
                .and_then(|i| household.members.get(i))
                .map_or("", |m| m.id_number.as_str());
            let done = delivered.iter().any(|(c, k)| *c == m.code && *k == key);
            // "EDU-01" for a household measure, "EDU-01:2" for the second member
            let label = |out: &mut String| {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(&m.code);
                if let (Per::Member, Some(i)) = (m.per, member) {
                    let _ = write!(out, ":{}", i + 1);
                }
            };
            label(&mut entitled);
            n_entitled += 1;
            c.entitled += 1;
            if done {
                c.delivered += 1;
                n_delivered += 1;
            } else {
                label(&mut gaps);
                c.gaps += 1;
                n_gaps += 1;
            }
        }
    }
    HouseholdMeasures {
        household_id: id,
        year,
        catalogue_version: catalogue.version.clone(),
        village_code: village,
        entitled: n_entitled,
        delivered: n_delivered,
        gaps: n_gaps,
        entitled_codes: entitled,
        gap_codes: gaps,
        computed_at: now.to_string(),
    }
}

/// Matches every household `scope` reaches against `catalogue` for `year`, stores each
/// household's entitlements and gaps and the counts by village and measure.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn match_households(
    db: &Db,
    catalogue: &Catalogue,
    year: i32,
    scope: &Scope,
    progress: &dyn Progress,
) -> Result<MatchSummary> {
    use fupin_core::codes::HouseholdStatus;
    let started = Instant::now();
    let now = fupin_storage::now_utc();
    // rows are written by a task of their own while the area is still being read and matched
    let mut writer = db.measure_writer(scope.area(), year).await?;
    let (send, mut receive) = tokio::sync::mpsc::unbounded_channel::<Vec<HouseholdMeasures>>();
    let writing = tokio::spawn(async move {
        while let Some(rows) = receive.recv().await {
            writer.push(&rows).await?;
        }
        Ok::<_, fupin_storage::StorageError>(writer)
    });
    let with = ScanWith {
        deliveries: true,
        year_only: true,
        ..Default::default()
    };
    let owned = catalogue.clone();
    let matched = scan_in_stages(db, scope, year, with, progress, move |pages| {
        let run = Run {
            catalogue: &owned,
            year,
            now: &now,
        };
        let mut summary = MatchSummary {
            catalogue_version: owned.version.clone(),
            year,
            ..Default::default()
        };
        let mut counts: VillageCounts = HashMap::new();
        for page in pages {
            let mut rows = Vec::with_capacity(page.len());
            for s in &page {
                let h = &s.household;
                let status = s.status_of_year.unwrap_or(h.status);
                if matches!(status, HouseholdStatus::Closed | HouseholdStatus::Removed) {
                    continue;
                }
                let facts = Facts::new(h, year, s.income(year)).with_status(status);
                let row = match_one(&run, s.id, &facts, h, &s.deliveries, &mut counts);
                summary.households += 1;
                summary.entitlements += row.entitled as u64;
                summary.delivered += row.delivered as u64;
                summary.gaps += row.gaps as u64;
                summary.households_with_gaps += u64::from(row.gaps > 0);
                rows.push(row);
            }
            // a closed channel means the writer failed: its error is reported below
            let _ = send.send(rows);
        }
        (summary, counts)
    })
    .await;
    let writer = writing.await.context("the matching writer stopped")??;
    let (mut summary, counts) = matched?;
    let by_measure: HashMap<(String, String), MeasureCounts> = counts
        .into_iter()
        .flat_map(|(village, per_measure)| {
            catalogue
                .measures
                .iter()
                .zip(per_measure)
                .filter(|(_, c)| c.entitled > 0)
                .map(move |(m, c)| ((village.clone(), m.code.clone()), c))
        })
        .collect();
    writer.finish(year, &by_measure).await?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A delivery to record, as typed in or read from a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub household_number: String,
    pub measure_code: String,
    /// The member's ID number ('' for a household measure).
    pub member_id_number: String,
    pub year: i32,
    pub delivered_on: chrono::NaiveDate,
    pub amount: Option<Fen>,
    pub unit: String,
    pub evidence: String,
}

/// Checks deliveries against the catalogue and the registry and records them in one
/// transaction (all or nothing), each audited. A refusal gives every bad row's reason (naming
/// the row, 1-based as given, when there are several). Sheets of any size go through
/// [`crate::deliveries::import_deliveries`].
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn record(
    db: &Db,
    scope: &fupin_core::access::Scope,
    catalogue: &Catalogue,
    actor: &Actor,
    rows: &[(usize, NewDelivery)],
) -> crate::error::Result<u64> {
    let now = fupin_storage::now_utc();
    let numbers: Vec<&str> = rows
        .iter()
        .map(|(_, d)| d.household_number.as_str())
        .collect();
    let found = db.households_by_number(scope, &numbers).await?;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut audit = Vec::with_capacity(rows.len());
    for (row, d) in rows {
        match check_delivery(catalogue, &found, d, &actor.name, &now) {
            Ok((delivery, village_code)) => {
                audit.push(actor.entry(
                    "measure.deliver",
                    "household",
                    delivery.household_id.to_string(),
                    village_code,
                    format!("{} {}", delivery.measure_code, d.year),
                ));
                out.push(delivery);
            }
            Err(reason) if rows.len() == 1 => errors.push(reason),
            Err(reason) => errors.push(in_row(*row, &reason)),
        }
    }
    if !errors.is_empty() {
        let issues = errors
            .into_iter()
            .map(|message| crate::error::FieldIssue {
                field: None,
                member: None,
                message,
            })
            .collect();
        return Err(crate::error::ServiceError::Invalid(issues));
    }
    if out.is_empty() {
        return Err(crate::error::ServiceError::refused(
            "measure.nothing_to_record",
        ));
    }
    let mut tx = db.begin().await?;
    record_deliveries(&mut tx, &out).await?;
    tx.commit_audited(audit).await?;
    Ok(out.len() as u64)
}

/// One delivery checked against the catalogue and the households `found` (by number, within
/// the caller's scope): the row to store and the household's village, or the reason it is
/// refused, naming the column.
/// A bad row's reason with its row number.
pub(crate) fn in_row(row: usize, reason: &Message) -> Message {
    Message::new("measure.in_row").with("row", row).nested(
        "reason",
        reason,
        &crate::message_tables(),
    )
}

/// The texts of the measures use-cases' messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "measure.unknown",
        "[措施编号] 目录{version}中没有措施“{code}”",
        "[measure code] no measure {code} in catalogue {version}",
    ),
    (
        "measure.no_household",
        "[户编号] 没有户“{number}”或不在管辖范围内",
        "[household number] no household {number} within your areas",
    ),
    (
        "measure.member_required",
        "[成员证件号码] 措施{code}按人落实，须填成员",
        "[member ID number] {code} is given per member: name the member",
    ),
    (
        "measure.not_a_member",
        "[成员证件号码] 不是该户成员",
        "[member ID number] not a member of household {number}",
    ),
    (
        "measure.member_not_wanted",
        "[成员证件号码] 措施{code}按户落实，不填成员",
        "[member ID number] {code} is given per household: leave the member empty",
    ),
    (
        "measure.negative_amount",
        "[金额] 不能为负",
        "[amount] must not be negative",
    ),
    (
        "measure.nothing_to_record",
        "没有可记录的落实情况",
        "Nothing to record",
    ),
    (
        "measure.in_row",
        "第{row}行：{reason}",
        "Row {row}: {reason}",
    ),
];

pub(crate) fn check_delivery<'f>(
    catalogue: &Catalogue,
    found: &'f HashMap<String, fupin_storage::HouseholdKeys>,
    d: &NewDelivery,
    recorded_by: &str,
    recorded_at: &str,
) -> Result<(Delivery, &'f str), Message> {
    let Some(measure) = catalogue.measure(&d.measure_code) else {
        return Err(Message::new("measure.unknown")
            .with("code", &d.measure_code)
            .with("version", &catalogue.version));
    };
    let Some(keys) = found.get(&d.household_number) else {
        return Err(Message::new("measure.no_household").with("number", &d.household_number));
    };
    let member = d.member_id_number.trim();
    match (measure.per, member.is_empty()) {
        (Per::Member, true) => {
            return Err(Message::new("measure.member_required").with("code", &measure.code));
        }
        (Per::Member, false) if !keys.members.iter().any(|m| m == member) => {
            return Err(Message::new("measure.not_a_member").with("number", &d.household_number));
        }
        (Per::Household, false) => {
            return Err(Message::new("measure.member_not_wanted").with("code", &measure.code));
        }
        _ => {}
    }
    if d.amount.is_some_and(Fen::is_negative) {
        return Err(Message::new("measure.negative_amount"));
    }
    let delivery = Delivery {
        household_id: keys.id,
        measure_code: measure.code.clone(),
        member_id_number: member.to_string(),
        year: d.year,
        delivered_on: fupin_core::date::iso(d.delivered_on),
        amount: d.amount.map(|f| f.0),
        unit: d.unit.trim().to_string(),
        evidence: d.evidence.trim().to_string(),
        recorded_by: recorded_by.to_string(),
        recorded_at: recorded_at.to_string(),
    };
    Ok((delivery, &keys.village_code))
}
