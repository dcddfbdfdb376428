//! `fupin import households FILE`: the county spreadsheet into the registry.
//!
//! A reader thread parses and validates rows (one household = its adjacent rows) while the
//! async side checks them against the database and writes them, so both cores work. The whole
//! import is one transaction: by default any invalid row rolls everything back (all-or-nothing);
//! with `skip_invalid` the valid households are kept. Households are matched by number, so
//! importing the same file again changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use fupin_core::record::diff_households;
use fupin_core::validation::Problem;
use fupin_core::{Field, Household};
use fupin_storage::{AreaIndex, Db, NewAuditEntry, RegistryWriter, RunCounts, WriteContext};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::audit::Actor;
use crate::columns::{HeaderMap, open_sheet};
use crate::parse::{RowGroup, RowIssue, parse_household, status_snapshot};
use crate::progress::Progress;
use crate::sheet;

/// Imports that write at least this many households refresh the planner statistics.
const ANALYZE_AFTER: u64 = 10_000;

/// Households handed from the reader to the writer at a time.
const CHUNK: usize = 2_000;

/// Columns a household sheet must have.
pub const REQUIRED: &[Field] = &[
    Field::HouseholdNo,
    Field::VillageCode,
    Field::Attribute,
    Field::MainCause,
    Field::Status,
    Field::RegisteredYear,
    Field::MemberName,
    Field::IdNumber,
    Field::Relation,
    Field::Ethnicity,
    Field::Education,
    Field::Health,
    Field::Labour,
];

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Import the valid households and report the rest, instead of all-or-nothing.
    pub skip_invalid: bool,
    /// Who is importing (recorded on every change).
    pub actor: String,
    /// Where to write the error report (default: next to the file, `NAME.errors.csv`).
    pub report: Option<PathBuf>,
    /// The day dates are checked against.
    pub today: NaiveDate,
    /// Who the audit trail names (one entry per run, committed with it).
    pub audit: Actor,
    /// The importer's jurisdiction (a console upload): villages outside it are unknown codes,
    /// and households or ID numbers registered outside it are refused without saying where.
    /// `None`: the operator's command line, the whole registry.
    pub scope: Option<fupin_core::access::Scope>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub encoding: &'static str,
    pub rows_read: u64,
    pub households_read: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub invalid_households: u64,
    pub errors: u64,
    /// Whether anything was written (false: rolled back because of errors).
    pub committed: bool,
    pub report: Option<PathBuf>,
    pub unknown_columns: Vec<String>,
    /// The first few problems, for the screen.
    pub first_errors: Vec<String>,
    /// The same problems as messages, for a page in the reader's language.
    #[serde(skip)]
    pub first_problems: Vec<RowProblem>,
    pub elapsed: Duration,
}

impl ImportSummary {
    /// The run's one audit entry (the change log holds each household's changes).
    pub(crate) fn audit_entry(&self, actor: &Actor, action: &str) -> NewAuditEntry {
        let outcome = if self.committed {
            "committed"
        } else {
            "rejected"
        };
        let detail = format!(
            "{outcome}: {} new, {} updated, {} unchanged, {} invalid",
            self.created, self.updated, self.unchanged, self.invalid_households
        );
        actor.entry(action, "file", self.file.clone(), "", detail)
    }
}

/// A problem of one row, as a page shows it: the row, the file's column, the value (cut to
/// an excerpt) and why it was refused.
#[derive(Debug, Clone)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: fupin_core::Message,
}

/// What the reader thread sends: valid households with their first row and member rows, and
/// the problems found in this stretch of the file.
struct Chunk {
    households: Vec<(Household, Vec<usize>)>,
    issues: Vec<RowIssue>,
    invalid: u64,
    rows: u64,
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_households(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    let started = Instant::now();
    // fingerprinted beside the import, not before it (1.5 s for a province file)
    let sha = {
        let path = path.to_path_buf();
        std::thread::spawn(move || file_sha256(&path))
    };
    let (rows, map) = open_sheet(path, REQUIRED)?;
    let encoding = rows.encoding;
    let mut areas = db.area_index().await?;
    if areas.is_empty() {
        bail!("no administrative areas are loaded; run `fupin areas import FILE` first");
    }
    if let Some(scope) = &opts.scope {
        areas = areas.within(scope);
    }
    progress.start(estimate_rows(path));

    let report_path = opts
        .report
        .clone()
        .unwrap_or_else(|| default_report_path(path));
    let mut report = ErrorReport::new(report_path, map.clone());

    let (tx, mut rx) = mpsc::channel::<Result<Chunk>>(4);
    let today = opts.today;
    let reader_map = map.clone();
    let reader = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || read_households(rows, reader_map, areas, today, tx))?;

