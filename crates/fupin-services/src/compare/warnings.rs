//! Warnings: raising them from a comparison run and from the registry's own fields, working
//! them (assign, verify, confirm or dismiss), and counting them per area with their age.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use fupin_core::access::Scope;
use fupin_core::codes::{CodeList, HouseholdStatus, Sex};
use fupin_core::departments::{DepartmentKind, DepartmentRecord};
use fupin_core::validation::AreaLookup;
use fupin_core::warnings::duplicates::{self, RegisteredMember};
use fupin_core::warnings::rules::{
    self, YearIncome, check_amounts, check_exit_income, check_linked,
};
use fupin_core::warnings::verification::{AGEING_BUCKETS, ageing_bucket};
use fupin_core::warnings::{
    Act, Delivery, Evidence, Finding, HouseholdFacts, LinkFacts, ListEntry, Rule, RuleSettings,
    WarningState,
};
use fupin_core::{AreaCode, AreaLevel, Fen, PolicyKey};
use fupin_storage::warning_facts::{DeliveryRow, HouseholdFactsRow, RecordRow};
use fupin_storage::warnings::{
    self as store, NewWarning, Raised, WarningEvent, WarningFilter, WarningRow, WarningUpdate,
};
use fupin_storage::{Db, now_utc};

use crate::audit::{Actor, AuditSink};
use crate::error::ServiceError;
use fupin_core::message::Explained;

/// What raising found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RaiseSummary {
    /// Findings per rule (code).
    pub found: BTreeMap<&'static str, usize>,
    pub raised: Raised,
    /// Where the time went, step by step.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Runs the rules over run `run_id`'s matches (and, for an assistance roll, its unmatched
