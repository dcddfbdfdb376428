//! Policy parameters that vary by year and region: poverty and monitoring lines, notice periods,
//! exit thresholds. Never constants in code: they are versioned, region-scoped data.
//!
//! A parameter applies from `year_from` on, inside `region` (a national row or an area code and
//! everything below it). For a given year and place the most specific region wins, then the
//! latest `year_from` not after the year. National defaults come from `domain.md` and ship in
//! `data/policy_defaults.csv`; deployments add or override rows.

use crate::area::AreaCode;
use crate::money::Fen;

/// The parameters the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKey {
    /// National rural poverty line, fen per person per year (current prices).
    PovertyLine,
    /// A province's own higher line (省定标准), where it set one.
    ProvincialPovertyLine,
    /// Income line for household exit; falls back to the poverty line.
    ExitIncomeLine,
    /// Upper bound of the monitoring range (监测范围), fen per person per year.
    MonitoringLine,
    NoticeDaysIdentification,
    NoticeDaysExit,
    NoticeDaysMonitoring,
    MonitoringMinMonths,
    /// Days from a risk clue to the county's decision on a monitoring entry.
    MonitoringDecisionDays,
    /// Thresholds in basis points (1/100 of a percent).
    VillageExitIncidenceMaxBp,
    CountyIncidenceMaxBp,
    CountyWrongExitMaxBp,
    CountyOmissionMaxBp,
    CountyApprovalMinBp,
    /// A province's minimum village collective income for village exit, yuan; no national
    /// value (the national rule only "considers" it).
    VillageCollectiveIncomeMinYuan,
    /// The most households one helper may be paired with ("一帮四").
    HelperHouseholdLimit,
    /// A visit's position farther than this from the household, metres, is flagged.
    VisitRadiusM,
    /// A paired household not visited for more days than this is listed as overdue.
    NotVisitedDays,
}

impl PolicyKey {
    pub const ALL: [PolicyKey; 18] = [
        Self::PovertyLine,
        Self::ProvincialPovertyLine,
        Self::ExitIncomeLine,
        Self::MonitoringLine,
        Self::NoticeDaysIdentification,
        Self::NoticeDaysExit,
        Self::NoticeDaysMonitoring,
        Self::MonitoringMinMonths,
        Self::MonitoringDecisionDays,
        Self::VillageExitIncidenceMaxBp,
        Self::CountyIncidenceMaxBp,
        Self::CountyWrongExitMaxBp,
        Self::CountyOmissionMaxBp,
        Self::CountyApprovalMinBp,
        Self::VillageCollectiveIncomeMinYuan,
        Self::HelperHouseholdLimit,
        Self::VisitRadiusM,
        Self::NotVisitedDays,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::PovertyLine => "poverty_line",
            Self::ProvincialPovertyLine => "provincial_poverty_line",
            Self::ExitIncomeLine => "exit_income_line",
            Self::MonitoringLine => "monitoring_line",
            Self::NoticeDaysIdentification => "notice_days_identification",
            Self::NoticeDaysExit => "notice_days_exit",
            Self::NoticeDaysMonitoring => "notice_days_monitoring",
            Self::MonitoringMinMonths => "monitoring_min_months",
            Self::MonitoringDecisionDays => "monitoring_decision_days",
            Self::VillageExitIncidenceMaxBp => "village_exit_incidence_max_bp",
            Self::CountyIncidenceMaxBp => "county_incidence_max_bp",
            Self::CountyWrongExitMaxBp => "county_wrong_exit_max_bp",
            Self::CountyOmissionMaxBp => "county_omission_max_bp",
            Self::CountyApprovalMinBp => "county_approval_min_bp",
            Self::VillageCollectiveIncomeMinYuan => "village_collective_income_min_yuan",
            Self::HelperHouseholdLimit => "helper_household_limit",
            Self::VisitRadiusM => "visit_radius_m",
            Self::NotVisitedDays => "not_visited_days",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A key to consult when this one has no value for a place and year.
    fn fallback(self) -> Option<Self> {
        match self {
            Self::ExitIncomeLine => Some(Self::PovertyLine),
            _ => None,
        }
    }
}

/// How well a value is supported by the sources (`domain.md` marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Verified,
    Unverified,
    Disagreement,
    /// Set by a deployment (a provincial or county document).
    Local,
}

impl Evidence {
    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
            Self::Disagreement => "disagreement",
            Self::Local => "local",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Verified,
            Self::Unverified,
            Self::Disagreement,
            Self::Local,
        ]
        .into_iter()
        .find(|e| e.code() == s)
    }
}

/// One row of the parameter table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyParam {
    pub key: PolicyKey,
    /// `None` = national.
    pub region: Option<AreaCode>,
    pub year_from: i32,
    /// Integer value in the key's unit (fen, days, months, basis points).
    pub value: i64,
    pub evidence: Evidence,
    pub source: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy defaults line {line}: {reason}")]
pub struct PolicyParseError {
    pub line: usize,
    pub reason: String,
}

/// The national defaults shipped with fupin.
pub fn default_params() -> Vec<PolicyParam> {
    parse_params(include_str!("../data/policy_defaults.csv")).expect("shipped defaults parse")
}