    let mut summary = ImportSummary {
        file: path.display().to_string(),
        encoding,
        unknown_columns: map.unknown.clone(),
        ..Default::default()
    };
    let mut writer = RegistryWriter::begin(db).await?;
    let file_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mode = if opts.skip_invalid {
        "skip_invalid"
    } else {
        "all_or_nothing"
    };
    let run = writer
        .start_run("households", &file_name, &opts.actor, mode)
        .await?;
    // Loading into an empty registry, nothing can already exist: the reader's checks of the file
    // itself (household numbers and ID numbers unique) are then all there is to check.
    // It is also when indexes and constraints are cheaper to rebuild once than to maintain.
    let mut lookups = !writer.registry_is_empty().await?;
    if !lookups {
        writer.defer_constraints().await?;
        // now holding the tables' locks: another import may have filled them meanwhile
        lookups = !writer.registry_is_empty().await?;
    }
    let ctx = WriteContext {
        actor: opts.actor.clone(),
        reason: format!("导入 {file_name}"),
        import_run: Some(run),
    };

    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        summary.rows_read += chunk.rows;
        summary.invalid_households += chunk.invalid;
        summary.households_read += chunk.invalid + chunk.households.len() as u64;
        for issue in &chunk.issues {
            report.add(issue, &mut summary)?;
        }
        // once an all-or-nothing import has failed, only keep validating
        let writing = opts.skip_invalid || summary.errors == 0;
        let checked =
            check_against_registry(&mut writer, chunk.households, lookups, opts.scope.as_ref())
                .await?;
        for issue in &checked.issues {
            report.add(issue, &mut summary)?;
        }
        summary.invalid_households += checked.invalid;
        let writing = writing && (opts.skip_invalid || summary.errors == 0);
        summary.unchanged += checked.unchanged;
        if writing {
            writer.create(&checked.new, &ctx).await?;
            for (id, new, status, changes) in &checked.changed {
                writer.update(*id, new, status, changes, &ctx).await?;
            }
        }
        summary.created += checked.new.len() as u64;
        summary.updated += checked.changed.len() as u64;
        progress.advance(chunk.rows);
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
    report.finish()?;
    let sha = sha
        .join()
        .map_err(|_| anyhow::anyhow!("the fingerprint thread panicked"))??;
    summary.report = report.path_if_written();

    let commit = opts.skip_invalid || summary.errors == 0;
    summary.committed = commit;
    let counts = RunCounts {
        rows_read: summary.rows_read as i64,
        created: summary.created as i64,
        updated: summary.updated as i64,
        unchanged: summary.unchanged as i64,
        invalid: summary.invalid_households as i64,
    };
    if commit {
        tracing::debug!(elapsed = ?started.elapsed(), "rows written");
        writer.finish_run(run, &sha, "committed", counts).await?;
        let audit = summary.audit_entry(&opts.audit, "import.households");
        writer.commit_audited(vec![audit]).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "committed");
        if summary.created + summary.updated >= ANALYZE_AFTER {
            db.analyze().await?;
            tracing::debug!(elapsed = ?started.elapsed(), "statistics refreshed");
        }
    } else {
        writer.rollback().await?;
        // the rejected run itself is still recorded
        let mut w = RegistryWriter::begin(db).await?;
        let run = w
            .start_run("households", &file_name, &opts.actor, mode)
            .await?;
        w.finish_run(run, &sha, "rejected", counts).await?;
        summary.created = 0;
        summary.updated = 0;
        let audit = summary.audit_entry(&opts.audit, "import.households");
        w.commit_audited(vec![audit]).await?;
    }
    summary.elapsed = started.elapsed();
    progress.finish();
    Ok(summary)
}