/// records) and raises what they find.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn raise_for_run(
    db: &Db,
    actor: &Actor,
    run_id: i64,
    settings: &RuleSettings,
) -> Result<RaiseSummary> {
    let started = std::time::Instant::now();
    let run = db
        .comparison_run(run_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let model: fupin_core::linkage::Model =
        serde_json::from_str(run.model.as_deref().ok_or_else(|| {
            ServiceError::Refused(fupin_core::Message::new("compare.run_unfinished"))
        })?)?;
    let (snapshot, source) = db
        .snapshot_with_source(run.snapshot_id)
        .await?
        .context("the run's list is gone")?;
    let kind = DepartmentKind::parse(&source.kind)
        .with_context(|| format!("source {:?} has an unknown kind", source.name))?;
    let year = fupin_core::date::parse_date(&snapshot.as_of)
        .map(|d| chrono::Datelike::year(&d))
        .context("the snapshot has no date")?;
    let entry = |r: RecordRow| -> Result<ListEntry> {
        Ok(ListEntry {
            source: source.name.clone(),
            kind,
            snapshot_id: snapshot.id,
            row_no: r.row_no,
            record: record_of(r)?,
        })
    };
    // an assistance roll's unmatched records are read on a second connection meanwhile
    let unmatched = (kind == DepartmentKind::Assistance).then(|| {
        let (db, snapshot_id) = (db.clone(), run.snapshot_id);
        tokio::spawn(async move { db.run_unmatched(run_id, snapshot_id).await })
    });
    let mut findings = Vec::new();
    let linked_rules = kind.excludes() || kind == DepartmentKind::Assistance;
    if linked_rules {
        let deliveries = if matches!(kind, DepartmentKind::Death | DepartmentKind::Assistance) {
            deliveries_by_household(db.run_deliveries(run_id).await?)
        } else {
            HashMap::new()
        };
        let mut by_household: BTreeMap<i64, (HouseholdFacts, Vec<(ListEntry, LinkFacts)>)> =
            BTreeMap::new();
        for row in db.run_matches(run_id, run.snapshot_id).await? {
            let household = household_of(&row.household)?;
            let parts = super::run::explain_parts(
                &model,
                fupin_core::linkage::Pattern(row.pattern as u16),
                Some(row.method),
            );
            let link = LinkFacts {
                member_id_number: row.member_id_number,
                member_name: row.member_name,
                probability: row.probability,
                explanation: super::run::text_of(&parts),
                parts,
            };
            let e = entry(row.record)?;
            let delivered = deliveries.get(&household.id).map_or(&[][..], Vec::as_slice);
            findings.extend(check_linked(&e, &link, &household, delivered, settings));
            by_household
                .entry(household.id)
                .or_insert_with(|| (household, Vec::new()))
                .1
                .push((e, link));
        }
        if kind == DepartmentKind::Assistance {
            for (id, (household, linked)) in &by_household {
                let delivered = deliveries.get(id).map_or(&[][..], Vec::as_slice);
                findings.extend(check_amounts(household, linked, delivered, year, settings));
            }
        }
    }
    if let Some(unmatched) = unmatched {
        let areas = db.area_index().await?;
        let run_area = match run.area_code.as_str() {
            "" => None,
            code => Some(AreaCode::parse(code)?),
        };
        let fallback = match &run_area {
            None => root_area(&areas)?,
            Some(a) => a.clone(),
        };
        for r in unmatched.await?? {
            let e = entry(r)?;
            let known = |a: &AreaCode| {
                run_area.as_ref().is_none_or(|r| r.contains(a)) && areas.level_of(a).is_some()
            };
            let found = rules::check_unlinked(&e, known, run_area.as_ref(), &fallback, settings);
            findings.extend(found);
        }
    }
    let read_and_checked = started.elapsed();
    let mut summary = store_findings(db, actor, &findings, Some(run_id)).await?;
    summary
        .timings
        .insert(0, ("read facts and apply the rules", read_and_checked));
    Ok(summary)
}

/// Runs the registry's own rules inside `area` (all with `None`): the same person in two
/// households, exits with income not above the line, and field visits of the last
/// `nominal_help_days` that look like help on paper only.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn scan_registry(
    db: &Db,
    actor: &Actor,
    area: Option<&AreaCode>,
    settings: &RuleSettings,
) -> Result<RaiseSummary> {
    let scope = Scope::operator_within(area.cloned());
    let mut findings = Vec::new();
    if settings.enabled(Rule::Duplicate) {
        let members: Vec<RegisteredMember> = db
            .scan_members(&scope)
            .await?
            .into_iter()
            .map(|m| {
                Ok(RegisteredMember {
                    household_id: m.household_id,
                    household_number: m.number,
                    village: AreaCode::parse(&m.village_code)?,
                    birth_date: fupin_core::date::parse_date(&m.birth_date)
                        .with_context(|| format!("member birth date {:?}", m.birth_date))?,
                    sex: Sex::parse(&m.sex).with_context(|| format!("member sex {:?}", m.sex))?,
                    id_number: m.id_number,
                    name: m.name,
                })
            })
            .collect::<Result<_>>()?;
        findings.extend(duplicates::find(&members));
    }
    let policy = db.policy().await?;
    let mut incomes: BTreeMap<i64, (HouseholdFacts, Vec<YearIncome>)> = BTreeMap::new();
    for row in db.exit_incomes(&scope).await? {
        let household = household_of(&row.household)?;
        let Some(line) = policy.money(PolicyKey::ExitIncomeLine, row.year, &household.village)
        else {
            continue;
        };
        incomes
            .entry(household.id)
            .or_insert_with(|| (household, Vec::new()))
            .1
            .push(YearIncome {
                year: row.year,
                per_capita: Fen(row.per_capita),
                line,
            });
    }
    for (household, years) in incomes.values() {
        findings.extend(check_exit_income(household, years, settings));
    }
    if settings.enabled(Rule::NominalHelp) {
        findings.extend(nominal_help(db, &scope, settings, chrono::Utc::now()).await?);
    }
    store_findings(db, actor, &findings, None).await
}

