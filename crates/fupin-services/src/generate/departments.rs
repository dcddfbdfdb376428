//! Department lists with planted truth (`fupin gen --departments`): for every generated
//! household, its members appear on the lists they belong on (the insured on the medical list,
//! the dibao members on the assistance roll, some on the payroll, vehicle, housing and business
//! lists where they should not be, the dead on the death register), people from the same
//! county who are not in the registry are added around them — a tenth of them namesakes of a
//! member (same name, birth date, sex and county, another valid ID number) — and every record
//! gets the slips clerks make, at the rates below. Each record's truth (the member it is, or
//! nobody) and its slips go to a truth file so linkage quality can be measured.

use chrono::{Datelike, NaiveDate};
use fupin_core::CodeList;
use fupin_core::codes::{Ethnicity, Health, Schooling, Sex};
use fupin_core::departments::{DepartmentKind, DepartmentRecord};
use fupin_core::linkage::name::traditional;
use fupin_core::{Fen, IdNumber, Member};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::GeneratedHousehold;
use super::names::{full_name, surname};
use super::pick::stream;

const DOMAIN_DEPARTMENTS: u64 = 3;

/// A generated record with the truth about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedRecord {
    pub kind: DepartmentKind,
    pub record: DepartmentRecord,
    /// The member this record is, by ID number; `None` for someone not in the registry.
    pub truth: Option<IdNumber>,
    /// Household number of that member.
    pub household: Option<String>,
    pub origin: Origin,
    pub slips: Vec<Slip>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Member,
    Outsider,
    /// Not in the registry, but shares a member's name, birth date, sex and county.
    Namesake,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Member => "member",
            Origin::Outsider => "outsider",
            Origin::Namesake => "namesake",
        }
    }
}

/// A slip planted in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slip {
    IdMissing,
    IdTypo,
    IdOld15,
    NameHomophone,
    NameDialect,
    NameTraditional,
    NameTypo,
    BirthSwapped,
    BirthTypo,
    SexWrong,
}

impl Slip {
    pub fn code(self) -> &'static str {
        match self {
            Slip::IdMissing => "id_missing",
            Slip::IdTypo => "id_typo",
            Slip::IdOld15 => "id_old15",
            Slip::NameHomophone => "name_homophone",
            Slip::NameDialect => "name_dialect",
            Slip::NameTraditional => "name_traditional",
            Slip::NameTypo => "name_typo",
            Slip::BirthSwapped => "birth_swapped",
            Slip::BirthTypo => "birth_typo",
            Slip::SexWrong => "sex_wrong",
        }
    }
}

/// How often each slip is planted (per record), and how many outsiders each household brings.
struct Rates {
    id_missing: f64,
    id_typo: f64,
    id_old15: f64,
    name_homophone: f64,
    name_dialect: f64,
    name_traditional: f64,
    name_typo: f64,
    birth_swapped: f64,
    birth_typo: f64,
    sex_wrong: f64,
}

const RATES: Rates = Rates {
    id_missing: 0.05,
    id_typo: 0.03,
    id_old15: 0.005,
    name_homophone: 0.02,
    name_dialect: 0.005,
    name_traditional: 0.01,
    name_typo: 0.005,
    birth_swapped: 0.01,
    birth_typo: 0.005,
    sex_wrong: 0.002,
};

/// Per kind: the chance a member who qualifies is on the list, outsiders per household, and how
/// many digits of place the list carries (0: no address at all).
fn plan(kind: DepartmentKind) -> (f64, f64, usize) {
    match kind {
        DepartmentKind::Payroll => (0.002, 0.30, 6),
        DepartmentKind::Vehicle => (0.008, 0.30, 6),
        DepartmentKind::Housing => (0.005, 0.20, 6),
        DepartmentKind::Business => (0.003, 0.10, 6),
        DepartmentKind::Death => (0.004, 0.05, 0),
        DepartmentKind::Assistance => (0.95, 0.05, 12),
        DepartmentKind::Medical => (0.97, 0.05, 12),
        DepartmentKind::School => (0.95, 0.10, 6),
        DepartmentKind::Disability => (0.90, 0.05, 12),
    }
}