/// The reader thread: groups adjacent rows by household number, parses and validates them,
/// and catches ID numbers repeated across households of the file.
fn read_households(
    rows: sheet::SheetRows,
    map: HeaderMap,
    areas: AreaIndex,
    today: NaiveDate,
    tx: mpsc::Sender<Result<Chunk>>,
) -> Result<()> {
    // (foldhash: a province file fills these with 1M and 3M keys; SipHash was 4% of an import)
    let mut seen_numbers: foldhash::HashSet<String> = foldhash::HashSet::default();
    // first 17 digits of an ID number → index of the household that holds it
    let mut id_owner: foldhash::HashMap<u64, u32> = foldhash::HashMap::default();
    let mut numbers: Vec<String> = Vec::new();
    let mut chunk = Chunk::empty();
    let mut current: Option<RowGroup> = None;

    let mut finish_group = |group: RowGroup, chunk: &mut Chunk| {
        let household_index = numbers.len() as u32;
        numbers.push(group.number.clone());
        if !seen_numbers.insert(group.number.clone()) {
            chunk.invalid += 1;
            chunk.issues.push(RowIssue {
                row: group.rows[0].0,
                field: Field::HouseholdNo,
                value: group.number.clone(),
                problem: Problem::NotAdjacent(group.number.clone()),
            });
            return;
        }
        match parse_household(&group, &map, &areas, today) {
            Ok(h) => {
                let mut dup = Vec::new();
                for (m, (row_no, _)) in h.members.iter().zip(&group.rows) {
                    let key: u64 = m.id_number.as_str()[..17].parse().unwrap_or(0);
                    if let Some(&other) = id_owner.get(&key) {
                        dup.push(RowIssue {
                            row: *row_no,
                            field: Field::IdNumber,
                            value: m.id_number.to_string(),
                            problem: Problem::IdInOtherHousehold(numbers[other as usize].clone()),
                        });
                    }
                }
                if dup.is_empty() {
                    for m in &h.members {
                        id_owner.insert(
                            m.id_number.as_str()[..17].parse().unwrap_or(0),
                            household_index,
                        );
                    }
                    let member_rows = group.rows.iter().map(|(r, _)| *r).collect();
                    chunk.households.push((h, member_rows));
                } else {
                    chunk.invalid += 1;
                    chunk.issues.extend(dup);
                }
            }
            Err(issues) => {
                chunk.invalid += 1;
                chunk.issues.extend(issues);
            }
        }
    };

    for row in rows {
        let (row_no, cells) = match row {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return Ok(());
            }
        };
        chunk.rows += 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let number = map.get(&cells, Field::HouseholdNo).to_string();
        if number.is_empty() {
            chunk.issues.push(RowIssue {
                row: row_no,
                field: Field::HouseholdNo,
                value: String::new(),
                problem: Problem::Required,
            });
            continue;
        }
        match &mut current {
            Some(g) if g.number == number => g.rows.push((row_no, cells)),
            _ => {
                if let Some(done) = current.take() {
                    finish_group(done, &mut chunk);
                    if chunk.households.len() >= CHUNK {
                        let full = std::mem::replace(&mut chunk, Chunk::empty());
                        if tx.blocking_send(Ok(full)).is_err() {
                            return Ok(()); // the writer stopped; it reports why
                        }
                    }
                }
                current = Some(RowGroup {
                    number,
                    rows: vec![(row_no, cells)],
                });
            }
        }
    }
    if let Some(done) = current.take() {
        finish_group(done, &mut chunk);
    }
    let _ = tx.blocking_send(Ok(chunk));
    Ok(())
}

impl Chunk {
    fn empty() -> Self {
        Chunk {
            households: Vec::with_capacity(CHUNK),
            issues: Vec::new(),
            invalid: 0,
            rows: 0,
        }
    }
}

/// A chunk sorted into what to create, what to update and what is already there.
struct Checked {
    new: Vec<(Household, fupin_core::StatusYear)>,
    changed: Vec<(
        i64,
        Household,
        fupin_core::StatusYear,
        Vec<fupin_core::record::FieldChange>,
    )>,
    unchanged: u64,
    invalid: u64,
    issues: Vec<RowIssue>,
}