/// Runs only the rule for help on paper only inside `area`, on the visits of the
/// `nominal_help_days` before `now`.
pub async fn scan_nominal_help(
    db: &Db,
    actor: &Actor,
    area: Option<&AreaCode>,
    settings: &RuleSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RaiseSummary> {
    let scope = Scope::operator_within(area.cloned());
    let findings = nominal_help(db, &scope, settings, now).await?;
    store_findings(db, actor, &findings, None).await
}

async fn nominal_help(
    db: &Db,
    scope: &Scope,
    settings: &RuleSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Finding>> {
    let since = now - chrono::Duration::days(settings.nominal_help_days);
    Ok(crate::field::patterns::findings_since(db, scope, since, &settings.nominal_help).await?)
}

async fn store_findings(
    db: &Db,
    actor: &Actor,
    findings: &[Finding],
    run_id: Option<i64>,
) -> Result<RaiseSummary> {
    let mut found = BTreeMap::new();
    let mut rows = Vec::with_capacity(findings.len());
    for f in findings {
        *found.entry(f.rule.code()).or_insert(0) += 1;
        rows.push(NewWarning {
            rule: f.rule.code().into(),
            evidence_key: f.key.clone(),
            area_code: f.area.to_string(),
            household_id: f.household_id,
            related_household_id: f.related_household_id,
            subject: f.subject.clone(),
            evidence: serde_json::to_string(&f.evidence)?,
        });
    }
    let now = now_utc();
    let storing = std::time::Instant::now();
    let mut tx = db.begin().await?;
    let raised = store::raise(&mut tx, &rows, run_id, &actor.name, &now).await?;
    let detail = format!(
        "{} findings: {} opened, {} still open, {} closed before",
        findings.len(),
        raised.opened,
        raised.still_open,
        raised.kept_closed
    );
    let target = run_id.map_or_else(|| "registry".to_string(), |r| r.to_string());
    let entry = actor.entry("warning.raise", "warning", target, "", detail);
    tx.commit_audited(vec![entry]).await?;
    let timings = vec![("store", storing.elapsed())];
    Ok(RaiseSummary {
        found,
        raised,
        timings,
    })
}

fn record_of(r: RecordRow) -> Result<DepartmentRecord> {
    let date = |t: Option<String>| t.as_deref().and_then(fupin_core::date::parse_date);
    Ok(DepartmentRecord {
        key: r.record_key,
        id_number: r.id_number,
        name: r.name,
        sex: r.sex.as_deref().and_then(Sex::parse),
        birth_date: date(r.birth_date),
        place: r.place,
        date: date(r.event_date),
        amount: r.amount.map(Fen),
        detail: r.detail,
    })
}

fn household_of(h: &HouseholdFactsRow) -> Result<HouseholdFacts> {
    Ok(HouseholdFacts {
        id: h.household_id,
        number: h.number.clone(),
        village: AreaCode::parse(&h.village_code)?,
        status: HouseholdStatus::parse(&h.status)
            .ok_or_else(|| anyhow!("household {} has status {:?}", h.number, h.status))?,
        exit_year: h.exit_year,
        monitored: h.monitoring.as_deref().is_some_and(|m| !m.is_empty()),
        relocated: h.relocated,
        members: u32::try_from(h.member_count).unwrap_or(0),
    })
}

fn deliveries_by_household(rows: Vec<DeliveryRow>) -> HashMap<i64, Vec<Delivery>> {
    let mut by: HashMap<i64, Vec<Delivery>> = HashMap::new();
    for d in rows {
        by.entry(d.household_id).or_default().push(Delivery {
            measure: d.measure_code,
            member_id_number: d.member_id_number,
            year: d.year,
            delivered_on: fupin_core::date::parse_date(&d.delivered_on),
            amount: d.amount.map(Fen),
        });
    }
    by
}

/// The top of the loaded divisions (where a warning goes when nothing narrower is known).
fn root_area(areas: &fupin_storage::areas::AreaIndex) -> Result<AreaCode> {
    areas
        .codes()
        .filter_map(|c| AreaCode::parse(c).ok())
        .min_by_key(|c| (c.level(), c.clone()))
        .context("没有行政区划 / no areas are loaded")
}

/// A warning with what it shows: the evidence read back and its history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningView {
    pub warning: WarningRow,
    pub rule: Rule,
    pub state: WarningState,
    pub evidence: Evidence,
    pub events: Vec<WarningEvent>,
}

/// One warning inside `scope`, audited as a read of personal data (recorded before it is
/// returned, see [`AuditSink::record`]).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn view(
    db: &Db,
    reads: &AuditSink,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> Result<Option<WarningView>> {
    let Some(warning) = db.warning(scope, id).await? else {
        return Ok(None);
    };
    let events = db.warning_events(scope, id).await?;
    let entry = actor.entry(
        "warning.view",
        "warning",
        id.to_string(),
        &warning.area_code,
        "",
    );
    reads.record(entry).await?;
    Ok(Some(view_of(warning, events)?))
}

fn view_of(warning: WarningRow, events: Vec<WarningEvent>) -> Result<WarningView> {
    Ok(WarningView {
        rule: Rule::parse(&warning.rule).with_context(|| format!("rule {:?}", warning.rule))?,
        state: WarningState::parse(&warning.state)
            .with_context(|| format!("state {:?}", warning.state))?,
        evidence: serde_json::from_str(&warning.evidence)?,
        warning,
        events,
    })
}

/// Does `act` to warning `id` inside `scope`: checked by the state machine, stored with its
/// event, audited. An assignment must stay inside the scope and name a known area.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn act(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    act: Act,
) -> crate::error::Result<WarningView> {
    if let Act::Assign { area } = &act {
        // an area outside the scope is answered like one that does not exist
        if db.area(scope, area).await?.is_none() {
            let unknown = fupin_core::Message::new("warning.no_area").with("area", area);
            return Err(ServiceError::Refused(unknown));
        }
    }
    let mut tx = db.begin().await?;
    let warning = store::warning_for_update(&mut tx, scope, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let state = WarningState::parse(&warning.state)
        .with_context(|| format!("state {:?}", warning.state))?;
    let after = act
        .apply(state)
        .map_err(|e| ServiceError::Refused(e.message()))?;
    let now = now_utc();
    let update = WarningUpdate {
        state: after.code().into(),
        area_code: match &act {
            Act::Assign { area } => area.to_string(),
            _ => warning.area_code.clone(),
        },
        resolution: match &act {
            Act::Confirm { resolution, .. } => Some(resolution.code().into()),
            _ => None,
        },
        closed: after.is_closed(),
        event: WarningEvent {
            at: now,
            actor: actor.name.clone(),
            act: serde_json::to_string(&act).map_err(anyhow::Error::from)?,
            state_after: after.code().into(),
            note: act.describe(),
        },
    };
    store::record_act(&mut tx, id, &update).await?;
    let entry = actor.entry(
        "warning.act",
        "warning",
        id.to_string(),
        &update.area_code,
        update.event.note.clone(),
    );
    tx.commit_audited(vec![entry]).await?;
    let warning = db.warning(scope, id).await?.context("warning gone")?;
    Ok(view_of(warning, db.warning_events(scope, id).await?)?)
}

/// A page of warnings inside `scope` (audited: the list names people).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn list(
    db: &Db,
    reads: &AuditSink,
    actor: &Actor,
    scope: &Scope,
    filter: &WarningFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<WarningRow>, i64)> {
    let (rows, total) = db.warnings_within(scope, filter, offset, limit).await?;
    let area = scope.area().map_or("", AreaCode::as_str);
    let entry = actor.entry(
        "warning.list",
        "warning",
        "",
        area,
        format!("{} of {total}", rows.len()),
    );
    reads.record(entry).await?;
    Ok((rows, total))
}