/// Whether a member belongs on a list of this kind at all (before the inclusion chance).
fn qualifies(kind: DepartmentKind, m: &Member, year: i32) -> bool {
    let age = year - m.birth_date.year();
    match kind {
        DepartmentKind::Payroll | DepartmentKind::Vehicle | DepartmentKind::Housing => {
            (20..65).contains(&age)
        }
        DepartmentKind::Business => (22..65).contains(&age),
        DepartmentKind::Death => age >= 40,
        DepartmentKind::Assistance => m.dibao,
        DepartmentKind::Medical => m.medical_insurance,
        DepartmentKind::School => m.schooling != Schooling::NotInSchool,
        DepartmentKind::Disability => m.health == Health::Disabled,
    }
}

fn age_range(kind: DepartmentKind) -> (i32, i32) {
    match kind {
        DepartmentKind::Payroll | DepartmentKind::Vehicle | DepartmentKind::Housing => (22, 60),
        DepartmentKind::Business => (25, 60),
        DepartmentKind::Death => (50, 95),
        DepartmentKind::School => (6, 18),
        _ => (0, 90),
    }
}

/// Homophones as an input method offers them (same toneless pinyin), common in names.
#[rustfmt::skip]
const HOMOPHONES: &[&str] = &[
    "丽莉利力立", "伟卫维玮威", "明鸣铭", "华化桦", "军君均", "芳方", "英莹鹰樱", "红洪宏鸿",
    "平萍", "兰蓝岚", "玲灵凌", "琳林临", "珍真贞", "秀绣", "梅玫媚", "云芸运", "辉徽慧惠", "燕艳雁",
    "勇永涌", "杰洁", "静敬婧", "娟鹃", "涛韬", "霞侠", "琴勤芹", "凤峰锋丰", "刚钢纲", "建健",
    "文雯", "斌彬", "俊骏", "波博", "成诚承", "志智", "春纯", "桂贵", "清青", "玉育", "金今",
    "荣蓉容", "晓小孝", "佳家嘉", "婷亭", "龙隆", "飞菲", "新欣馨", "福富", "生升声", "元园源",
    "忠中钟", "祥翔", "兵冰", "宝保", "张章", "王汪", "李黎", "徐许", "于余", "肖萧", "傅付",
    "蒋姜", "杨阳", "吴武", "周州", "刘留", "黄皇", "胡湖", "朱珠", "何和", "罗洛", "梁良",
];

/// Pairs a southwestern-Mandarin speaker does not tell apart (n/l, -n/-ng, zh/z …).
#[rustfmt::skip]
const DIALECT: &[&str] = &[
    "林宁", "兰南", "陈程", "金晶", "敏明", "芬峰", "琴晴", "斌兵", "新星", "珍争", "宁玲",
    "连年", "娘良", "宾冰", "勤情",
];

/// Characters a slip of the hand puts in instead.
const ANY: &[char] = &['大', '小', '国', '永', '德', '长', '之', '正', '光', '和'];

