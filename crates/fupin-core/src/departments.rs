//! Other departments' lists (部门数据) compared with the registry: what kinds there are, the
//! fields fupin reads from them, and the column headers each kind usually carries. A source may
//! save its own headers over these (a column mapping); the defaults below are what the
//! generated lists and most provincial exports use.

use std::fmt;

use chrono::NaiveDate;

use crate::area::AreaCode;
use crate::codes::{CodeList, Sex};
use crate::message::{Explained, Message, Strings};
use crate::money::Fen;

/// The area a list owned by `owner` (`None`: the whole installation) is compared over when a
/// run is asked for `requested` (`None`: everything): the narrower of the two, so that a run's
/// links and the warnings it raises lie where the list may be seen (within its owner's subtree
/// and above). `None` when neither area lies in the other: the list is not the requester's to
/// use, and is answered as not found.
pub fn run_area(
    owner: Option<&AreaCode>,
    requested: Option<&AreaCode>,
) -> Option<Option<AreaCode>> {
    match (owner, requested) {
        (None, r) => Some(r.cloned()),
        (Some(o), None) => Some(Some(o.clone())),
        (Some(o), Some(r)) if o.contains(r) => Some(Some(r.clone())),
        (Some(o), Some(r)) if r.contains(o) => Some(Some(o.clone())),
        _ => None,
    }
}

code_list! {
    /// Kinds of department list (`domain.md` §3, exclusion rules E1–E4 and E11; the assistance
    /// and service rolls of §5).
    DepartmentKind, "部门数据类别" {
        Payroll = ("payroll", "财政供养人员", "public-payroll staff"),
        Vehicle = ("vehicle", "机动车登记", "vehicle owners"),
        Housing = ("housing", "商品房登记", "commercial housing owners"),
        Business = ("business", "工商登记", "business registrations"),
        Death = ("death", "死亡登记", "death records"),
        Assistance = ("assistance", "低保特困", "subsistence allowance and extreme-poverty support"),
        Medical = ("medical", "医保参保", "medical-insurance enrolment"),
        School = ("school", "学籍", "school enrolment"),
        Disability = ("disability", "残疾人登记", "disability registry"),
    }
}

/// A field fupin reads from a department record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordField {
    /// The department's own key for the record (参保编号, 号牌号码 …).
    Key,
    IdNumber,
    Name,
    Sex,
    BirthDate,
    /// Area code (6, 9 or 12 digits) of the address, where the list has one.
    Place,
    /// The event's date: registration, death, enrolment, start of payment.
    Date,
    /// Money: a monthly allowance, a price, a registered capital.
    Amount,
    /// What the record is about: plate and type, company, school, category.
    Detail,
}

impl RecordField {
    pub const ALL: [RecordField; 9] = [
        Self::Key,
        Self::IdNumber,
        Self::Name,
        Self::Sex,
        Self::BirthDate,
        Self::Place,
        Self::Date,
        Self::Amount,
        Self::Detail,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Self::Key => "记录编号",
            Self::IdNumber => "身份证号",
            Self::Name => "姓名",
            Self::Sex => "性别",
            Self::BirthDate => "出生日期",
            Self::Place => "地区代码",
            Self::Date => "日期",
            Self::Amount => "金额",
            Self::Detail => "内容",
        }
    }

    /// How long a cell of this field may be, in characters: a key as long as the longest
    /// department numbers (a 不动产权证号 runs to about 30), an ID number as in the registry,
    /// a name as in the registry, what a record is about (a company, a school and class, an
    /// address) 200, the rest 60.
    pub fn max_chars(self) -> usize {
        match self {
            Self::Key => 64,
            Self::IdNumber => crate::Field::IdNumber.max_chars(),
            Self::Name => crate::Field::MemberName.max_chars(),
            Self::Detail => 200,
            Self::Sex | Self::BirthDate | Self::Place | Self::Date | Self::Amount => 60,
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Key => "record key",
            Self::IdNumber => "ID number",
            Self::Name => "name",
            Self::Sex => "sex",
            Self::BirthDate => "birth date",
            Self::Place => "area code",
            Self::Date => "date",
            Self::Amount => "amount",
            Self::Detail => "detail",
        }
    }
}

