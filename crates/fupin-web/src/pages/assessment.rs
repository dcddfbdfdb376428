//! The assessment section of a household page: the poverty index with its breakdown, the exit
//! checklist with its evidence, the expected exit year with its reasons.

use fupin_core::Household;
use fupin_core::assessment::checklist::Outcome;
use fupin_core::assessment::index::Band;
use fupin_core::masking::Disclosure;
use fupin_services::assess::Explanation;
use serde::Serialize;

use crate::i18n::{Lang, t};

#[derive(Debug, Serialize)]
pub struct AssessmentView {
    year: i32,
    card: String,
    computed_at: String,
    stored_score: String,
    score: String,
    band: String,
    band_code: &'static str,
    parts: Vec<PartView>,
    checks: Vec<CheckView>,
    expected_exit: Option<String>,
    reasons: Vec<String>,
    poor: bool,
}

#[derive(Debug, Serialize)]
struct PartView {
    label: String,
    value: String,
    points: String,
    weight: String,
    why: String,
}

#[derive(Debug, Serialize)]
struct CheckView {
    label: &'static str,
    outcome: &'static str,
    outcome_code: &'static str,
    evidence: String,
}

fn band_label(lang: Lang, b: Band) -> &'static str {
    lang.pick(b.zh(), b.en())
}

impl AssessmentView {
    /// The explanation with the household's personal values in its texts (the members the
    /// checks name) as `d` may see them.
    pub fn new(e: &Explanation, lang: Lang, h: &Household, d: &Disclosure) -> Self {
        let s = &e.score;
        AssessmentView {
            year: e.stored.year,
            card: format!("{} ({})", e.card_name, e.stored.card_version),
            computed_at: crate::time::local_time(&e.stored.computed_at),
            stored_score: format!("{:.1}", e.stored.score),
            score: format!("{:.1}", s.total),
            band: band_label(lang, s.band).to_string(),
            band_code: s.band.code(),
            parts: s
                .parts
                .iter()
                .map(|p| PartView {
                    label: if lang == Lang::En && !p.label_en.is_empty() {
                        p.label_en.clone()
                    } else {
                        p.label.clone()
                    },
                    value: d.scrub(&crate::i18n::message(lang, &p.value), h),
                    points: format!("{:.1}", p.points),
                    weight: format!("{}", p.weight),
                    why: d.scrub(&crate::i18n::message(lang, &p.why), h),
                })
                .collect(),
            checks: e
                .checklist
                .checks
                .iter()
                .map(|c| CheckView {
                    label: lang.pick(c.dimension.zh(), c.dimension.en()),
                    outcome: match c.outcome {
                        Outcome::Met => t(lang, "met"),
                        Outcome::NotMet => t(lang, "not_met"),
                        Outcome::Unknown => t(lang, "outcome_unknown"),
                    },
                    outcome_code: match c.outcome {
                        Outcome::Met => "above",
                        Outcome::NotMet => "not_above",
                        Outcome::Unknown => "unknown",
                    },
                    evidence: d.scrub(&crate::i18n::message(lang, &c.evidence), h),
                })
                .collect(),
            expected_exit: e.prediction.as_ref().map(|p| {
                p.expected_exit_year
                    .map_or_else(|| "—".into(), |y| y.to_string())
            }),
            reasons: e
                .prediction
                .as_ref()
                .map(|p| {
                    p.reasons
                        .iter()
                        .map(|r| d.scrub(&crate::i18n::message(lang, r), h))
                        .collect()
                })
                .unwrap_or_default(),
            poor: e.prediction.is_some(),
        }
    }
}
