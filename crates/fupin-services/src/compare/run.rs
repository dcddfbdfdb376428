//! The comparison use-cases: importing a department list as a snapshot, linking a snapshot to
//! the registry's members (within an area), and exporting a run's links for review.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use fupin_core::AreaCode;
use fupin_core::CodeList;
use fupin_core::Message;
use fupin_core::codes::Sex;
use fupin_core::departments::{ColumnMapping, DepartmentKind, DepartmentRecord};
use fupin_core::linkage::{
    Decision, Link, Method, Model, Person, Place, Registry, Settings, Stats,
};
use fupin_core::warnings::LinkPart;
use fupin_storage::comparison::{self as store, NewLink, NewRecord, RunRow, SourceRow};
use fupin_storage::{Db, now_utc};
use sha2::{Digest, Sha256};

use crate::audit::{Actor, AuditSink};
use crate::error::ServiceError;
use crate::progress::Progress;
use crate::sheet::refused;

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub source: SourceRow,
    pub snapshot_id: i64,
    /// False when this very file had been imported for the source before (nothing written).
    pub new: bool,
    pub records: usize,
    pub unused_headers: Vec<String>,
    pub encoding: &'static str,
}

/// Imports `path` as a snapshot of the source `name` of `owner` (`None`: the whole
/// installation) dated `as_of`. A new source needs its `kind`; the column mapping is `mapping`
/// if given (and then saved with the source), else the source's saved one, else the kind's
/// default. All or nothing; the same file twice is one snapshot.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_list(
    db: &Db,
    actor: &Actor,
    owner: Option<&AreaCode>,
    name: &str,
    kind: Option<DepartmentKind>,
    mapping: Option<ColumnMapping>,
    path: &Path,
    as_of: NaiveDate,
) -> Result<Imported> {
    let file = ListFile {
        path,
        name: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
    };
    import_file(db, actor, owner, name, kind, mapping, file, as_of).await
}

/// As [`import_list`], for a file uploaded through the console by an account of area `owner`
/// (the list is that area's): `file_name` as the browser sent it (its extension says CSV or
/// XLSX), `bytes` its content.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_upload(
    db: &Db,
    actor: &Actor,
    owner: &AreaCode,
    name: &str,
    kind: Option<DepartmentKind>,
    mapping: Option<ColumnMapping>,
    (file_name, bytes): (&str, &[u8]),
    as_of: NaiveDate,
) -> Result<Imported> {
    let (_dir, path) = uploaded_file(file_name, bytes)?;
    let file = ListFile {
        path: &path,
        name: file_name.to_string(),
    };
    import_file(db, actor, Some(owner), name, kind, mapping, file, as_of).await
}

/// An uploaded file written to a directory of its own (removed when the guard drops): the
/// readers work on files and tell the format by the extension; a name of our own keeps the
/// browser's name out of the file system.
pub fn uploaded_file(file_name: &str, bytes: &[u8]) -> Result<(tempfile::TempDir, PathBuf)> {
    let extension = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| matches!(e.as_str(), "csv" | "txt" | "xlsx" | "xls"))
        .ok_or_else(|| {
            refused(
                Message::new("sheet.not_a_sheet")
                    .with("file", fupin_core::fields::excerpt(file_name)),
            )
        })?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(format!("upload.{extension}"));
    std::fs::write(&path, bytes)?;
    Ok((dir, path))
}

/// Rows of a list the column-mapping form shows.
const PREVIEW_ROWS: usize = 5;

/// What the column-mapping form shows of an uploaded list before it is imported: the first
/// rows and the column each field would be read from (by the source's saved mapping, then the
/// kind's default), with the source's kind. Refused as [`import_upload`] would refuse the
/// source (a new one without a kind, another kind than the source's).
pub async fn preview_upload(
    db: &Db,
    owner: &AreaCode,
    name: &str,
    kind: Option<DepartmentKind>,
    (file_name, bytes): (&str, &[u8]),
) -> Result<(DepartmentKind, super::lists::ListPreview)> {
    let plan = source_plan(db, Some(owner), name, kind).await?;
    let (_dir, path) = uploaded_file(file_name, bytes)?;
    let default = plan.kind.default_mapping();
    let preview = tokio::task::spawn_blocking(move || {
        let mappings: Vec<&ColumnMapping> = plan.saved.iter().chain([&default]).collect();
        super::lists::preview(&path, &mappings, PREVIEW_ROWS)
    })
    .await??;
    Ok((plan.kind, preview))
}