/// Which column holds which field: header texts, tried in order.
pub type ColumnMapping = Vec<(RecordField, Vec<String>)>;

impl DepartmentKind {
    /// The headers a list of this kind usually has, first the kind's own then the common ones.
    pub fn default_mapping(self) -> ColumnMapping {
        let own: &[(RecordField, &[&str])] = match self {
            Self::Payroll => &[
                (RecordField::Key, &["人员编号"]),
                (RecordField::Detail, &["工作单位", "单位名称"]),
                (RecordField::Amount, &["月工资", "应发工资"]),
            ],
            Self::Vehicle => &[
                (RecordField::Key, &["号牌号码", "车牌号"]),
                (RecordField::Name, &["所有人", "机动车所有人"]),
                (RecordField::Detail, &["车辆类型"]),
                (RecordField::Date, &["初次登记日期", "登记日期"]),
                (RecordField::Amount, &["购置价格"]),
            ],
            Self::Housing => &[
                (RecordField::Key, &["不动产权证号", "产权证号"]),
                (RecordField::Name, &["权利人"]),
                (RecordField::Detail, &["坐落"]),
                (RecordField::Date, &["登记日期"]),
                (RecordField::Amount, &["成交价格"]),
            ],
            Self::Business => &[
                (RecordField::Key, &["统一社会信用代码"]),
                (RecordField::Name, &["法定代表人", "投资人"]),
                (RecordField::Detail, &["企业名称"]),
                (RecordField::Date, &["成立日期"]),
                (RecordField::Amount, &["注册资本"]),
            ],
            Self::Death => &[
                (RecordField::Key, &["死亡证明编号"]),
                (RecordField::Date, &["死亡日期"]),
            ],
            Self::Assistance => &[
                (RecordField::Key, &["救助证号"]),
                (RecordField::Detail, &["保障类别", "救助类别"]),
                (RecordField::Date, &["保障起始日期"]),
                (RecordField::Amount, &["月保障金额"]),
            ],
            Self::Medical => &[
                (RecordField::Key, &["参保编号", "个人编号"]),
                (RecordField::Place, &["参保地代码"]),
                (RecordField::Detail, &["参保类别"]),
                (RecordField::Date, &["参保日期"]),
                (RecordField::Amount, &["个人缴费", "资助金额"]),
            ],
            Self::School => &[
                (RecordField::Key, &["学籍号"]),
                (RecordField::Name, &["学生姓名"]),
                (RecordField::Detail, &["学校名称", "学校"]),
                (RecordField::Date, &["入学日期"]),
            ],
            Self::Disability => &[
                (RecordField::Key, &["残疾人证号"]),
                (RecordField::Detail, &["残疾类别等级", "残疾类别"]),
                (RecordField::Date, &["发证日期"]),
            ],
        };
        let common: &[(RecordField, &[&str])] = &[
            (RecordField::Key, &["记录编号", "编号"]),
            (
                RecordField::IdNumber,
                &["身份证号", "公民身份号码", "证件号码", "身份证号码"],
            ),
            (RecordField::Name, &["姓名"]),
            (RecordField::Sex, &["性别"]),
            (RecordField::BirthDate, &["出生日期"]),
            (RecordField::Place, &["地区代码", "户籍地代码", "住址代码"]),
        ];
        let mut mapping: ColumnMapping = Vec::new();
        for (field, headers) in own.iter().chain(common) {
            let headers = headers.iter().map(|h| h.to_string());
            match mapping.iter_mut().find(|(f, _)| f == field) {
                Some((_, list)) => list.extend(headers),
                None => mapping.push((*field, headers.collect())),
            }
        }
        mapping
    }