async fn check_against_registry(
    writer: &mut RegistryWriter,
    households: Vec<(Household, Vec<usize>)>,
    lookups: bool,
    scope: Option<&fupin_core::access::Scope>,
) -> Result<Checked> {
    // an ID number's household by its number; apart, those registered outside the scope (the
    // command line's import has none: its lookups stay as they were)
    let (mut existing, mut owners) = (HashMap::new(), HashMap::new());
    let mut outside = std::collections::HashSet::new();
    if lookups {
        let numbers: Vec<&str> = households.iter().map(|(h, _)| h.number.as_str()).collect();
        existing = writer.existing(&numbers).await?;
        let ids: Vec<&str> = households
            .iter()
            .flat_map(|(h, _)| h.members.iter().map(|m| m.id_number.as_str()))
            .collect();
        match scope {
            None => owners = writer.id_owners(&ids).await?,
            Some(scope) => {
                for (id, owner) in writer.id_owners_within(scope, &ids).await? {
                    match owner {
                        Some(number) => {
                            owners.insert(id, number);
                        }
                        None => {
                            outside.insert(id);
                        }
                    }
                }
            }
        }
    }
    let reason = "导入";
    let mut out = Checked {
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        invalid: 0,
        issues: Vec::new(),
    };
    for (h, rows) in households {
        let stored = existing.get(&h.number);
        if scope
            .is_some_and(|s| stored.is_some_and(|st| !s.contains_area(&st.household.village_code)))
        {
            out.invalid += 1;
            out.issues.push(RowIssue {
                row: rows[0],
                field: Field::HouseholdNo,
                value: h.number.clone(),
                problem: Problem::NumberRegisteredElsewhere,
            });
            continue;
        }
        let conflicts: Vec<RowIssue> = h
            .members
            .iter()
            .zip(&rows)
            .filter_map(|(m, row)| {
                let id = m.id_number.as_str();
                let problem = if !outside.is_empty() && outside.contains(id) {
                    Problem::IdRegisteredElsewhere
                } else {
                    let owner = owners.get(id)?;
                    if *owner == h.number {
                        return None;
                    }
                    Problem::IdInOtherHousehold(owner.clone())
                };
                Some(RowIssue {
                    row: *row,
                    field: Field::IdNumber,
                    value: m.id_number.to_string(),
                    problem,
                })
            })
            .collect();
        if !conflicts.is_empty() {
            out.invalid += 1;
            out.issues.extend(conflicts);
            continue;
        }
        let status = status_snapshot(&h, reason);
        match stored {
            None => out.new.push((h, status)),
            Some(stored) => {
                let changes = diff_households(&stored.household, &h);
                if changes.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.changed.push((stored.id, h, status, changes));
                }
            }
        }
    }
    Ok(out)
}

/// The error report: a CSV (UTF-8 with BOM, opens in Excel) of row, column, value, reason.
struct ErrorReport {
    path: PathBuf,
    map: HeaderMap,
    writer: Option<sheet::SheetWriter>,
}

/// Problems listed on screen after an import.
const SCREEN_ERRORS: usize = 20;

impl ErrorReport {
    fn new(path: PathBuf, map: HeaderMap) -> Self {
        Self {
            path,
            map,
            writer: None,
        }
    }

    fn add(&mut self, issue: &RowIssue, summary: &mut ImportSummary) -> Result<()> {
        if self.writer.is_none() {
            let w = sheet::SheetWriter::create(
                &self.path,
                sheet::Format::Csv,
                &["行号 row", "列 column", "值 value", "原因 reason"],
                "错误",
            )
            .with_context(|| format!("cannot write the error report {}", self.path.display()))?;
            self.writer = Some(w);
        }
        let column = self.map.column_name(issue.field);
        let reason = issue.problem.to_string();
        // a rejected 10 MB value is not written out again, to the screen or the report
        let value = fupin_core::fields::excerpt(&issue.value);
        if summary.first_errors.len() < SCREEN_ERRORS {
            summary.first_errors.push(format!(
                "第{}行 row {} [{}] “{}”: {}",
                issue.row, issue.row, column, value, reason
            ));
            summary.first_problems.push(RowProblem {
                row: issue.row,
                column: column.clone(),
                value: value.clone().into_owned(),
                reason: fupin_core::message::Explained::message(&issue.problem),
            });
        }
        summary.errors += 1;
        let w = self.writer.as_mut().expect("created above");
        w.write_row(&[issue.row.to_string(), column, value.into_owned(), reason])
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.finish()?;
        } else if self.path.exists() {
            // a clean run removes the report of an earlier failed run of the same file
            std::fs::remove_file(&self.path).ok();
        }
        Ok(())
    }

    fn path_if_written(&self) -> Option<PathBuf> {
        self.path.exists().then(|| self.path.clone())
    }
}

fn default_report_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.errors.csv"))
}

fn file_sha256(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Data rows in a CSV, for the progress bar: exact for files up to 4 MiB, otherwise the file
/// size over the mean line length of its first 4 MiB. XLSX: unknown.
fn estimate_rows(path: &Path) -> Option<u64> {
    use std::io::Read;
    const SAMPLE: u64 = 4 << 20;
    if sheet::Format::from_path(path).ok()? != sheet::Format::Csv {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut sample = Vec::new();
    file.take(SAMPLE).read_to_end(&mut sample).ok()?;
    let lines = sample.iter().filter(|&&b| b == b'\n').count() as u64;
    if size <= SAMPLE || lines == 0 {
        return Some(lines.saturating_sub(1));
    }
    Some((size as f64 * lines as f64 / sample.len() as f64) as u64 - 1)
}
