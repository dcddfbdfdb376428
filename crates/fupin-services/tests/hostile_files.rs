//! Hostile and broken spreadsheets (issue 24, items 6, 7, 8 and 10), generated here: refused
//! quickly with a message naming what is wrong, never read into memory whole, never imported
//! silently short; and CSV files written with no cell a spreadsheet would run as a formula.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fupin_core::access::Viewer;
use fupin_core::{AreaCode, CodeList as _, Field};
use fupin_services::import::import_households;
use fupin_services::progress::Silent;
use fupin_services::sheet::{self, Format};
use fupin_storage::Db;

mod common;
mod hostile;
use common::{backends, generated, import, options};

/// Every row of a sheet, or the first error.
fn read_all(path: &Path) -> anyhow::Result<Vec<(usize, Vec<String>)>> {
    sheet::open(path)?
        .map(|r| r.map(|(n, row)| (n, row.iter().map(String::from).collect())))
        .collect()
}

/// A generated household sheet as lines (the BOM kept on the header), cut after the whole
/// households making up at least `rows` data rows.
fn household_lines(dir: &Path, rows: usize) -> Vec<String> {
    let file = generated(dir, 60, Format::Csv);
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<String> = text.lines().map(String::from).collect();
    let number = |l: &str| l.split(',').next().unwrap().to_string();
    let mut end = rows + 1;
    while end < lines.len() && number(&lines[end]) == number(&lines[end - 1]) {
        end += 1;
    }
    assert!(end <= lines.len(), "60 households give {rows} rows");
    lines[..end].to_vec()
}