/// A source as an import finds it: its kind, and its saved mapping if it has one.
struct SourcePlan {
    kind: DepartmentKind,
    saved: Option<ColumnMapping>,
}

/// The source `name` of `owner` as an import of `kind` would use it: a new source needs its
/// kind, an existing one keeps its own.
async fn source_plan(
    db: &Db,
    owner: Option<&AreaCode>,
    name: &str,
    kind: Option<DepartmentKind>,
) -> Result<SourcePlan> {
    let name = name.trim();
    if name.is_empty() {
        return Err(refused(Message::new("compare.source_needs_name")));
    }
    // names are the owner's own: another area's list of the same name is not this one
    let owner_code = owner.map_or("", AreaCode::as_str);
    let existing = db.department_source(owner_code, name).await?;
    let kind = match (&existing, kind) {
        (Some(s), Some(k)) if s.kind != k.code() => {
            let stored = DepartmentKind::parse(&s.kind);
            let m = Message::new("compare.source_of_other_kind")
                .with("name", name)
                .label("asked", k);
            return Err(refused(match stored {
                Some(stored) => m.label("kind", stored),
                None => m.with("kind", &s.kind),
            }));
        }
        (Some(s), _) => DepartmentKind::parse(&s.kind)
            .with_context(|| format!("source {name:?} has an unknown kind {:?}", s.kind))?,
        (None, Some(k)) => k,
        (None, None) => {
            return Err(refused(
                Message::new("compare.new_source_needs_kind").with("name", name),
            ));
        }
    };
    let saved = existing
        .as_ref()
        .map(|s| serde_json::from_str(&s.mapping))
        .transpose()
        .with_context(|| format!("source {name:?} has an unreadable mapping"))?;
    Ok(SourcePlan { kind, saved })
}

/// A list's file: where it is read from and the name it is recorded under.
struct ListFile<'a> {
    path: &'a Path,
    name: String,
}

