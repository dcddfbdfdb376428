//! `fupin warnings …`: registry scans, counts, lists, evidence and the verification workflow
//! from the command line (the operator's scope: the whole registry, or `--area`).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fupin_core::access::Scope;
use fupin_core::warnings::verification::AGEING_BUCKETS;
use fupin_core::warnings::{Act, Resolution, Rule, RuleSettings};
use fupin_core::{AreaCode, CodeList};
use fupin_services::audit::{Actor, AuditSink};
use fupin_services::compare::warnings::{self, RaiseSummary};
use fupin_storage::Db;
use fupin_storage::warnings::WarningFilter;

use crate::cli::WarningsCommand;

/// The rules' settings from `path`, or the shipped defaults.
pub fn rule_settings(path: Option<&Path>) -> Result<RuleSettings> {
    let Some(path) = path else {
        return Ok(RuleSettings::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    RuleSettings::parse(&text)
        .with_context(|| format!("{} 规则设置有误 / bad rules", path.display()))
}

pub fn print_raised(r: &RaiseSummary, took: Duration) {
    let found: Vec<String> = r
        .found
        .iter()
        .map(|(rule, n)| {
            let zh = Rule::parse(rule).map_or(*rule, |r| r.zh());
            format!("{zh} {n}")
        })
        .collect();
    println!(
        "预警 warnings ({:.1} s): {} · 新开 opened {} · 仍待核实 still open {} · 已办结不重开 closed before {}",
        took.as_secs_f64(),
        if found.is_empty() {
            "无 none".to_string()
        } else {
            found.join(", ")
        },
        r.raised.opened,
        r.raised.still_open,
        r.raised.kept_closed
    );
    let steps: Vec<String> = r
        .timings
        .iter()
        .map(|(what, d)| format!("{what} {:.1} s", d.as_secs_f64()))
        .collect();
    println!("  {}", steps.join(" · "));
}

fn area_arg(area: Option<&str>) -> Result<Option<AreaCode>> {
    Ok(area.map(AreaCode::parse).transpose()?)
}

fn scope_of(area: Option<AreaCode>) -> Scope {
    Scope::operator_within(area)
}

pub async fn run(db: &Db, command: WarningsCommand) -> Result<()> {
    let actor = Actor::cli();
    match command {
        WarningsCommand::Scan { area, rules } => {
            let area = area_arg(area.as_deref())?;
            let rules = rule_settings(rules.as_deref())?;
            let started = std::time::Instant::now();
            let r = warnings::scan_registry(db, &actor, area.as_ref(), &rules).await?;
            print_raised(&r, started.elapsed());
        }
        WarningsCommand::Summary { area } => {
            let area = area_arg(area.as_deref())?;
            let today = chrono::Local::now().date_naive();
            let rows = warnings::summary(db, &Scope::operator(), area.as_ref(), today).await?;
            let names = db.area_index().await?;
            let ageing: Vec<&str> = AGEING_BUCKETS.iter().map(|b| b.0).collect();
            println!(
                "{:<14} {:<12} 待核实 核实中 已查实 已排除 | 未办结按时长 {}",
                "区划",
                "名称",
                ageing.join(" / ")
            );
            for r in rows {
                let name = AreaCode::parse(&r.area_code)
                    .ok()
                    .and_then(|c| names.name(&c).map(str::to_string))
                    .unwrap_or_else(|| "合计 total".into());
                let ages: Vec<String> = r.ageing.iter().map(i64::to_string).collect();
                println!(
                    "{:<14} {:<12} {:>6} {:>6} {:>6} {:>6} | {}",
                    r.area_code,
                    name,
                    r.open,
                    r.verifying,
                    r.confirmed,
                    r.dismissed,
                    ages.join(" / ")
                );
            }
        }
        WarningsCommand::List {
            area,
            rule,
            state,
            limit,
        } => {
            let filter = WarningFilter {
                rule,
                state,
                ..WarningFilter::default()
            };
            let scope = scope_of(area_arg(area.as_deref())?);
            let reads = AuditSink::start(db.clone());
            let (rows, total) =
                warnings::list(db, &reads, &actor, &scope, &filter, 0, limit).await?;
            reads.flush().await;
            println!("共 {total} 条 / {total} warnings");
            for w in rows {
                let rule = Rule::parse(&w.rule).map_or(w.rule.as_str(), |r| r.zh());
                println!(
                    "#{:<7} {:<10} {:<9} {} {} (since {})",
                    w.id,
                    rule,
                    w.state,
                    w.area_code,
                    w.subject,
                    &w.opened_at[..10.min(w.opened_at.len())]
                );
            }
        }
        WarningsCommand::Show { id } => {
            let reads = AuditSink::start(db.clone());
            let v = warnings::view(db, &reads, &actor, &Scope::operator(), id).await;
            reads.flush().await;
            let v = v?.with_context(|| format!("没有预警{id} / no warning {id}"))?;
            let w = &v.warning;
            println!(
                "#{} {} · {} · {} · {}",
                w.id,
                v.rule.zh(),
                v.state.zh(),
                w.area_code,
                w.subject
            );
            for fact in &v.evidence.facts {
                println!("  · {fact}");
            }
            for e in &v.evidence.records {
                let r = &e.record;
                println!(
                    "  记录 record: {} 第{}行 {} {} {} {}",
                    e.source, e.row_no, r.key, r.id_number, r.name, r.detail
                );
            }
            if let Some(l) = &v.evidence.link {
                println!(
                    "  比对 link: {} {} p={:.4} — {}",
                    l.member_id_number, l.member_name, l.probability, l.explanation
                );
            }
            for e in &v.events {
                println!("  {} {} → {} {}", e.at, e.actor, e.state_after, e.note);
            }
        }
        WarningsCommand::Act {
            id,
            verify,
            confirm,
            note,
            dismiss,
            assign,
        } => {
            let act = if let Some(note) = verify {
                Act::Verify { note }
            } else if let Some(action) = confirm {
                let resolution = Resolution::parse(&action).with_context(|| {
                    let all: Vec<&str> = Resolution::ALL.iter().map(|r| r.code()).collect();
                    format!(
                        "未知处理方式 / unknown action {action:?} (one of {})",
                        all.join(", ")
                    )
                })?;
                Act::Confirm {
                    resolution,
                    note: note.unwrap_or_default(),
                }
            } else if let Some(reason) = dismiss {
                Act::Dismiss { reason }
            } else if let Some(area) = assign {
                Act::Assign {
                    area: AreaCode::parse(&area)?,
                }
            } else {
                bail!("请给出 --verify、--confirm、--dismiss 或 --assign / say what to do");
            };
            let v = warnings::act(db, &actor, &Scope::operator(), id, act).await?;
            println!("#{} → {} {}", id, v.state.zh(), v.warning.area_code);
        }
    }
    Ok(())
}