fn column(lines: &[String], name: &str) -> usize {
    lines[0]
        .trim_start_matches('\u{feff}')
        .split(',')
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// `lines[i]` with its cell in `col` replaced by `value` (written as is: quote it yourself).
fn set(lines: &mut [String], i: usize, col: usize, value: &str) {
    let mut cells: Vec<String> = lines[i].split(',').map(String::from).collect();
    cells[col] = value.to_string();
    lines[i] = cells.join(",");
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

async fn households_stored(db: &Db) -> i64 {
    db.max_household_id().await.unwrap()
}

// ---- item 6: XLSX read streamed, within limits

#[test]
fn a_workbook_with_a_value_at_xfd1048576_is_refused_without_allocating_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.xlsx");
    hostile::far_cell_xlsx(&path, &["户编号", "姓名"], &["H1", "王芳"]);
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    let started = Instant::now();
    let e = format!("{:#}", read_all(&path).unwrap_err());
    assert!(
        e.contains("XFD1048576") && e.contains("超过1024列的上限"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused quickly"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    hostile::zip_bomb_xlsx(&path, &["户编号", "姓名"], 3 << 30, None);
    let packed = std::fs::metadata(&path).unwrap().len();
    assert!(packed < 8 << 20, "a few MB: {packed}");
    let started = Instant::now();
    let e = format!("{:#}", sheet::open(&path).err().expect("refused at open"));
    assert!(
        e.contains("压缩炸弹") && e.contains("xl/worksheets/sheet1.xml"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused quickly"
    );
}

#[test]
fn a_zip_bomb_declaring_a_small_sheet_is_stopped_at_the_declared_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("liar.xlsx");
    // declares 8 MiB (1:4 or so, nothing to see), inflates to 3 GiB
    hostile::zip_bomb_xlsx(&path, &["户编号", "姓名"], 3 << 30, Some(8 << 20));
    let started = Instant::now();
    let e = format!("{:#}", read_all(&path).unwrap_err());
    assert!(e.contains("超过其声明的大小"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped at 8 MiB, not 3 GiB: {:?}",
        started.elapsed()
    );
}

#[test]
fn later_sheets_continue_the_data_and_rows_are_numbered_through_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (r, row) in [["户编号", "姓名"], ["H1", "王芳"], ["H2", "李四"]]
        .iter()
        .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let s = book.add_worksheet();
    s.write_string(0, 0, "户编号").unwrap();
    s.write_string(0, 1, "姓名").unwrap();
    s.write_string(1, 0, "H3").unwrap();
    // a blank row between, and a number that reads as people see it
    s.write_number(3, 0, 2014.0).unwrap();
    s.write_string(3, 1, "张三").unwrap();
    book.save(&path).unwrap();
    let rows = read_all(&path).unwrap();
    let numbered: Vec<(usize, Vec<&str>)> = rows
        .iter()
        .map(|(n, r)| (*n, r.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        numbered,
        vec![
            (1, vec!["户编号", "姓名"]),
            (2, vec!["H1", "王芳"]),
            (3, vec!["H2", "李四"]),
            (4, vec!["H3"]),
            (6, vec!["2014", "张三"]),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_refuse_hostile_workbooks_and_read_real_ones_as_before() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let header = hostile::household_header();
        let far = dir.path().join("far.xlsx");
        hostile::far_cell_xlsx(&far, &header, &[]);
        let e = import_households(&t.db, &far, &options(false), &Silent)
            .await
            .unwrap_err();
        assert!(
            format!("{e:#}").contains("超过1024列的上限"),
            "{}: {e:#}",
            t.name
        );
        let bomb = dir.path().join("bomb.xlsx");
        hostile::zip_bomb_xlsx(&bomb, &header, 2 << 30, None);
        let e = import_households(&t.db, &bomb, &options(false), &Silent)
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("压缩炸弹"), "{}: {e:#}", t.name);
        assert_eq!(households_stored(&t.db).await, 0, "{}", t.name);

        // a generated workbook still imports whole
        let xlsx = generated(dir.path(), 50, Format::Xlsx);
        let s = import(&t.db, &xlsx, false).await;
        assert!(s.committed, "{}: {:?}", t.name, s.first_errors);
        assert_eq!((s.created, s.errors), (50, 0), "{}", t.name);
        t.drop_database().await;
    }
}

// ---- item 7: a stray quote swallows no rows silently

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_quote_in_an_ignored_column_rejects_the_import_naming_its_row() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        // the file: 150 rows, a trailing 备注 column nobody reads, and on row 5 a
        // remark opened with a quote that is never closed
        let mut lines = household_lines(dir.path(), 150);
        lines[0].push_str(",备注");
        for l in lines.iter_mut().skip(1) {
            l.push(',');
        }
        lines[4].push_str("\"见附件");
        let file = write(dir.path(), "quote.csv", &lines);
        for skip_invalid in [false, true] {
            let e = import_households(&t.db, &file, &options(skip_invalid), &Silent)
                .await
                .expect_err("not “0 errors … committed”");
            let e = format!("{e:#}");
            assert!(e.contains("第5行“备注”列"), "{}: {e}", t.name);
            assert_eq!(households_stored(&t.db).await, 0, "{}", t.name);
        }

        // the same remark closed rows later: the rows between are refused, not swallowed
        let mut closed = lines.clone();
        let n = closed.len();
        closed[n - 20].push('"');
        let file = write(dir.path(), "closed.csv", &closed);
        let e = import_households(&t.db, &file, &options(false), &Silent)
            .await
            .unwrap_err();
        let e = format!("{e:#}");
        assert!(
            e.contains("第5行“备注”列") && e.contains("行数对不上"),
            "{e}"
        );

        // the quote at the end of the file, with no rows after it to swallow
        let mut last = lines.clone();
        let without = last[4].len() - "\"见附件".len();
        last[4].truncate(without);
        let n = last.len();
        last[n - 1].push_str("\"见附件");
        let file = write(dir.path(), "last.csv", &last);
        let e = import_households(&t.db, &file, &options(false), &Silent)
            .await
            .unwrap_err();
        assert!(
            format!("{e:#}").contains(&format!("第{n}行“备注”列的引号没有闭合")),
            "{e:#}"
        );
        assert_eq!(households_stored(&t.db).await, 0, "{}", t.name);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_break_in_a_field_that_holds_none_is_an_error_at_its_row() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = household_lines(dir.path(), 30);
        let address = column(&lines, "家庭住址");
        // a quoted address over two lines: the CSV is fine, the address is not
        set(&mut lines, 3, address, "\"甲定村\n一组\"");
        let file = write(dir.path(), "break.csv", &lines);
        let s = import(&t.db, &file, false).await;
        assert!(!s.committed, "{}", t.name);
        assert!(
            s.first_errors
                .iter()
                .any(|e| e.starts_with("第4行") && e.contains("[家庭住址]") && e.contains("换行")),
            "{}: {:?}",
            t.name,
            s.first_errors
        );
        let s = import(&t.db, &file, true).await;
        assert!(
            s.committed && s.invalid_households == 1,
            "{}: {s:?}",
            t.name
        );
        t.drop_database().await;
    }
}

// ---- item 8: text has limits; reports cut long values

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_40_mb_name_is_refused_while_it_is_read() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = household_lines(dir.path(), 20);
        let name = column(&lines, "姓名");
        set(&mut lines, 2, name, &"王".repeat(14_000_000));
        let file = write(dir.path(), "huge.csv", &lines);
        drop(lines);
        let e = import_households(&t.db, &file, &options(true), &Silent)
            .await
            .unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("第3行超过1 MiB"), "{}: {e}", t.name);
        assert!(e.len() < 1_000, "{}: the message is short", t.name);
        assert_eq!(households_stored(&t.db).await, 0, "{}", t.name);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_over_its_limit_is_reported_cut_and_nothing_is_written() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = household_lines(dir.path(), 20);
        let name = column(&lines, "姓名");
        set(&mut lines, 2, name, &"王".repeat(10_000));
        let address = column(&lines, "家庭住址");
        for i in 1..lines.len() {
            if lines[i].split(',').next() == lines[5].split(',').next() {
                set(&mut lines, i, address, &"甲".repeat(201));
            }
        }
        let file = write(dir.path(), "long.csv", &lines);
        let s = import(&t.db, &file, false).await;
        assert!(!s.committed, "{}", t.name);
        assert_eq!(households_stored(&t.db).await, 0, "{}", t.name);
        let shown = s
            .first_errors
            .iter()
            .find(|e| e.starts_with("第3行"))
            .expect("row 3 reported");
        assert!(
            shown.contains("超过50个字符（共10000个）") && shown.contains("…（共10000字符"),
            "{shown}"
        );
        assert!(shown.len() < 600, "a short line on screen: {}", shown.len());
        assert!(
            s.first_errors
                .iter()
                .any(|e| e.contains("[家庭住址]") && e.contains("超过200个字符（共201个）")),
            "{:?}",
            s.first_errors
        );
        let report = std::fs::read_to_string(s.report.unwrap()).unwrap();
        let line = report
            .lines()
            .find(|l| l.starts_with("3,姓名,"))
            .expect("row 3 in the report");
        assert!(line.len() < 600, "a short line in the report: {line}");
        assert!(report.len() < 10_000, "{} bytes", report.len());
        t.drop_database().await;
    }
}