#[allow(clippy::too_many_arguments)]
async fn import_file(
    db: &Db,
    actor: &Actor,
    owner: Option<&AreaCode>,
    name: &str,
    kind: Option<DepartmentKind>,
    mapping: Option<ColumnMapping>,
    file: ListFile<'_>,
    as_of: NaiveDate,
) -> Result<Imported> {
    let path = file.path;
    let name = name.trim();
    let owner_code = owner.map_or("", AreaCode::as_str);
    let plan = source_plan(db, owner, name, kind).await?;
    let kind = plan.kind;
    let mapping = match (mapping, plan.saved) {
        (Some(m), _) | (None, Some(m)) => m,
        (None, None) => kind.default_mapping(),
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let owned = path.to_owned();
    let map = mapping.clone();
    let read = tokio::task::spawn_blocking(move || super::lists::read(&owned, &map)).await??;
    let now = now_utc();
    let file_name = file.name;
    let mut tx = db.begin().await?;
    let source = store::upsert_source(
        &mut tx,
        owner_code,
        name,
        kind.code(),
        &serde_json::to_string(&mapping)?,
        &now,
    )
    .await?;
    let (snapshot_id, new) = store::insert_snapshot(
        &mut tx,
        source.id,
        &fupin_core::date::iso(as_of),
        &file_name,
        &sha256,
        read.records.len() as i64,
        &actor.name,
        &now,
    )
    .await?;
    if new {
        store::insert_records(&mut tx, snapshot_id, read.records.iter().map(new_record)).await?;
    }
    // a list seen before changes nothing, so nothing is recorded
    let audit = new.then(|| {
        let detail = format!(
            "snapshot {snapshot_id} of {name} ({}), {} records, sha256 {sha256}",
            kind.code(),
            read.records.len()
        );
        actor.entry(
            "compare.import",
            "department_list",
            file_name,
            owner_code,
            detail,
        )
    });
    tx.commit_audited(audit.into_iter().collect()).await?;
    Ok(Imported {
        source,
        snapshot_id,
        new,
        records: read.records.len(),
        unused_headers: read.unused,
        encoding: read.encoding,
    })
}

fn new_record((row_no, r): &(usize, DepartmentRecord)) -> NewRecord {
    NewRecord {
        row_no: *row_no as i64,
        record_key: r.key.clone(),
        id_number: r.id_number.clone(),
        name: r.name.clone(),
        sex: r.sex.map(|s| s.code().to_string()),
        birth_date: r.birth_date.map(fupin_core::date::iso),
        place: r.place.clone(),
        event_date: r.date.map(fupin_core::date::iso),
        amount: r.amount.map(|a| a.0),
        detail: r.detail.clone(),
    }
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run_id: i64,
    pub stats: Stats,
    pub model: Model,
    pub members: usize,
    pub timings: Vec<(&'static str, Duration)>,
}

/// Links snapshot `snapshot_id` to the members of the households within `area` (all with
/// `None`), stores every record's link and the model, and audits the run. A list is compared
/// only where its owner's area and `area` meet (`departments::run_area`): a county's list over
/// that county even when a province asks, and not at all for another county (refused exactly
/// as a snapshot that does not exist).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn run(
    db: &Db,
    actor: &Actor,
    snapshot_id: i64,
    area: Option<&AreaCode>,
    settings: &Settings,
    today: NaiveDate,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    // a snapshot outside the caller's areas is not told apart from one that does not exist
    let not_found = || anyhow::Error::from(ServiceError::NotFound);
    let (_, source) = db
        .snapshot_with_source(snapshot_id)
        .await?
        .ok_or_else(not_found)?;
    let owner = owner_area(&source)?;
    let area = fupin_core::departments::run_area(owner.as_ref(), area).ok_or_else(not_found)?;
    let area = area.as_ref();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |what: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((what, clock.elapsed()));
        clock = Instant::now();
    };
    progress.start(Some(4));
    let villages = db.household_villages(area).await?;
    let max_id = villages.last().map_or(0, |v| v.0);
    let mut place_of: Vec<Option<Place>> = vec![None; max_id as usize + 1];
    for (id, village) in &villages {
        place_of[*id as usize] = Place::new(village);
    }
    drop(villages);
    let place_of = std::sync::Arc::new(place_of);
    let (max_member, max_row) = db.linkage_extent(snapshot_id).await?;
    // each list read in two halves side by side: two connections, two threads
    let member_half = |range: (i64, i64)| {
        let (db, place_of) = (db.clone(), place_of.clone());
        tokio::spawn(async move {
            db.linkage_members(range, |m| member_person(&place_of, m))
                .await
        })
    };
    let record_half = |range: (i64, i64)| {
        let db = db.clone();
        tokio::spawn(async move {
            db.snapshot_records(snapshot_id, range, |r| (r.row_no, record_person(&r, today)))
                .await
        })
    };
    let (m1, m2) = (
        member_half((1, max_member / 2)),
        member_half((max_member / 2 + 1, max_member)),
    );
    let (r1, r2) = (
        record_half((0, max_row / 2)),
        record_half((max_row / 2 + 1, max_row)),
    );
    // moved half by half into their final vectors: a province's lists are gigabytes
    let (mut people, mut ids) = (Vec::new(), Vec::new());
    for half in [m1.await??, m2.await??] {
        for (person, member_id, household_id) in half.into_iter().flatten() {
            people.push(person);
            ids.push((member_id, household_id));
        }
    }
    let (mut rows, mut persons) = (Vec::new(), Vec::new());
    for half in [r1.await??, r2.await??] {
        for (row_no, person) in half {
            rows.push(row_no);
            persons.push(person);
        }
    }
    lap("read members and records", &mut timings);
    progress.advance(2);
    if persons.is_empty() {
        return Err(refused(
            Message::new("compare.snapshot_empty").with("snapshot", snapshot_id),
        ));
    }
    let member_count = people.len();
    let settings_json = serde_json::to_string(settings)?;
    let (outcome, index_time) = tokio::task::spawn_blocking({
        let settings = settings.clone();
        move || {
            let started = Instant::now();
            let registry = Registry::new(people);
            let index_time = started.elapsed();
            (registry.link(&persons, &settings), index_time)
        }
    })
    .await?;
    timings.push(("index members", index_time));
    lap("link", &mut timings);
    if let Some(last) = timings.last_mut() {
        last.1 = last.1.saturating_sub(index_time);
    }
    progress.advance(1);
    let now = now_utc();
    let area_code = area.map_or("", |a| a.as_str());
    let mut tx = db.begin().await?;
    let run_id = store::insert_run(
        &mut tx,
        snapshot_id,
        area_code,
        &settings_json,
        &actor.name,
        &now,
    )
    .await?;
    // boxed: the closure's own type held across the insert's awaits makes the future not
    // `Send` (a higher-ranked lifetime rustc cannot prove), which the web handler needs
    let links: Box<dyn Iterator<Item = NewLink> + Send + '_> =
        Box::new(outcome.links.iter().filter_map(|l: &Link| {
            let member = l.member?;
            let (member_id, household_id) = ids[member as usize];
            Some(NewLink {
                row_no: rows[l.record as usize],
                member_id,
                household_id,
                runner_up: l.runner_up.map(|r| ids[r as usize].0),
                pattern: i32::from(l.pattern.0),
                bits: f64::from(l.bits),
                probability: f64::from(l.probability),
                decision: decision_code(l.decision),
                method: method_code(l.method),
            })
        }));
    store::insert_links(&mut tx, run_id, links).await?;
    store::finish_run(
        &mut tx,
        run_id,
        &serde_json::to_string(&outcome.model)?,
        &serde_json::to_string(&outcome.stats)?,
        &now_utc(),
    )
    .await?;
    let detail = format!(
        "run {run_id} of snapshot {snapshot_id} against {member_count} members: {} matches, {} for review",
        outcome.stats.matches, outcome.stats.reviews
    );
    let entry = actor.entry(
        "compare.run",
        "comparison",
        run_id.to_string(),
        area_code,
        detail,
    );
    tx.commit_audited(vec![entry]).await?;
    lap("write links", &mut timings);
    progress.advance(1);
    progress.finish();
    Ok(RunSummary {
        run_id,
        stats: outcome.stats,
        model: outcome.model,
        members: member_count,
        timings,
    })
}

