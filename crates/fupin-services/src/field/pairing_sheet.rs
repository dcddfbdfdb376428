//! The pairing sheet (结对帮扶表) in and out: an area's households with their current helpers,
//! exported to be filled in and imported back. An import is all or nothing: every bad row is
//! named with its column and reason, the helpers' loads are checked as they will be after the
//! whole file (a household moved away frees a place), and a file imported twice changes nothing
//! the second time.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use fupin_core::access::Scope;
use fupin_core::codes::CodeList;
use fupin_core::field::pairing::{self, HelperDraft, UnitLevel};
use fupin_core::message::Explained;
use fupin_core::{AreaCode, Message, PolicyKey};
use fupin_storage::Db;
use fupin_storage::field::helpers::{HelperRow, NewHelper};

use super::pairing::pair_in;
use crate::audit::Actor;
use crate::error::{Result, ServiceError};
use crate::sheet::{self, Row};

/// The sheet's columns: (中文, English), in order.
pub const COLUMNS: [(&str, &str); 8] = [
    ("户编号", "household number"),
    ("所在村", "village"),
    ("帮扶责任人", "helper"),
    ("联系电话", "phone"),
    ("帮扶单位", "unit"),
    ("单位隶属关系", "unit level"),
    ("职务", "post"),
    ("帮扶起始时间", "since"),
];

/// The column of the village, which [`export`] fills with codes for the caller to name.
pub const VILLAGE_COLUMN: usize = 1;