    /// Whether a list of this kind is evidence against eligibility on its own (a member on
    /// it is a warning), as opposed to a roll of people who should be helped.
    pub fn excludes(self) -> bool {
        matches!(
            self,
            Self::Payroll | Self::Vehicle | Self::Housing | Self::Business | Self::Death
        )
    }
}

/// One row of a department list, as read.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct DepartmentRecord {
    pub key: String,
    /// As typed: may be missing, malformed or fail its checksum (that is what linkage is for).
    pub id_number: String,
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
    pub place: String,
    pub date: Option<NaiveDate>,
    pub amount: Option<Fen>,
    pub detail: String,
}

impl DepartmentRecord {
    /// The record as the linkage engine compares it.
    pub fn person(&self, today: NaiveDate) -> crate::linkage::Person {
        crate::linkage::Person::from_record(
            &self.id_number,
            &self.name,
            self.birth_date,
            self.sex,
            &self.place,
            today,
        )
    }

    /// Parses one cell into `field`. An empty cell is no value; a cell that cannot be read is
    /// an error naming the field, the value and the reason (the caller adds the row).
    pub fn set(&mut self, field: RecordField, cell: &str) -> Result<(), Message> {
        let t = cell.trim();
        let bad = |why: Message| {
            Message::new("department.cell")
                .with_label("field", field.zh(), field.en())
                .with("value", crate::fields::excerpt(t))
                .nested("reason", &why, &[MESSAGES, crate::money::MESSAGES])
        };
        // a list's cells hold no line breaks: one in a CSV is a stray quote that ran over rows
        if let Some(len) = crate::fields::over_limit(t, field.max_chars()) {
            return Err(bad(Message::new("department.too_long")
                .with("max", field.max_chars())
                .with("len", len)));
        }
        if t.contains(['\n', '\r']) {
            return Err(bad(Message::new("department.line_break")));
        }
        match field {
            RecordField::Key => self.key = t.to_string(),
            RecordField::IdNumber => self.id_number = t.to_string(),
            RecordField::Name => self.name = t.to_string(),
            RecordField::Place => {
                let numeric = t.bytes().all(|b| b.is_ascii_digit()) && t.len() <= 12;
                if !numeric {
                    return Err(bad(Message::new("department.not_area_code")));
                }
                self.place = t.to_string();
            }
            RecordField::Detail => self.detail = t.to_string(),
            RecordField::Sex => {
                self.sex = match t {
                    "" => None,
                    "1" => Some(Sex::Male),
                    "2" => Some(Sex::Female),
                    _ => {
                        Some(Sex::parse(t).ok_or_else(|| bad(Message::new("department.not_sex")))?)
                    }
                }
            }
            RecordField::BirthDate | RecordField::Date => {
                let d = if t.is_empty() {
                    None
                } else {
                    Some(
                        crate::date::parse_date(t)
                            .ok_or_else(|| bad(Message::new("department.not_date")))?,
                    )
                };
                if field == RecordField::Date {
                    self.date = d;
                } else {
                    self.birth_date = d;
                }
            }
            RecordField::Amount => {
                self.amount = if t.is_empty() {
                    None
                } else {
                    Some(Fen::parse_yuan(t).map_err(|e| bad(e.message()))?)
                }
            }
        }
        Ok(())
    }
}