/// A member as linkage compares it, with its member and household ids; `None` outside the
/// run's area.
fn member_person(
    place_of: &[Option<Place>],
    m: fupin_storage::comparison::MemberView<'_>,
) -> Option<(Person, i64, i64)> {
    let place = place_of.get(m.household_id as usize).copied().flatten()?;
    let person = Person::registered(
        m.id_number,
        m.name,
        fupin_core::date::parse_date(m.birth_date),
        Sex::parse(m.sex),
        Some(place),
    );
    Some((person, m.member_id, m.household_id))
}

fn record_person(r: &fupin_storage::comparison::RecordView<'_>, today: NaiveDate) -> Person {
    Person::from_record(
        r.id_number,
        r.name,
        r.birth_date.and_then(fupin_core::date::parse_date),
        r.sex.and_then(Sex::parse),
        r.place,
        today,
    )
}

pub fn decision_code(d: Decision) -> i32 {
    match d {
        Decision::Match => 0,
        Decision::Review => 1,
        Decision::NoMatch => 2,
    }
}

pub fn decision_of(code: i32) -> Decision {
    match code {
        0 => Decision::Match,
        1 => Decision::Review,
        _ => Decision::NoMatch,
    }
}

pub fn method_code(m: Method) -> i32 {
    match m {
        Method::ExactId => 0,
        Method::Probabilistic => 1,
        Method::IdNotInRegistry => 2,
        Method::NoCandidate => 3,
    }
}

