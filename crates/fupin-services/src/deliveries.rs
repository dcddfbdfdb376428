//! `fupin measures deliveries FILE`: measures delivered (措施落实) from a CSV/XLSX sheet with the
//! columns 户编号, 措施编号, 成员证件号码 (blank for a household measure), 年度, 落实日期,
//! 金额（元）(blank where not money), 落实单位, 佐证材料. All-or-nothing; every bad row is
//! named with its column and reason; loading the same sheet again corrects, never duplicates.
//! A province's sheet (10M rows) streams through in chunks: memory holds a few of them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use fupin_core::access::Scope;
use fupin_core::measures::Catalogue;
use fupin_core::{Fen, Message};
use fupin_storage::Db;

use crate::audit::Actor;
use crate::measures::{NewDelivery, check_delivery};
use crate::progress::Progress;
use crate::sheet::{Format, SheetWriter, bad_cell, find_column, refuse_bad_rows, refuse_counted};

/// Rows read, checked and written per step of a load.
const CHUNK: usize = 20_000;

/// Bad rows kept for the message; the rest are only counted.
const SHOWN: usize = 20;

/// The columns, Chinese first (the name written), then the accepted English name.
pub const COLUMNS: [(&str, &str); 8] = [
    ("户编号", "household_number"),
    ("措施编号", "measure_code"),
    ("成员证件号码", "member_id_number"),
    ("年度", "year"),
    ("落实日期", "delivered_on"),
    ("金额（元）", "amount_yuan"),
    ("落实单位", "unit"),
    ("佐证材料", "evidence"),
];

/// The most characters each column may hold, in the order of [`COLUMNS`]: numbers and codes
/// as the registry's, a unit's name 100, the evidence (a remark: which roll, which receipt) 500.
const MAX_CHARS: [usize; 8] = [32, 32, 30, 10, 30, 30, 100, 500];

/// The one column whose cells may run over lines (the evidence is free text).
const MULTILINE: usize = 7;

/// Reads a deliveries sheet; rows keep their row numbers for the messages.
pub fn parse(path: &Path) -> Result<Vec<(usize, NewDelivery)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    read_chunks(path, |chunk| {
        out.extend(chunk.rows);
        errors.extend(chunk.errors);
        true
    })?;
    refuse_bad_rows(&errors)?;
    Ok(out)
}

/// Rows of a sheet in reading order: those that parsed, and the messages of those that did not.
#[derive(Default)]
struct Chunk {
    rows: Vec<(usize, NewDelivery)>,
    errors: Vec<Message>,
}

/// Reads the sheet `CHUNK` rows at a time and hands each chunk to `take`, which returns false
/// to stop early.
fn read_chunks(path: &Path, mut take: impl FnMut(Chunk) -> bool) -> Result<()> {
    let mut rows = crate::sheet::open(path)?;
    let header = crate::sheet::header_row(&mut rows)?;
    let mut col = [0usize; 8];
    for (slot, (zh, en)) in col.iter_mut().zip(COLUMNS) {
        *slot = find_column(&header, zh, en)?;
    }
    let mut chunk = Chunk::default();
    for row in rows {
        let (row_no, cells) = row?;
        let get = |i: usize| cells.get(col[i]).map_or("", str::trim);
        if (0..COLUMNS.len()).all(|i| get(i).is_empty()) {
            continue;
        }
        let cells: [&str; 8] = std::array::from_fn(get);
        match parse_row(&cells) {
            Ok(d) => chunk.rows.push((row_no, d)),
            Err((i, reason)) => chunk.errors.push(bad_cell(
                row_no,
                COLUMNS[i].0,
                get(i),
                &Message::localized(reason),
            )),
        }
        if chunk.rows.len() + chunk.errors.len() >= CHUNK && !take(std::mem::take(&mut chunk)) {
            return Ok(());
        }
    }
    take(chunk);
    Ok(())
}

/// What a load recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSummary {
    pub rows: u64,
    pub households: u64,
    pub elapsed: Duration,
}

