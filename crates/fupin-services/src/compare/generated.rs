//! Writing generated department lists (`fupin gen --departments`): one CSV per kind under
//! `departments/`, in the kind's usual headers, and `departments/truth.csv` with what each
//! record really is. CSV only: the medical-insurance list of a province outgrows a worksheet.

use std::path::{Path, PathBuf};

use anyhow::Result;
use fupin_core::CodeList;
use fupin_core::departments::{DepartmentKind, DepartmentRecord, RecordField};

use crate::generate::GeneratedHousehold;
use crate::generate::departments::{PlantedRecord, records_for};
use crate::sheet::{Format, SheetWriter};

pub const TRUTH_HEADER: [&str; 6] = [
    "数据类别",
    "记录编号",
    "真实身份证号",
    "户编号",
    "来源",
    "差错",
];

/// The fields a generated list carries, in column order.
/// Death records carry no address: the list that tests linkage without a place.
fn fields(kind: DepartmentKind) -> Vec<RecordField> {
    let mapped = kind.default_mapping();
    RecordField::ALL
        .into_iter()
        .filter(|f| mapped.iter().any(|(g, _)| g == f))
        .filter(|f| !(kind == DepartmentKind::Death && *f == RecordField::Place))
        .collect()
}

/// The header the generated list uses for `field`: the kind's first choice.
fn header(kind: DepartmentKind, field: RecordField) -> String {
    kind.default_mapping()
        .into_iter()
        .find(|(f, _)| *f == field)
        .and_then(|(_, h)| h.into_iter().next())
        .unwrap_or_else(|| field.zh().to_string())
}

/// The cells of a record in `fields` order.
fn cells(record: &DepartmentRecord, fields: &[RecordField]) -> Vec<String> {
    fields
        .iter()
        .map(|f| match f {
            RecordField::Key => record.key.clone(),
            RecordField::IdNumber => record.id_number.clone(),
            RecordField::Name => record.name.clone(),
            RecordField::Sex => record.sex.map(|s| s.zh().to_string()).unwrap_or_default(),
            RecordField::BirthDate => record
                .birth_date
                .map(fupin_core::date::iso)
                .unwrap_or_default(),
            RecordField::Place => record.place.clone(),
            RecordField::Date => record.date.map(fupin_core::date::iso).unwrap_or_default(),
            RecordField::Amount => record.amount.map(|a| a.yuan_string()).unwrap_or_default(),
            RecordField::Detail => record.detail.clone(),
        })
        .collect()
}

/// The lists being written, fed one household at a time.
pub struct DepartmentSheets {
    seed: u64,
    year: i32,
    index: u64,
    lists: Vec<(DepartmentKind, Vec<RecordField>, SheetWriter, u64)>,
    truth: SheetWriter,
    pub files: Vec<PathBuf>,
}

impl DepartmentSheets {
    pub fn create(dir: &Path, seed: u64, year: i32) -> Result<Self> {
        let dir = dir.join("departments");
        std::fs::create_dir_all(&dir)?;
        let mut files = Vec::new();
        let mut lists = Vec::new();
        for &kind in DepartmentKind::ALL {
            let fields = fields(kind);
            let headers: Vec<String> = fields.iter().map(|&f| header(kind, f)).collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            let path = dir.join(format!("{}.csv", kind.code()));
            lists.push((
                kind,
                fields,
                SheetWriter::create(&path, Format::Csv, &headers, kind.zh())?,
                0,
            ));
            files.push(path);
        }
        let path = dir.join("truth.csv");
        let truth = SheetWriter::create(&path, Format::Csv, &TRUTH_HEADER, "truth")?;
        files.push(path);
        Ok(Self {
            seed,
            year,
            index: 0,
            lists,
            truth,
            files,
        })
    }

    pub fn add(&mut self, g: &GeneratedHousehold) -> Result<()> {
        for p in records_for(self.seed, self.index, g, self.year) {
            self.write(&p)?;
        }
        self.index += 1;
        Ok(())
    }

    fn write(&mut self, p: &PlantedRecord) -> Result<()> {
        let (_, fields, sheet, count) = self
            .lists
            .iter_mut()
            .find(|(k, ..)| *k == p.kind)
            .expect("every kind has a sheet");
        sheet.write_row(&cells(&p.record, fields))?;
        *count += 1;
        let slips: Vec<&str> = p.slips.iter().map(|s| s.code()).collect();
        self.truth.write_row(&[
            p.kind.code(),
            &p.record.key,
            p.truth.as_ref().map_or("", |t| t.as_str()),
            p.household.as_deref().unwrap_or(""),
            p.origin.code(),
            &slips.join(";"),
        ])
    }

    /// Closes the files; returns the rows written per kind.
    pub fn finish(self) -> Result<Vec<(DepartmentKind, u64)>> {
        let mut counts = Vec::new();
        for (kind, _, sheet, n) in self.lists {
            sheet.finish()?;
            counts.push((kind, n));
        }
        self.truth.finish()?;
        Ok(counts)
    }
}