/// The records one household brings to the lists: its members where they belong, and
/// outsiders from its county. `index` is the household's position in the generated order.
pub fn records_for(seed: u64, index: u64, g: &GeneratedHousehold, year: i32) -> Vec<PlantedRecord> {
    let mut rng = stream(seed, DOMAIN_DEPARTMENTS, index);
    let h = &g.household;
    let county = &h.village_code.as_str()[..6];
    let mut out = Vec::new();
    for &kind in DepartmentKind::ALL {
        let (share, outsiders, place_digits) = plan(kind);
        let place_of = |village: &str| village[..place_digits].to_string();
        for (k, m) in h.members.iter().enumerate() {
            if !qualifies(kind, m, year) || !rng.random_bool(share) {
                continue;
            }
            let key = format!("{}{index:07}{k:02}", kind_prefix(kind));
            let record = clean_record(&key, &m.id_number, &m.name, m.sex, m.birth_date);
            let mut p = PlantedRecord {
                kind,
                record: DepartmentRecord {
                    place: place_of(h.village_code.as_str()),
                    ..record
                },
                truth: Some(m.id_number.clone()),
                household: Some(h.number.clone()),
                origin: Origin::Member,
                slips: Vec::new(),
            };
            add_details(&mut rng, &mut p, year);
            add_slips(&mut rng, &mut p, true);
            out.push(p);
        }
        let n = whole_part(&mut rng, outsiders);
        for k in 0..n {
            let key = format!("{}{index:07}{:02}", kind_prefix(kind), 50 + k);
            let namesake = !h.members.is_empty() && rng.random_bool(0.10);
            let (name, sex, birth, seq_base) = if namesake {
                let m = &h.members[rng.random_range(0..h.members.len())];
                (m.name.clone(), m.sex, m.birth_date, 450)
            } else {
                let sex = if rng.random_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let (lo, hi) = age_range(kind);
                let birth = NaiveDate::from_ymd_opt(year - rng.random_range(lo..=hi), 1, 1)
                    .and_then(|d| d.checked_add_days(chrono::Days::new(rng.random_range(0..365))))
                    .expect("a real date");
                let eth = h.members.first().map_or(Ethnicity::Han, |m| m.ethnicity);
                let family = surname(&mut rng, eth);
                let name = full_name(&mut rng, family, sex, birth.year());
                (name, sex, birth, 400)
            };
            let id = IdNumber::compose(county, birth, seq_base + rng.random_range(0..50), sex);
            let record = clean_record(&key, &id, &name, sex, birth);
            let mut p = PlantedRecord {
                kind,
                record: DepartmentRecord {
                    place: place_of(h.village_code.as_str()),
                    ..record
                },
                truth: None,
                household: None,
                origin: if namesake {
                    Origin::Namesake
                } else {
                    Origin::Outsider
                },
                slips: Vec::new(),
            };
            add_details(&mut rng, &mut p, year);
            // a namesake is told apart by its valid number: its number is never slipped
            add_slips(&mut rng, &mut p, !namesake);
            out.push(p);
        }
    }
    out
}

fn kind_prefix(kind: DepartmentKind) -> &'static str {
    match kind {
        DepartmentKind::Payroll => "CZ",
        DepartmentKind::Vehicle => "CL",
        DepartmentKind::Housing => "FC",
        DepartmentKind::Business => "GS",
        DepartmentKind::Death => "SW",
        DepartmentKind::Assistance => "DB",
        DepartmentKind::Medical => "YB",
        DepartmentKind::School => "XJ",
        DepartmentKind::Disability => "CJ",
    }
}

fn clean_record(
    key: &str,
    id: &IdNumber,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
) -> DepartmentRecord {
    DepartmentRecord {
        key: key.to_string(),
        id_number: id.as_str().to_string(),
        name: name.to_string(),
        sex: Some(sex),
        birth_date: Some(birth),
        ..DepartmentRecord::default()
    }
}

/// `x` rounded up or down at random so that the mean is `x`.
fn whole_part(rng: &mut ChaCha8Rng, x: f64) -> usize {
    let whole = x.floor();
    whole as usize + usize::from(rng.random_bool(x - whole))
}