pub fn method_of(code: i32) -> Method {
    match code {
        0 => Method::ExactId,
        1 => Method::Probabilistic,
        2 => Method::IdNotInRegistry,
        _ => Method::NoCandidate,
    }
}

/// The area owning `source` (`None`: the whole installation).
pub fn owner_area(source: &SourceRow) -> Result<Option<AreaCode>> {
    if source.area_code.is_empty() {
        return Ok(None);
    }
    Ok(Some(AreaCode::parse(&source.area_code).with_context(
        || {
            format!(
                "source {:?} has an unreadable owner {:?}",
                source.name, source.area_code
            )
        },
    )?))
}

/// The latest snapshot of `source`.
pub async fn latest_snapshot(db: &Db, source: &SourceRow) -> Result<i64> {
    let snapshots = db.snapshots_of(source.id).await?;
    let name = &source.name;
    Ok(snapshots
        .first()
        .ok_or_else(|| refused(Message::new("compare.source_without_list").with("name", name)))?
        .id)
}

/// The source `name` for the operator at the command line, who sees every area's lists: the
/// one of `owner` if given (`None` there: the whole installation's), else the installation's
/// own, else the only one of that name; several of that name and no owner given: the owners
/// to choose from.
pub async fn source_for_operator(
    db: &Db,
    name: &str,
    owner: Option<&AreaCode>,
) -> Result<SourceRow> {
    if let Some(o) = owner {
        return db
            .department_source(o.as_str(), name)
            .await?
            .ok_or_else(|| {
                refused(
                    Message::new("compare.no_source_in_area")
                        .with("area", o)
                        .with("name", name),
                )
            });
    }
    let mut all = db.department_sources_named(name).await?;
    if let Some(i) = all.iter().position(|s| s.area_code.is_empty()) {
        return Ok(all.swap_remove(i));
    }
    match all.len() {
        0 => Err(refused(
            Message::new("compare.no_source_named").with("name", name),
        )),
        1 => Ok(all.remove(0)),
        _ => {
            let owners: Vec<&str> = all.iter().map(|s| s.area_code.as_str()).collect();
            Err(refused(
                Message::new("compare.source_ambiguous")
                    .with("name", name)
                    .with_list("owners", &owners, &owners),
            ))
        }
    }
}

pub const EXPORT_HEADER: [&str; 11] = [
    "记录行号",
    "记录编号",
    "记录身份证号",
    "记录姓名",
    "成员身份证号",
    "成员姓名",
    "户编号",
    "得分",
    "概率",
    "结论",
    "依据",
];

/// Writes every record of `run` with its link as CSV; returns the rows written.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn export_links(
    db: &Db,
    reads: &AuditSink,
    actor: &Actor,
    run: &RunRow,
    path: &Path,
) -> Result<u64> {
    let model: Option<Model> = run.model.as_deref().map(serde_json::from_str).transpose()?;
    let model = model.ok_or_else(|| refused(Message::new("compare.run_unfinished")))?;
    let mut out = crate::sheet::SheetWriter::create(
        path,
        crate::sheet::Format::Csv,
        &EXPORT_HEADER,
        "links",
    )?;
    let mut failed = None;
    let n = db
        .export_links(run, &mut |page| {
            for l in page {
                let explanation = l
                    .pattern
                    .map(|p| explain_text(&model, fupin_core::linkage::Pattern(p as u16), l.method))
                    .unwrap_or_default();
                let decision = l.decision.map_or(Decision::NoMatch, decision_of);
                let row = [
                    l.row_no.to_string(),
                    l.record_key,
                    l.record_id_number,
                    l.record_name,
                    l.member_id_number.unwrap_or_default(),
                    l.member_name.unwrap_or_default(),
                    l.household_number.unwrap_or_default(),
                    l.bits.map(|b| format!("{b:.1}")).unwrap_or_default(),
                    l.probability.map(|p| format!("{p:.4}")).unwrap_or_default(),
                    decision_label(decision).to_string(),
                    explanation,
                ];
                if let Err(e) = out.write_row(&row) {
                    failed.get_or_insert(e);
                }
            }
            Ok(())
        })
        .await?;
    if let Some(e) = failed {
        return Err(e);
    }
    out.finish()?;
    let entry = actor.entry(
        "compare.export",
        "comparison",
        run.id.to_string(),
        &run.area_code,
        format!("{n} rows to {}", path.display()),
    );
    reads.record(entry).await?;
    Ok(n)
}