/// An area's pairing sheet: its header and rows, the village column holding codes.
pub async fn export(
    db: &Db,
    scope: &Scope,
    area: &AreaCode,
) -> Result<(Vec<&'static str>, Vec<Vec<String>>)> {
    let lines = db.pairing_sheet(scope, area).await?;
    let rows = lines
        .into_iter()
        .map(|l| {
            vec![
                l.number,
                l.village_code,
                l.name.unwrap_or_default(),
                l.phone.unwrap_or_default(),
                l.unit.unwrap_or_default(),
                l.unit_level
                    .and_then(|c| UnitLevel::parse(&c))
                    .map(|u| u.zh().to_string())
                    .unwrap_or_default(),
                l.post.unwrap_or_default(),
                l.started_on.unwrap_or_default(),
            ]
        })
        .collect();
    Ok((COLUMNS.iter().map(|c| c.0).collect(), rows))
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PairingImport {
    pub rows: usize,
    /// Rows naming no helper (households left as they are).
    pub blank: usize,
    pub helpers_created: usize,
    pub paired: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// One good row.
struct Line {
    row: usize,
    household: i64,
    village: AreaCode,
    helper: HelperDraft,
    since: NaiveDate,
}

/// Who a row's helper is: their name (blanks aside) with their phone when the row gives one,
/// else with their unit — a phone alone is not enough where several people share an office's.
fn identity(h: &HelperDraft) -> String {
    let name: String = h.name.chars().filter(|c| !c.is_whitespace()).collect();
    let phone: String = h.phone.chars().filter(char::is_ascii_digit).collect();
    if phone.is_empty() {
        format!("{name}\u{1f}{}", h.unit.trim())
    } else {
        format!("{name}\u{1f}{phone}")
    }
}

fn identity_of(h: &HelperRow) -> String {
    identity(&HelperDraft {
        name: h.name.clone(),
        phone: h.phone.clone(),
        unit: h.unit.clone().unwrap_or_default(),
        unit_level: None,
        post: String::new(),
    })
}

/// A date as people type it: 2019-05-01, 2019/5/1, 20190501; an Excel serial day number.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    for f in [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y%m%d",
        "%Y.%m.%d",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    let serial: f64 = t.parse().ok()?;
    (20_000.0..80_000.0)
        .contains(&serial)
        .then(|| {
            NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_days(chrono::Days::new(serial as u64))
        })
        .flatten()
}

/// Imports the pairing sheet at `path` for the households of `scope`, as `actor`.
pub async fn import(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    path: &Path,
    today: NaiveDate,
) -> Result<PairingImport> {
    let mut rows = sheet::open(path)?;
    let header = sheet::header_row(&mut rows)?;
    let col = |i: usize| sheet::find_column(&header, COLUMNS[i].0, COLUMNS[i].1);
    let (number_col, name_col, unit_col) = (col(0)?, col(2)?, col(4)?);
    let optional = |i: usize| col(i).ok();
    let (phone_col, level_col, post_col, since_col) =
        (optional(3), optional(5), optional(6), optional(7));
    let mut raw: Vec<(usize, Row)> = Vec::new();
    for r in rows {
        raw.push(r?);
    }
    let cell =
        |r: &Row, c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").trim().to_string();
    let numbers: Vec<String> = raw.iter().map(|(_, r)| cell(r, Some(number_col))).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let known = db.households_by_number(scope, &refs).await?;
    let mut summary = PairingImport {
        rows: raw.len(),
        ..PairingImport::default()
    };
    let mut errors: Vec<Message> = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for ((row, r), number) in raw.iter().zip(&numbers) {
        let bad = |column: usize, reason: Message| {
            sheet::bad_cell(*row, COLUMNS[column].0, &cell(r, Some(column)), &reason)
        };
        if let Some(first) = first_row.insert(number.clone(), *row) {
            errors.push(sheet::repeats_row(*row, number.clone(), first));
            continue;
        }
        let Some(keys) = known.get(number.as_str()) else {
            errors.push(sheet::bad_cell(
                *row,
                COLUMNS[0].0,
                number,
                &Message::new("pairing.unknown_household"),
            ));
            continue;
        };
        let helper = HelperDraft {
            name: cell(r, Some(name_col)),
            phone: cell(r, phone_col),
            unit: cell(r, Some(unit_col)),
            unit_level: None,
            post: cell(r, post_col),
        };
        if helper.name.is_empty() && helper.unit.is_empty() && helper.phone.is_empty() {
            summary.blank += 1;
            continue;
        }
        let mut reasons: Vec<Message> = pairing::check_helper(&helper)
            .iter()
            .map(|p| p.message())
            .collect();
        let level_text = cell(r, level_col);
        let unit_level = if level_text.is_empty() {
            None
        } else {
            let found = UnitLevel::ALL
                .iter()
                .copied()
                .find(|l| l.code() == level_text || l.zh() == level_text);
            if found.is_none() {
                errors.push(bad(5, Message::new("pairing.bad_unit_level")));
                continue;
            }
            found
        };
        let since_text = cell(r, since_col);
        let since = if since_text.is_empty() {
            Some(today)
        } else {
            parse_day(&since_text)
        };
        match since {
            None => reasons.push(Message::new("pairing.bad_day")),
            Some(d) if d > today => reasons.push(Message::new("pairing.future")),
            Some(_) => {}
        }
        if !reasons.is_empty() {
            errors.push(sheet::bad_row(*row, &reasons));
            continue;
        }
        let village =
            AreaCode::parse(&keys.village_code).map_err(|e| ServiceError::Internal(e.into()))?;
        lines.push(Line {
            row: *row,
            household: keys.id,
            village,
            helper: HelperDraft {
                unit_level,
                ..helper
            },
            since: since.expect("checked above"),
        });
    }
    sheet::refuse_bad_rows(&errors)?;

    // the helpers named, found among those registered in the file's area or new
    let policy = db.policy().await?;
    let file_area = lines
        .iter()
        .map(|l| l.village.clone())
        .reduce(|a, b| a.common(&b));
    let Some(file_area) = file_area else {
        return Ok(summary);
    };
    let mut tx = db.begin().await?;
    let helper_area = file_area.ancestor(fupin_core::AreaLevel::County.min(file_area.level()));
    let registered: HashMap<String, HelperRow> = tx
        .helpers_by_identity(&helper_area)
        .await?
        .into_iter()
        .map(|h| (identity_of(&h), h))
        .collect();
    // each helper's households once the whole file is in: their current ones, less those the
    // file gives to someone else, plus those it gives them
    let mut current_of: HashMap<i64, i64> = HashMap::new();
    let households: Vec<i64> = lines.iter().map(|l| l.household).collect();
    for (household, helper) in tx.current_helpers_of(&households).await? {
        current_of.insert(household, helper);
    }
    let key_of: HashMap<i64, String> = registered.iter().map(|(k, h)| (h.id, k.clone())).collect();
    let mut load: HashMap<String, HashSet<i64>> = HashMap::new();
    for (helper, household) in tx.current_pairs_in(&helper_area).await? {
        if let Some(key) = key_of.get(&helper) {
            load.entry(key.clone()).or_default().insert(household);
        }
    }
    for l in &lines {
        let key = identity(&l.helper);
        for (k, set) in load.iter_mut() {
            if *k != key {
                set.remove(&l.household);
            }
        }
        load.entry(key).or_default().insert(l.household);
    }
    for l in &lines {
        let limit = policy
            .value(PolicyKey::HelperHouseholdLimit, l.since.year(), &l.village)
            .unwrap_or(4);
        let n = load.get(&identity(&l.helper)).map_or(0, HashSet::len) as i64;
        if n > limit {
            errors.push(sheet::bad_row(
                l.row,
                &[pairing::PairingProblem::LimitReached { limit }.message()],
            ));
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        return Err(
            sheet::refuse_counted(errors.len(), &errors[..errors.len().min(20)])
                .expect_err("errors were found")
                .into(),
        );
    }

    let mut ids: HashMap<String, i64> = registered.iter().map(|(k, h)| (k.clone(), h.id)).collect();
    let mut audit = Vec::new();
    for l in &lines {
        let key = identity(&l.helper);
        let helper_id = match ids.get(&key) {
            Some(&id) => id,
            None => {
                let level = l.helper.unit_level.map(|u| u.code()).unwrap_or_default();
                let unit = tx
                    .unit_id(file_area.as_str(), &l.helper.unit, level)
                    .await?;
                let id = tx
                    .insert_helper(&NewHelper {
                        area_code: l.village.to_string(),
                        name: l.helper.name.clone(),
                        phone: l.helper.phone.clone(),
                        unit_id: Some(unit),
                        post: l.helper.post.clone(),
                        user_id: None,
                    })
                    .await?;
                summary.helpers_created += 1;
                audit.push(actor.entry(
                    "field.helper.create",
                    "helper",
                    id.to_string(),
                    l.village.as_str(),
                    format!(
                        "{} ({}), pairing sheet row {}",
                        l.helper.name, l.helper.unit, l.row
                    ),
                ));
                ids.insert(key, id);
                id
            }
        };
        if current_of.get(&l.household) == Some(&helper_id) {
            summary.unchanged += 1;
            continue;
        }
        let change = pair_in(
            &mut tx,
            &policy,
            scope,
            l.household,
            helper_id,
            l.since,
            &actor.name,
            false,
        )
        .await?;
        current_of.insert(l.household, helper_id);
        if change.ended.is_some() {
            summary.changed += 1;
        } else {
            summary.paired += 1;
        }
        audit.push(actor.entry(
            "field.pairing.set",
            "household",
            change.number,
            &change.village,
            format!(
                "helper {helper_id} from {}, pairing sheet row {}",
                l.since, l.row
            ),
        ));
    }
    tx.commit_audited(audit)
        .await
        .context("committing the pairing sheet")?;
    Ok(summary)
}

/// The texts of this module's messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "pairing.unknown_household",
        "户编号不存在或不在您的管辖范围内",
        "No such household number within your jurisdiction",
    ),
    (
        "pairing.bad_unit_level",
        "单位隶属关系应为：中央单位、省直、市直、县直、乡镇、村级",
        "The unit level must be one of: central, provincial, municipal, county, township, village",
    ),
    (
        "pairing.bad_day",
        "帮扶起始时间不是日期（如 2019-05-01）",
        "The start is not a date (such as 2019-05-01)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_people_type_them() {
        let d = NaiveDate::from_ymd_opt(2019, 5, 1);
        for text in ["2019-05-01", "2019/5/1", "20190501", "2019.05.01", "43586"] {
            assert_eq!(parse_day(text), d, "{text}");
        }
        assert_eq!(parse_day("五月"), None);
        assert_eq!(parse_day("12"), None);
    }

    #[test]
    fn a_helper_is_known_by_name_and_phone_else_by_name_and_unit() {
        let h = |name: &str, phone: &str, unit: &str| HelperDraft {
            name: name.into(),
            phone: phone.into(),
            unit: unit.into(),
            unit_level: None,
            post: String::new(),
        };
        assert_eq!(
            identity(&h("王芳", "138 1234 5678", "县教育局")),
            identity(&h("王 芳", "13812345678", "教育局"))
        );
        assert_ne!(
            identity(&h("王芳", "", "县教育局")),
            identity(&h("王芳", "", "县卫健局"))
        );
    }
}