/// Date, amount and detail as the kind's list has them.
fn add_details(rng: &mut ChaCha8Rng, p: &mut PlantedRecord, year: i32) {
    // a day in one of the last `back` years before `year`, or in `year` itself
    let day_in = |rng: &mut ChaCha8Rng, back: i32| {
        let y = year - rng.random_range(0..=back);
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.random_range(0..365))))
    };
    let r = &mut p.record;
    match p.kind {
        DepartmentKind::Payroll => {
            r.detail = [
                "县教育局",
                "乡镇卫生院",
                "镇人民政府",
                "县水务局",
                "县人民医院",
            ][rng.random_range(0..5)]
            .to_string();
            r.amount = Some(Fen::from_yuan(rng.random_range(3_000..8_000)));
        }
        DepartmentKind::Vehicle => {
            r.detail = ["小型轿车", "小型普通客车", "轻型货车", "二轮摩托车"]
                [rng.random_range(0..4)]
            .to_string();
            r.date = day_in(rng, 5);
            r.amount = Some(Fen::from_yuan(rng.random_range(30..250) * 1_000));
        }
        DepartmentKind::Housing => {
            r.detail = "县城商品住房".to_string();
            r.date = day_in(rng, 7);
            r.amount = Some(Fen::from_yuan(rng.random_range(200..900) * 1_000));
        }
        DepartmentKind::Business => {
            r.detail = ["种养专业合作社", "商贸有限公司", "建材经营部", "农家乐"]
                [rng.random_range(0..4)]
            .to_string();
            r.date = day_in(rng, 9);
            r.amount = Some(Fen::from_yuan(rng.random_range(1..100) * 10_000));
        }
        DepartmentKind::Death => r.date = day_in(rng, 0),
        DepartmentKind::Assistance => {
            r.detail = if rng.random_bool(0.85) {
                "农村低保"
            } else {
                "特困供养"
            }
            .to_string();
            r.date = day_in(rng, 4);
            r.amount = Some(Fen::from_yuan(rng.random_range(250..650)));
        }
        DepartmentKind::Medical => {
            r.detail = "城乡居民基本医疗保险".to_string();
            r.date = day_in(rng, 0);
            r.amount = Some(Fen::from_yuan(if p.truth.is_some() { 0 } else { 350 }));
        }
        DepartmentKind::School => {
            r.detail = ["县第一中学", "镇中心小学", "县民族中学", "县职业技术学校"]
                [rng.random_range(0..4)]
            .to_string();
            r.date = day_in(rng, 5);
        }
        DepartmentKind::Disability => {
            r.detail = [
                "肢体残疾三级",
                "视力残疾二级",
                "智力残疾四级",
                "听力残疾三级",
            ][rng.random_range(0..4)]
            .to_string();
            r.date = day_in(rng, 9);
        }
    }
}

fn add_slips(rng: &mut ChaCha8Rng, p: &mut PlantedRecord, number_may_slip: bool) {
    let r = &mut p.record;
    let slip = |rng: &mut ChaCha8Rng, chance: f64, s: Slip, slips: &mut Vec<Slip>| {
        let hit = rng.random_bool(chance);
        if hit {
            slips.push(s);
        }
        hit
    };
    let slips = &mut p.slips;
    if number_may_slip {
        if slip(rng, RATES.id_missing, Slip::IdMissing, slips) {
            r.id_number.clear();
        } else if slip(rng, RATES.id_typo, Slip::IdTypo, slips) {
            r.id_number = typo_in_number(rng, &r.id_number);
        } else if r.birth_date.is_some_and(|b| b.year() < 2000)
            && slip(rng, RATES.id_old15, Slip::IdOld15, slips)
        {
            // 15-digit numbers were issued only to people born in the 1900s
            let id = &r.id_number;
            r.id_number = format!("{}{}", &id[..6], &id[8..17]);
        }
    }
    if slip(rng, RATES.name_homophone, Slip::NameHomophone, slips) {
        if let Some(n) = swap_from_groups(rng, &r.name, HOMOPHONES) {
            r.name = n;
        } else {
            slips.pop();
        }
    } else if slip(rng, RATES.name_dialect, Slip::NameDialect, slips) {
        if let Some(n) = swap_from_groups(rng, &r.name, DIALECT) {
            r.name = n;
        } else {
            slips.pop();
        }
    } else if slip(rng, RATES.name_traditional, Slip::NameTraditional, slips) {
        let t: String = r
            .name
            .chars()
            .map(|c| traditional(c).unwrap_or(c))
            .collect();
        if t != r.name {
            r.name = t;
        } else {
            slips.pop();
        }
    } else if slip(rng, RATES.name_typo, Slip::NameTypo, slips) {
        let mut chars: Vec<char> = r.name.chars().collect();
        let i = rng.random_range(1..chars.len().max(2)).min(chars.len() - 1);
        if chars.len() >= 3 && rng.random_bool(0.5) {
            chars.remove(i);
        } else {
            chars[i] = ANY[rng.random_range(0..ANY.len())];
        }
        r.name = chars.into_iter().collect();
    }
    if let Some(b) = r.birth_date {
        if b.day() <= 12
            && b.day() != b.month()
            && slip(rng, RATES.birth_swapped, Slip::BirthSwapped, slips)
        {
            r.birth_date = NaiveDate::from_ymd_opt(b.year(), b.day(), b.month());
        } else if slip(rng, RATES.birth_typo, Slip::BirthTypo, slips) {
            r.birth_date = b.checked_add_days(chrono::Days::new(rng.random_range(1..=9)));
        }
    }
    if slip(rng, RATES.sex_wrong, Slip::SexWrong, slips) {
        r.sex = r.sex.map(|s| {
            if s == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            }
        });
    }
}