/// Loads a deliveries sheet of any size in one transaction (see the module's notes): a blocking
/// thread reads and parses chunks while this task checks them against the catalogue and the
/// registry (within `scope`) and upserts them. Any bad row and nothing is written; the message
/// counts them all and shows the first 20. Audited as one entry per load, like a registry
/// import.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_deliveries(
    db: &Db,
    scope: &Scope,
    catalogue: &Catalogue,
    actor: &Actor,
    path: &Path,
    progress: &dyn Progress,
) -> Result<LoadSummary> {
    let started = Instant::now();
    let (send, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(4);
    let file: PathBuf = path.to_owned();
    let reader =
        tokio::task::spawn_blocking(move || read_chunks(&file, |c| send.blocking_send(c).is_ok()));
    let now = fupin_storage::now_utc();
    let mut tx = db.begin().await?;
    let (mut bad, mut shown) = (0usize, Vec::new());
    let mut rows = 0u64;
    let mut households = HashSet::new();
    progress.start(None);
    while let Some(chunk) = chunks.recv().await {
        progress.advance((chunk.rows.len() + chunk.errors.len()) as u64);
        bad += chunk.errors.len();
        shown.extend(chunk.errors);
        let numbers: Vec<&str> = chunk
            .rows
            .iter()
            .map(|(_, d)| d.household_number.as_str())
            .collect();
        let found = tx.households_by_number(scope, &numbers).await?;
        let mut out = Vec::with_capacity(chunk.rows.len());
        for (row, d) in &chunk.rows {
            match check_delivery(catalogue, &found, d, &actor.name, &now) {
                Ok((delivery, _)) => out.push(delivery),
                Err(reason) => {
                    bad += 1;
                    shown.push(crate::measures::in_row(*row, &reason));
                }
            }
        }
        shown.truncate(SHOWN);
        // once a row is bad nothing will be written: only check the rest
        if bad == 0 {
            rows += out.len() as u64;
            households.extend(out.iter().map(|d| d.household_id));
            fupin_storage::measures::record_deliveries(&mut tx, &out).await?;
        }
    }
    reader.await??;
    progress.finish();
    refuse_counted(bad, &shown)?;
    if rows == 0 {
        anyhow::bail!(crate::error::ServiceError::refused(
            "measure.nothing_to_record"
        ));
    }
    let detail = format!(
        "{rows} deliveries for {} households recorded",
        households.len()
    );
    let entry = actor.entry(
        "measure.deliver.load",
        "file",
        path.display().to_string(),
        "",
        detail,
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(LoadSummary {
        rows,
        households: households.len() as u64,
        elapsed: started.elapsed(),
    })
}

/// Checks one row's cells; on error, the index of the bad column and the reason.
fn parse_row(cells: &[&str; 8]) -> Result<NewDelivery, (usize, String)> {
    let get = |i: usize| cells[i];
    for (i, cell) in cells.iter().enumerate() {
        if let Some(len) = fupin_core::fields::over_limit(cell, MAX_CHARS[i]) {
            return Err((
                i,
                format!(
                    "超过{max}个字符（共{len}个） / longer than {max} characters ({len})",
                    max = MAX_CHARS[i]
                ),
            ));
        }
        if i != MULTILINE && cell.contains(['\n', '\r']) {
            return Err((i, fupin_core::validation::Problem::LineBreak.to_string()));
        }
    }
    let required = |i: usize| {
        let v = get(i);
        if v.is_empty() {
            Err((i, "不能为空 / must not be empty".to_string()))
        } else {
            Ok(v.to_string())
        }
    };
    let household_number = required(0)?;
    let measure_code = required(1)?;
    let year = get(3)
        .parse::<i32>()
        .ok()
        .filter(|y| (1980..=2100).contains(y))
        .ok_or((
            3,
            "年度应为1980–2100的整数 / year must be a whole number 1980–2100".to_string(),
        ))?;
    let delivered_on = fupin_core::date::parse_date(get(4)).ok_or((
        4,
        "日期应为 2020-03-15 或 2020/3/15 / expected a date like 2020-03-15".to_string(),
    ))?;
    let amount = match get(5) {
        "" => None,
        text => Some(
            Fen::parse_yuan(text)
                .ok()
                .filter(|f| !f.is_negative())
                .ok_or((5, "金额应为非负的元数 / expected yuan ≥ 0".to_string()))?,
        ),
    };
    Ok(NewDelivery {
        household_number,
        measure_code,
        member_id_number: get(2).to_string(),
        year,
        delivered_on,
        amount,
        unit: required(6)?,
        evidence: get(7).to_string(),
    })
}

/// A sheet for deliveries, its header written.
pub fn sheet(path: &Path, format: Format) -> Result<SheetWriter> {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    SheetWriter::create(path, format, &header, "措施落实")
}

/// A delivery's cells in the sheet's order.
pub fn cells(d: &NewDelivery) -> [String; 8] {
    [
        d.household_number.clone(),
        d.measure_code.clone(),
        d.member_id_number.clone(),
        d.year.to_string(),
        fupin_core::date::iso(d.delivered_on),
        d.amount.map(|a| a.yuan_string()).unwrap_or_default(),
        d.unit.clone(),
        d.evidence.clone(),
    ]
}

/// Plausible deliveries for a generated household: of what it is entitled to in its last year
/// of history, about four in five delivered (fixed by the household number and the measure, so
/// generated data repeats exactly); the rest are the gaps matching should find.
pub fn generated_for(
    catalogue: &Catalogue,
    g: &crate::generate::GeneratedHousehold,
) -> Vec<NewDelivery> {
    let Some(last) = g.history.last() else {
        return Vec::new();
    };
    let year = last.status.year;
    let h = &g.household;
    let facts = fupin_core::measures::Facts::new(h, year, Some(&last.income))
        .with_status(last.status.status);
    let mut out = Vec::new();
    for m in &catalogue.measures {
        for e in facts.entitlements(m, year) {
            let member = e
                .member
                .and_then(|i| h.members.get(i))
                .map(|m| m.id_number.as_str().to_string())
                .unwrap_or_default();
            let roll = crate::indicators::stable_hash(&h.number, &format!("{}{member}", m.code));
            if roll.is_multiple_of(5) {
                continue;
            }
            let day = chrono::NaiveDate::from_ymd_opt(
                year,
                1 + (roll % 12) as u32,
                1 + (roll % 28) as u32,
            )
            .expect("a valid day");
            out.push(NewDelivery {
                household_number: h.number.clone(),
                measure_code: m.code.clone(),
                member_id_number: member,
                year,
                delivered_on: day,
                amount: m.amount_yuan.map(Fen::from_yuan),
                unit: m.department.clone(),
                evidence: format!("{}年{}发放花名册", year, m.name),
            });
        }
    }
    out
}