pub fn decision_label(d: Decision) -> &'static str {
    match d {
        Decision::Match => "匹配 match",
        Decision::Review => "待核实 review",
        Decision::NoMatch => "不匹配 no match",
    }
}

/// "姓名同音 name sounds alike +6.2; 出生日期一致 birth date equal +14.6; …" for a stored
/// pattern (the export and the command line show both languages).
pub fn explain_text(
    model: &Model,
    pattern: fupin_core::linkage::Pattern,
    method: Option<i32>,
) -> String {
    text_of(&explain_parts(model, pattern, method))
}

/// The parts of [`explain_text`] as one line.
pub fn text_of(parts: &[LinkPart]) -> String {
    parts
        .iter()
        .map(|p| match p.weight {
            Some(w) => format!("{} {} {w:+.1}", p.zh, p.en),
            None => format!("{} {}", p.zh, p.en),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How each field of a stored pattern compared, with its weight: the ID number alone where it
/// decided the link, then the other fields.
pub fn explain_parts(
    model: &Model,
    pattern: fupin_core::linkage::Pattern,
    method: Option<i32>,
) -> Vec<LinkPart> {
    let e = model.explain(pattern, 0.0);
    let by_id = method.map(method_of) == Some(Method::ExactId);
    let mut parts = Vec::new();
    if by_id {
        parts.push(LinkPart {
            zh: "身份证号一致".into(),
            en: "ID number equal".into(),
            weight: None,
        });
    }
    for f in &e.fields {
        if f.field == fupin_core::linkage::LinkField::Id && by_id {
            continue;
        }
        parts.push(match f.level {
            Some(level) => {
                let (zh, en) = f.field.levels()[usize::from(level)];
                LinkPart {
                    zh: zh.into(),
                    en: en.into(),
                    weight: Some(f.bits),
                }
            }
            None => LinkPart {
                zh: format!("{}缺失", f.field.label().0),
                en: format!("{} missing", f.field.label().1),
                weight: None,
            },
        });
    }
    parts
}

/// The texts of the messages of comparison runs and list sources.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "compare.source_needs_name",
        "数据源名称不能为空",
        "the source needs a name",
    ),
    (
        "compare.source_of_other_kind",
        "数据源“{name}”的类别是{kind}，不是{asked}",
        "source “{name}” is of kind {kind}, not {asked}",
    ),
    (
        "compare.new_source_needs_kind",
        "新数据源“{name}”需要指定类别",
        "a new source “{name}” needs a kind",
    ),
    (
        "compare.source_without_list",
        "数据源“{name}”还没有导入数据",
        "source “{name}” has no list yet",
    ),
    (
        "compare.run_unfinished",
        "这次比对没有完成",
        "the run did not finish",
    ),
    (
        "compare.snapshot_empty",
        "快照{snapshot}没有记录",
        "snapshot {snapshot} has no records",
    ),
    (
        "compare.no_source_in_area",
        "区域{area}没有数据源“{name}”",
        "area {area} has no source “{name}”",
    ),
    (
        "compare.no_source_named",
        "没有数据源“{name}”",
        "no source named “{name}”",
    ),
    (
        "compare.source_ambiguous",
        "多个区域都有数据源“{name}”，请用 --owner 指定：{owners}",
        "several areas have a source “{name}”: choose one with --owner ({owners})",
    ),
];
