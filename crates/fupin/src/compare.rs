//! `fupin compare …`: department lists in, links out, from the command line.

use anyhow::{Context, Result, bail};
use fupin_core::CodeList;
use fupin_core::departments::DepartmentKind;
use fupin_core::linkage::Settings;
use fupin_services::audit::Actor;
use fupin_services::compare::run as compare;
use fupin_storage::Db;

use crate::cli::{CompareArgs, CompareCommand};
use crate::progress::Bar;

pub async fn run(db: &Db, args: CompareArgs) -> Result<()> {
    let actor = Actor::cli();
    let today = chrono::Local::now().date_naive();
    let owner_of = |code: Option<&str>| {
        code.map(|c| {
            fupin_core::AreaCode::parse(c)
                .with_context(|| format!("--owner {c:?} 不是区划代码 / is not an area code"))
        })
        .transpose()
    };
    if let Some(CompareCommand::Import {
        file,
        source,
        kind,
        as_of,
        mapping,
        owner,
    }) = args.command
    {
        let owner = owner_of(owner.as_deref())?;
        let kind = kind
            .as_deref()
            .map(|k| {
                DepartmentKind::parse(k).with_context(|| {
                    let all: Vec<&str> = DepartmentKind::ALL.iter().map(|k| k.code()).collect();
                    format!("未知类别 / unknown kind {k:?} (one of {})", all.join(", "))
                })
            })
            .transpose()?;
        let as_of = match as_of {
            Some(t) => fupin_core::date::parse_date(&t)
                .with_context(|| format!("--as-of {t:?} 不是日期 / is not a date"))?,
            None => today,
        };
        let mapping = mapping
            .map(|p| {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                fupin_services::compare::lists::parse_mapping(&text)
            })
            .transpose()?;
        let started = std::time::Instant::now();
        let i = compare::import_list(
            db,
            &actor,
            owner.as_ref(),
            &source,
            kind,
            mapping,
            &file,
            as_of,
        )
        .await?;
        if i.new {
            println!(
                "已导入 / imported {} records of {} as snapshot {} ({}, {:.1} s)",
                i.records,
                i.source.name,
                i.snapshot_id,
                i.encoding,
                started.elapsed().as_secs_f64()
            );
        } else {
            println!(
                "此文件已导入过，未重复写入 / this file was imported before as snapshot {}; nothing written",
                i.snapshot_id
            );
        }
        if !i.unused_headers.is_empty() {
            println!(
                "未使用的列 / columns not read: {}",
                i.unused_headers.join(", ")
            );
        }
        return Ok(());
    }
    let mut run_id = args.run;
    if let Some(source) = &args.source {
        let area = args
            .area
            .as_deref()
            .map(fupin_core::AreaCode::parse)
            .transpose()?;
        let defaults = Settings::default();
        let settings = Settings {
            match_probability: args.match_probability.unwrap_or(defaults.match_probability),
            review_probability: args
                .review_probability
                .unwrap_or(defaults.review_probability),
            ..defaults
        };
        settings.check()?;
        let owner = owner_of(args.owner.as_deref())?;
        let list = compare::source_for_operator(db, source, owner.as_ref()).await?;
        let snapshot = compare::latest_snapshot(db, &list).await?;
        let started = std::time::Instant::now();
        let bar = Bar::rows("比对 comparing (steps)");
        let s = compare::run(db, &actor, snapshot, area.as_ref(), &settings, today, &bar).await?;
        let st = &s.stats;
        println!(
            "比对完成 / run {} done in {:.1} s: {} records against {} members",
            s.run_id,
            started.elapsed().as_secs_f64(),
            st.records,
            s.members
        );
        println!(
            "  身份证号一致 exact ID {} · 有效号码不在库 valid ID not in registry {} · 概率比对 probabilistic {} ({} candidate pairs)",
            st.exact, st.id_not_in_registry, st.probabilistic, st.candidate_pairs
        );
        println!(
            "  匹配 match {} · 待核实 review {} · 不匹配 no match {}",
            st.matches, st.reviews, st.no_matches
        );
        let steps: Vec<String> = s
            .timings
            .iter()
            .map(|(what, d)| format!("{what} {:.1} s", d.as_secs_f64()))
            .collect();
        println!("  {}", steps.join(" · "));
        if st.oversized_blocks > 0 {
            println!(
                "  跳过过大的分块 oversized blocks skipped: {} (more than {} members share a blocking key)",
                st.oversized_blocks, settings.max_block
            );
        }
        run_id = Some(s.run_id);
        let rules = crate::warnings::rule_settings(args.rules.as_deref())?;
        let started = std::time::Instant::now();
        let raised =
            fupin_services::compare::warnings::raise_for_run(db, &actor, s.run_id, &rules).await?;
        crate::warnings::print_raised(&raised, started.elapsed());
        if let Some(truth) = &args.truth {
            let truth = fupin_services::compare::quality::read_truth(truth, &list.kind)?;
            let run = db
                .comparison_run(s.run_id)
                .await?
                .context("the run vanished")?;
            let q = fupin_services::compare::quality::evaluate(db, &run, &truth, today).await?;
            println!("{}", fupin_services::compare::quality::report(&q));
        }
    }
    if let Some(path) = &args.export_links {
        let run = match run_id {
            Some(id) => db.comparison_run(id).await?,
            None => db.latest_run().await?,
        }
        .context("没有比对记录 / no comparison run to export")?;
        let reads = fupin_services::audit::AuditSink::start(db.clone());
        let n = compare::export_links(db, &reads, &actor, &run, path).await;
        reads.flush().await;
        let n = n?;
        println!(
            "已导出 / exported {n} rows of run {} to {}",
            run.id,
            path.display()
        );
    } else if args.source.is_none() {
        bail!(
            "请给出 --source、--export-links 或 import / give --source, --export-links or import"
        );
    }
    Ok(())
}