/// One digit replaced, two neighbours swapped or one digit dropped: a number that fails its
/// check (GB 11643's check character catches every one of these).
fn typo_in_number(rng: &mut ChaCha8Rng, id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    let i = rng.random_range(0..17);
    match rng.random_range(0..3) {
        0 => {
            let d = b[i] - b'0';
            b[i] = b'0' + (d + rng.random_range(1..10)) % 10;
        }
        1 if b[i] != b[i + 1] => b.swap(i, i + 1),
        _ => {
            b.remove(i);
        }
    }
    String::from_utf8(b).expect("ASCII")
}

/// Replaces one character that belongs to a group with another of its group.
fn swap_from_groups(rng: &mut ChaCha8Rng, name: &str, groups: &[&str]) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let spots: Vec<(usize, Vec<char>)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let group = groups.iter().find(|g| g.contains(*c))?;
            let others: Vec<char> = group.chars().filter(|o| o != c).collect();
            Some((i, others))
        })
        .collect();
    if spots.is_empty() {
        return None;
    }
    let (i, others) = &spots[rng.random_range(0..spots.len())];
    let mut out = chars.clone();
    out[*i] = others[rng.random_range(0..others.len())];
    Some(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fupin_core::linkage::name::{Name, NameAgreement};

    #[test]
    fn homophone_and_dialect_tables_are_what_they_claim() {
        let level = |a: char, b: char| {
            let name = |c: char| Name::new(&c.to_string()).unwrap();
            name(a).compare(&name(b))
        };
        let mut wrong = Vec::new();
        for (groups, expected) in [
            (HOMOPHONES, NameAgreement::Homophone),
            (DIALECT, NameAgreement::DialectHomophone),
        ] {
            for group in groups {
                let cs: Vec<char> = group.chars().collect();
                for w in cs.windows(2) {
                    if level(w[0], w[1]) != expected {
                        wrong.push(format!("{}{}", w[0], w[1]));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn a_slipped_number_always_fails_its_check() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut rng = stream(1, 1, 1);
        for k in 0..2_000u32 {
            let birth =
                NaiveDate::from_ymd_opt(1950 + (k % 60) as i32, 1 + k % 12, 1 + k % 28).unwrap();
            let id = IdNumber::compose("522722", birth, (k % 400) as u16, Sex::Male);
            let typo = typo_in_number(&mut rng, id.as_str());
            assert!(IdNumber::parse(&typo, today).is_err(), "{id} → {typo}");
        }
    }
}