/// Warnings of one area (or of those below it assigned to it directly), by state, with the
/// unresolved ones by age.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AreaWarnings {
    pub area_code: String,
    pub open: i64,
    pub verifying: i64,
    pub confirmed: i64,
    pub dismissed: i64,
    /// Unresolved (open or being verified) by days since opened: see `AGEING_BUCKETS`.
    pub ageing: [i64; AGEING_BUCKETS.len()],
    /// Unresolved per rule (code).
    pub by_rule: BTreeMap<String, i64>,
}

impl AreaWarnings {
    pub fn unresolved(&self) -> i64 {
        self.open + self.verifying
    }
}

/// Counts and ageing inside `scope`, one row per area one level below `under` (the scope's
/// area, or all when it has none) plus `under` itself for warnings assigned to it directly;
/// the first row is the total.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn summary(
    db: &Db,
    scope: &Scope,
    under: Option<&AreaCode>,
    today: NaiveDate,
) -> Result<Vec<AreaWarnings>> {
    let under = under.or(scope.area());
    if let Some(u) = under
        && !scope.contains_area(u)
    {
        // outside is answered as nowhere
        bail!(ServiceError::NotFound);
    }
    let child_level = under.map_or(Some(AreaLevel::Province), |u| u.level().child());
    let mut total = AreaWarnings {
        area_code: under.map_or_else(String::new, ToString::to_string),
        ..AreaWarnings::default()
    };
    let mut rows: BTreeMap<String, AreaWarnings> = BTreeMap::new();
    for t in db.warning_tallies(scope).await? {
        let Ok(code) = AreaCode::parse(&t.area_code) else {
            continue;
        };
        if under.is_some_and(|u| !u.contains(&code)) {
            continue;
        }
        let group = match child_level {
            Some(level) if code.level() >= level => code.ancestor(level).to_string(),
            _ => total.area_code.clone(),
        };
        let days = fupin_core::date::parse_date(&t.opened_on).map_or(0, |d| (today - d).num_days());
        for row in [rows.entry(group).or_default(), &mut total] {
            add(row, &t.state, &t.rule, t.n, days);
        }
    }
    let mut out = vec![total];
    for (code, mut row) in rows {
        row.area_code = code;
        out.push(row);
    }
    Ok(out)
}

fn add(row: &mut AreaWarnings, state: &str, rule: &str, n: i64, days: i64) {
    match WarningState::parse(state) {
        Some(WarningState::Open) => row.open += n,
        Some(WarningState::Verifying) => row.verifying += n,
        Some(WarningState::Confirmed) => row.confirmed += n,
        Some(WarningState::Dismissed) => row.dismissed += n,
        None => return,
    }
    if matches!(state, "open" | "verifying") {
        row.ageing[ageing_bucket(days)] += n;
        *row.by_rule.entry(rule.to_string()).or_insert(0) += n;
    }
}

/// The warnings about one household, for its record page.
pub async fn of_household(db: &Db, scope: &Scope, household_id: i64) -> Result<Vec<WarningView>> {
    db.household_warnings(scope, household_id)
        .await?
        .into_iter()
        .map(|w| view_of(w, Vec::new()))
        .collect()
}