/// Parses the simple CSV form of `policy_defaults.csv` (the last column may be quoted).
pub fn parse_params(text: &str) -> Result<Vec<PolicyParam>, PolicyParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let err = |reason: &str| PolicyParseError {
            line: i + 1,
            reason: reason.to_string(),
        };
        let cols: Vec<&str> = line.splitn(7, ',').collect();
        let [key, region, year, value, evidence, source, note] = cols[..] else {
            return Err(err("expected 7 columns"));
        };
        out.push(PolicyParam {
            key: PolicyKey::parse(key).ok_or_else(|| err("unknown key"))?,
            region: match region {
                "CN" | "" => None,
                code => Some(AreaCode::parse(code).map_err(|e| err(&e.to_string()))?),
            },
            year_from: year.parse().map_err(|_| err("bad year"))?,
            value: value.parse().map_err(|_| err("bad value"))?,
            evidence: Evidence::parse(evidence).ok_or_else(|| err("bad evidence"))?,
            source: source.to_string(),
            note: note.trim_matches('"').to_string(),
        });
    }
    Ok(out)
}

/// A set of parameters to resolve against.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    params: Vec<PolicyParam>,
}

impl PolicySet {
    pub fn new(params: Vec<PolicyParam>) -> Self {
        Self { params }
    }

    pub fn defaults() -> Self {
        Self::new(default_params())
    }

    pub fn params(&self) -> &[PolicyParam] {
        &self.params
    }

    /// The parameter row in force for `key` in `year` at `place`.
    pub fn resolve(&self, key: PolicyKey, year: i32, place: &AreaCode) -> Option<&PolicyParam> {
        let specificity = |p: &PolicyParam| p.region.as_ref().map_or(0, |r| r.prefix().len());
        self.params
            .iter()
            .filter(|p| p.key == key && p.year_from <= year)
            .filter(|p| p.region.as_ref().is_none_or(|r| r.contains(place)))
            .max_by_key(|p| (specificity(p), p.year_from))
            .or_else(|| key.fallback().and_then(|k| self.resolve(k, year, place)))
    }

    pub fn value(&self, key: PolicyKey, year: i32, place: &AreaCode) -> Option<i64> {
        self.resolve(key, year, place).map(|p| p.value)
    }

    pub fn money(&self, key: PolicyKey, year: i32, place: &AreaCode) -> Option<Fen> {
        self.value(key, year, place).map(Fen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    #[test]
    fn national_lines_by_year() {
        let p = PolicySet::defaults();
        let dushan = code("522726100201");
        assert_eq!(
            p.money(PolicyKey::PovertyLine, 2013, &dushan),
            Some(Fen(273_600))
        );
        assert_eq!(
            p.money(PolicyKey::PovertyLine, 2016, &dushan),
            Some(Fen(295_200))
        );
        assert_eq!(
            p.money(PolicyKey::PovertyLine, 2020, &dushan),
            Some(Fen(400_000))
        );
        // after the last row the latest value stays in force
        assert_eq!(
            p.money(PolicyKey::PovertyLine, 2023, &dushan),
            Some(Fen(400_000))
        );
        assert_eq!(p.value(PolicyKey::PovertyLine, 2009, &dushan), None);
    }

    #[test]
    fn region_beats_nation_and_fallbacks_apply() {
        let p = PolicySet::defaults();
        let guizhou = code("522726100201");
        let anhui = code("341602100201");
        assert_eq!(
            p.value(PolicyKey::VillageExitIncidenceMaxBp, 2018, &guizhou),
            Some(300)
        );
        assert_eq!(
            p.value(PolicyKey::VillageExitIncidenceMaxBp, 2018, &anhui),
            Some(200)
        );
        assert_eq!(
            p.money(PolicyKey::ExitIncomeLine, 2019, &anhui),
            Some(Fen(321_800))
        );
        assert_eq!(
            p.money(PolicyKey::MonitoringLine, 2024, &code("530102001001")),
            Some(Fen(870_000))
        );
        assert_eq!(
            p.money(PolicyKey::MonitoringLine, 2024, &anhui),
            Some(Fen(730_000))
        );
    }

    #[test]
    fn a_county_override_wins_over_its_province() {
        let mut params = default_params();
        params.push(PolicyParam {
            key: PolicyKey::NoticeDaysIdentification,
            region: Some(code("522726")),
            year_from: 2015,
            value: 10,
            evidence: Evidence::Local,
            source: "county notice".into(),
            note: String::new(),
        });
        let p = PolicySet::new(params);
        assert_eq!(
            p.value(
                PolicyKey::NoticeDaysIdentification,
                2016,
                &code("522726100201")
            ),
            Some(10)
        );
        assert_eq!(
            p.value(
                PolicyKey::NoticeDaysIdentification,
                2014,
                &code("522726100201")
            ),
            Some(7)
        );
        assert_eq!(
            p.value(
                PolicyKey::NoticeDaysIdentification,
                2016,
                &code("522730100201")
            ),
            Some(7)
        );
    }
}