/// The texts of the messages of this module.
pub const MESSAGES: Strings = &[
    (
        "department.cell",
        "{field}（{value}）：{reason}",
        "{field} “{value}”: {reason}",
    ),
    (
        "department.too_long",
        "超过{max}个字符（共{len}个）",
        "longer than {max} characters ({len})",
    ),
    (
        "department.line_break",
        "单元格内有换行（CSV中多为引号未闭合）",
        "the cell holds a line break (in a CSV, usually an unclosed quote)",
    ),
    (
        "department.not_area_code",
        "应为数字地区代码",
        "not a numeric area code",
    ),
    ("department.not_sex", "不是性别", "not a sex"),
    ("department.not_date", "不是日期", "not a date"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_compared_where_its_owner_may_see_it() {
        let a = |c: &str| AreaCode::parse(c).unwrap();
        let (province, county, township) = (a("52"), a("522726"), a("522726100"));
        let other_county = a("522727");
        // a county's list: used by the county, its townships and the province, over the county
        assert_eq!(
            run_area(Some(&county), Some(&county)),
            Some(Some(county.clone()))
        );
        assert_eq!(
            run_area(Some(&county), Some(&township)),
            Some(Some(township.clone()))
        );
        assert_eq!(
            run_area(Some(&county), Some(&province)),
            Some(Some(county.clone()))
        );
        assert_eq!(run_area(Some(&county), None), Some(Some(county.clone())));
        // never by a neighbour
        assert_eq!(run_area(Some(&county), Some(&other_county)), None);
        assert_eq!(run_area(Some(&township), Some(&other_county)), None);
        // the operator's lists: wherever asked
        assert_eq!(run_area(None, Some(&township)), Some(Some(township)));
        assert_eq!(run_area(None, None), Some(None));
    }

    #[test]
    fn every_kind_maps_the_fields_linkage_needs() {
        for &kind in DepartmentKind::ALL {
            let m = kind.default_mapping();
            for f in [RecordField::Key, RecordField::IdNumber, RecordField::Name] {
                assert!(
                    m.iter().any(|(g, h)| *g == f && !h.is_empty()),
                    "{kind:?} {f:?}"
                );
            }
            let fields: Vec<_> = m.iter().map(|(f, _)| f).collect();
            let mut unique = fields.clone();
            unique.dedup();
            assert_eq!(fields.len(), unique.len(), "{kind:?}: each field once");
        }
        let v = DepartmentKind::Vehicle.default_mapping();
        let name = &v.iter().find(|(f, _)| *f == RecordField::Name).unwrap().1;
        assert_eq!(name[0], "所有人", "the kind's own header first");
    }

    #[test]
    fn cells_are_read_or_refused_with_the_field_and_reason() {
        let mut r = DepartmentRecord::default();
        r.set(RecordField::Sex, "女").unwrap();
        r.set(RecordField::BirthDate, "1980-03-04").unwrap();
        r.set(RecordField::Amount, "350.50").unwrap();
        assert_eq!(r.sex, Some(Sex::Female));
        assert_eq!(r.amount, Some(Fen(35_050)));
        let text = |e: Message| e.bilingual(&[MESSAGES]).unwrap();
        let e = text(r.set(RecordField::BirthDate, "1980-13-01").unwrap_err());
        assert!(e.contains("出生日期") && e.contains("not a date"), "{e}");
        let e = text(r.set(RecordField::Place, "贵州").unwrap_err());
        assert!(e.contains("地区代码"), "{e}");
        let e = text(r.set(RecordField::Amount, "12.345").unwrap_err());
        assert!(
            e.contains("超过两位小数") && e.contains("more than two decimal places"),
            "{e}"
        );
        r.set(RecordField::Sex, "").unwrap();
        assert_eq!(r.sex, None);
    }

    #[test]
    fn cells_over_their_limit_or_across_lines_are_refused_and_cut_in_the_message() {
        let mut r = DepartmentRecord::default();
        r.set(RecordField::Name, &"王".repeat(50)).unwrap();
        let text = |e: Message| e.bilingual(&[MESSAGES]).unwrap();
        let e = text(r.set(RecordField::Name, &"王".repeat(100_000)).unwrap_err());
        assert!(e.contains("超过50个字符（共100000个）"), "{e}");
        assert!(e.len() < 1_000, "the value is cut: {} bytes", e.len());
        let e = text(
            r.set(RecordField::Detail, "贵A12345\n小型轿车")
                .unwrap_err(),
        );
        assert!(e.contains("line break"), "{e}");
    }
}
