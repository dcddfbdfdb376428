//! The exit standard of a village or a county on the area pages (`domain.md` §4.2–4.3): the
//! verdict in a list of areas, and each criterion with its figure, threshold and outcome on the
//! area's own page. The rules are `fupin_core::assessment::area_exit`'s.

use chrono::Datelike;
use fupin_core::PolicySet;
use fupin_core::area::format_incidence;
use fupin_core::assessment::area_exit::{
    Comparison, Criterion, CriterionResult, ExitVerdict, Indicator, Quantity, exit_verdict,
};
use fupin_core::assessment::checklist::Outcome;
use fupin_storage::{AreaCount, FigureYear};
use serde::Serialize;

use crate::i18n::{Lang, t};

/// An outcome as a coloured label: (CSS class, words).
#[derive(Debug, Serialize)]
pub(super) struct Badge {
    class: &'static str,
    label: String,
}

pub(super) fn badge(lang: Lang, outcome: Outcome) -> Badge {
    let (class, key) = match outcome {
        Outcome::Met => ("above", "met"),
        Outcome::NotMet => ("not_above", "not_met"),
        Outcome::Unknown => ("unknown", "outcome_unknown"),
    };
    Badge {
        class,
        label: t(lang, key).to_string(),
    }
}

/// The year whose rules apply: the chosen one, or this year for now.
fn rule_year(year: FigureYear) -> i32 {
    match year {
        FigureYear::Year(y) => y,
        FigureYear::Now => chrono::Local::now().year(),
    }
}

/// The exit standard of a village or county (`None` for other levels).
pub(super) fn verdict(
    policy: &PolicySet,
    count: &AreaCount,
    year: FigureYear,
) -> Option<ExitVerdict> {
    exit_verdict(
        policy,
        &count.area.code,
        rule_year(year),
        &count.registry_counts(),
        &count.indicators,
    )
}

/// One criterion as shown.
#[derive(Debug, Serialize)]
struct CriterionLine {
    name: String,
    value: String,
    test: String,
    required: bool,
    outcome: Badge,
}

/// The area's own exit standard, criterion by criterion.
#[derive(Debug, Serialize)]
pub(super) struct ExitSection {
    title: String,
    outcome: Badge,
    lines: Vec<CriterionLine>,
}

pub(super) fn section(lang: Lang, village: bool, verdict: &ExitVerdict) -> ExitSection {
    ExitSection {
        title: t(
            lang,
            if village {
                "village_exit_standard"
            } else {
                "county_exit_standard"
            },
        )
        .to_string(),
        outcome: badge(lang, verdict.outcome),
        lines: verdict.criteria.iter().map(|c| line(lang, c)).collect(),
    }
}

fn line(lang: Lang, c: &CriterionResult) -> CriterionLine {
    let shown = |q: Quantity| match q {
        Quantity::Bp(bp) => format_incidence(bp),
        Quantity::Yuan(y) => format!("{y} {}", t(lang, "yuan")),
        Quantity::Flag(b) => t(lang, if b { "yes" } else { "no" }).to_string(),
    };
    let test = match (c.comparison, c.threshold) {
        (Comparison::Below, Some(q)) => format!("< {}", shown(q)),
        (Comparison::AtLeast, Some(q)) => format!("≥ {}", shown(q)),
        (Comparison::Yes, _) => t(lang, "yes").to_string(),
        (_, None) => "—".to_string(),
    };
    CriterionLine {
        name: criterion_name(lang, c.criterion).to_string(),
        value: c.value.map(shown).unwrap_or_else(|| "—".into()),
        test: if c.required {
            test
        } else {
            format!("{} {test}", t(lang, "considered_only"))
        },
        required: c.required,
        // a figure known but no requirement set for the region: said so, not "unknown"
        outcome: match (c.value, c.threshold) {
            (Some(_), None) => Badge {
                class: "unknown",
                label: t(lang, "no_requirement").to_string(),
            },
            _ => badge(lang, c.outcome),
        },
    }
}

fn criterion_name(lang: Lang, c: Criterion) -> &'static str {
    t(
        lang,
        match c {
            Criterion::Incidence => "crit_incidence",
            Criterion::ComprehensiveIncidence => "crit_comprehensive_incidence",
            Criterion::WrongExitRate => "crit_wrong_exit_rate",
            Criterion::OmissionRate => "crit_omission_rate",
            Criterion::Approval => "crit_approval",
            Criterion::CollectiveIncome => "ind_collective_income",
            Criterion::Facility(i) => facility_key(i),
        },
    )
}

fn facility_key(i: Indicator) -> &'static str {
    match i {
        Indicator::Road => "ind_road",
        Indicator::Bus => "ind_bus",
        Indicator::Water => "ind_water",
        Indicator::Power => "ind_power",
        Indicator::Broadcast => "ind_broadcast",
        Indicator::CultureCentre => "ind_culture_centre",
        Indicator::Clinic => "ind_clinic",
        Indicator::Broadband => "ind_broadband",
        // survey figures are not facilities; shown by their own criteria
        _ => "indicator",
    }
}