#[test]
fn a_department_list_holds_its_fields_to_their_limits() {
    use fupin_core::departments::DepartmentKind;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("death.csv");
    let long = "王".repeat(5_000);
    std::fs::write(
        &path,
        format!("死亡证明编号,姓名,身份证号\nD1,{long},\nD2,\"李\n四\",\n"),
    )
    .unwrap();
    let e = fupin_services::compare::lists::read(&path, &DepartmentKind::Death.default_mapping())
        .unwrap_err()
        .to_string();
    assert!(e.contains("2 行有误"), "{e}");
    assert!(
        e.contains("row 2") && e.contains("超过50个字符（共5000个）"),
        "{e}"
    );
    assert!(e.contains("row 3") && e.contains("line break"), "{e}");
    assert!(e.len() < 2_000, "the name is cut: {} bytes", e.len());
    // and a hostile workbook as a list
    let far = dir.path().join("far.xlsx");
    hostile::far_cell_xlsx(&far, &["死亡证明编号", "姓名"], &["D1", "王芳"]);
    let e = fupin_services::compare::lists::read(&far, &DepartmentKind::Death.default_mapping())
        .unwrap_err();
    assert!(format!("{e:#}").contains("超过1024列的上限"), "{e:#}");
}

// ---- item 10: no CSV cell a spreadsheet runs as a formula; exports re-import identically

const FORMULAS: [&str; 5] = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "@SUM(1)",
    "+1+1",
    "-2+3",
    "=cmd|' /C calc'!A0",
];

/// Cells of a CSV file (after its BOM), failing on any a spreadsheet would take for a formula.
fn assert_no_formula(path: &Path) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            let cell = cell.trim_start_matches('\u{feff}');
            let first = cell.bytes().next();
            let number = cell.trim_start_matches(['-', '+']).parse::<f64>().is_ok();
            assert!(
                !matches!(first, Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')) || number,
                "{}: a cell starts a formula: {cell:?}",
                path.display()
            );
            cells += 1;
        }
    }
    cells
}

/// Rewrites a CSV with `edit` applied to its records (written back with proper quoting).
fn rewrite(path: &Path, out: &Path, mut edit: impl FnMut(usize, &mut Vec<String>)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut w = csv::Writer::from_path(out).unwrap();
    for (i, r) in reader.records().enumerate() {
        let mut cells: Vec<String> = r.unwrap().iter().map(String::from).collect();
        edit(i, &mut cells);
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_like_text_is_exported_guarded_and_re_imports_the_same() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let source = generated(dir.path(), 20, Format::Csv);
        let lines = std::fs::read_to_string(&source).unwrap();
        let header: Vec<String> = lines
            .lines()
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(String::from)
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let first_number = lines
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        let text_fields = [
            col("村民小组"),
            col("家庭住址"),
            col("开户银行"),
            col("银行账号"),
        ];
        let name = col("姓名");
        let file = dir.path().join("formulas.csv");
        rewrite(&source, &file, |i, cells| {
            if i > 0 && cells[0] == first_number {
                for (k, c) in text_fields.iter().enumerate() {
                    cells[*c] = FORMULAS[k].to_string();
                }
                if i == 1 {
                    cells[name] = FORMULAS[4].to_string();
                }
            }
        });
        let s = import(&t.db, &file, false).await;
        assert!(s.committed, "{}: {:?}", t.name, s.first_errors);
        let id =
            t.db.household_id(&fupin_core::access::Scope::operator(), &first_number)
                .await
                .unwrap()
                .unwrap();
        let stored =
            t.db.household(&fupin_core::access::Scope::operator(), id)
                .await
                .unwrap()
                .unwrap()
                .household;
        assert_eq!(
            [
                stored.group.as_str(),
                &stored.address,
                &stored.bank_name,
                &stored.bank_account,
                &stored.members[0].name
            ],
            FORMULAS
        );

        // the province's export: every formula guarded, and it re-imports unchanged
        let province = AreaCode::parse(&first_number[..2]).unwrap();
        let exported = dir.path().join("export.csv");
        let summary = fupin_services::export::export_households(
            &t.db,
            &Viewer::operator(),
            &province,
            &exported,
            Format::Csv,
            &Silent,
        )
        .await
        .unwrap();
        assert!(assert_no_formula(&exported) > 0);
        let raw = std::fs::read_to_string(&exported).unwrap();
        for f in FORMULAS {
            assert!(
                raw.contains(&format!("'{}", f.replace('"', "\"\""))),
                "{f} guarded in the export"
            );
        }
        let again = import(&t.db, &exported, false).await;
        assert_eq!(
            (again.unchanged, again.updated, again.created, again.errors),
            (summary.households, 0, 0, 0),
            "{}: the export re-imports as the same values",
            t.name
        );

        // an error report quoting formula-like values guards them too
        let bad = dir.path().join("bad.csv");
        let ethnicity = col("民族");
        rewrite(&file, &bad, |i, cells| {
            if i == 1 {
                cells[ethnicity] = FORMULAS[4].to_string();
            }
        });
        let s = import(&t.db, &bad, false).await;
        assert!(!s.committed, "{}", t.name);
        let report = s.report.unwrap();
        assert!(assert_no_formula(&report) >= 8);
        assert!(
            std::fs::read_to_string(&report)
                .unwrap()
                .contains(&format!("'{}", FORMULAS[4])),
            "the value is in the report, guarded"
        );
        t.drop_database().await;
    }
}

#[test]
fn a_field_limit_holds_for_every_value_an_export_writes() {
    // the generated registry's values all fit (an export must re-import)
    let dir = tempfile::tempdir().unwrap();
    let file = generated(dir.path(), 200, Format::Csv);
    let rows = read_all(&file).unwrap();
    let header = &rows[0].1;
    for (n, row) in &rows[1..] {
        for (i, cell) in row.iter().enumerate() {
            let field = fupin_core::Field::ALL
                .iter()
                .find(|f| f.zh() == fupin_services::sheet::header_name(&header[i]))
                .copied()
                .unwrap_or(Field::Address);
            assert!(
                fupin_core::validation::check_text(field, cell.trim()).is_none(),
                "row {n} {field:?}: {cell}"
            );
        }
    }
}
