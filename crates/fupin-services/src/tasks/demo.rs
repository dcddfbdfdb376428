//! The demo's instructions and announcements, issued by its own people along its chain of
//! areas (see `demo_accounts`): one from the province to the city, two from the county to its
//! townships and the helper (one of them overdue, reported in part and reminded), one from the
//! township to its village; and an announcement at each of three levels, some of them read.
//! Every demo account has something on `/tasks` or `/announcements`.

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use fupin_core::access::{Principal, Scope};
use fupin_storage::Db;

use super::announcements::{self, AnnounceForm};
use super::instructions::{self, IssueForm, Upload};
use crate::audit::Actor;
use crate::field::PhotoStore;

/// What the demo wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct TasksDemo {
    pub instructions: usize,
    pub announcements: usize,
}

async fn person(db: &Db, username: &str) -> Result<Principal> {
    Ok(db
        .user_with_hash(username)
        .await?
        .with_context(|| format!("demo account {username}"))?
        .0
        .principal())
}

fn actor(p: &Principal) -> Actor {
    Actor::user(p.clone(), "127.0.0.1")
}

/// Up to `n` areas just below `who`'s, `first`'s (the demo chain's own) first.
async fn below(db: &Db, who: &Principal, first: &Principal, n: usize) -> Result<Vec<String>> {
    let mut codes = vec![first.area.to_string()];
    for c in db
        .area_children(
            &Scope::of(who),
            Some(&who.area),
            fupin_storage::FigureYear::Now,
        )
        .await?
    {
        let code = c.area.code.to_string();
        if codes.len() < n && !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Writes the demo's instructions and announcements once (nothing when there are some).
pub async fn ensure(db: &Db, store: &PhotoStore, today: NaiveDate) -> Result<Option<TasksDemo>> {
    let province = person(db, "province").await?;
    if db
        .instructions_issued(&Scope::of(&province), &province.area, 1, 0)
        .await?
        .1
        > 0
    {
        return Ok(None);
    }
    let city = person(db, "city").await?;
    let county = person(db, "county").await?;
    let township = person(db, "township").await?;
    let village = person(db, "village").await?;
    let form =
        |title: &str, text: &str, deadline: NaiveDate, areas: Vec<String>, people: &[&str]| {
            IssueForm {
                title: title.into(),
                text: text.into(),
                deadline: Some(deadline),
                areas,
                usernames: people.iter().map(|p| p.to_string()).collect(),
            }
        };
    let mut out = TasksDemo::default();

    let id = instructions::issue(
        db,
        &province,
        &actor(&province),
        &form(
            "开展年度脱贫攻坚成效考核自查",
            "各市：请对照考核指标开展自查，形成自查报告报省扶贫办。",
            today + Duration::days(10),
            vec![city.area.to_string()],
            &[],
        ),
        today,
    )
    .await?;
    out.instructions += 1;
    let theirs = db.recipients_of(id).await?;
    instructions::acknowledge(db, &city, &actor(&city), theirs[0].id).await?;

    let towns = below(db, &county, &township, 4).await?;
    let id = instructions::issue(
        db,
        &county,
        &actor(&county),
        &form(
            "核查危房改造进度",
            "各乡镇：请逐户核查今年危房改造户的开工和竣工情况，填写核查表后反馈。\n杨帆同志请同时核实结对户住房情况。",
            today + Duration::days(3),
            towns.clone(),
            &["helper"],
        ),
        today,
    )
    .await?;
    out.instructions += 1;
    let mine = db.recipients_of(id).await?;
    if let Some(r) = mine.iter().find(|r| r.area_code == township.area.as_str()) {
        instructions::acknowledge(db, &township, &actor(&township), r.id).await?;
        let table = "户编号,户主,开工,竣工\n示例户,（见档案）,是,否\n";
        instructions::report(
            db,
            store,
            &township,
            &actor(&township),
            r.id,
            instructions::Report {
                text: "已核查辖区内危房改造户，其中2户尚未竣工，已督促施工方加快进度。",
                files: &[Upload {
                    name: "危房改造核查表.csv".into(),
                    bytes: table.as_bytes().to_vec(),
                }],
            },
            instructions::DEFAULT_MAX_FILE_BYTES,
        )
        .await?;
    }

    let issued = today - Duration::days(12);
    let id = instructions::issue(
        db,
        &county,
        &actor(&county),
        &form(
            "报送上月入户走访台账",
            "请各乡镇汇总上月帮扶责任人入户走访台账，逐村报送。",
            today - Duration::days(5),
            towns,
            &[],
        ),
        issued,
    )
    .await?;
    out.instructions += 1;
    // the demo's own township reported late; the others are overdue, reminded yesterday
    for r in db.recipients_of(id).await? {
        if r.area_code == township.area.as_str() {
            instructions::report(
                db,
                store,
                &township,
                &actor(&township),
                r.id,
                instructions::Report {
                    text: "已报送本乡镇各村走访台账（逾期两天，已说明原因）。",
                    files: &[],
                },
                instructions::DEFAULT_MAX_FILE_BYTES,
            )
            .await?;
        } else {
            instructions::remind(
                db,
                &Scope::of(&county),
                &actor(&county),
                r.id,
                today - Duration::days(1),
            )
            .await?;
        }
    }

    instructions::issue(
        db,
        &township,
        &actor(&township),
        &form(
            "组织召开户主会宣讲政策",
            "请村两委于期限前组织召开户主会，宣讲“两不愁三保障”政策和今年的帮扶措施，并报送会议记录和照片。",
            today + Duration::days(7),
            vec![village.area.to_string()],
            &["helper"],
        ),
        today,
    )
    .await?;
    out.instructions += 1;

    for (who, title, text, areas) in [
        (
            &province,
            "关于做好年度动态调整工作的通知",
            "各市、县扶贫办：请按照“两公示一公告”程序做好年度动态调整，严禁“体外循环”。",
            vec![],
        ),
        (
            &county,
            "关于调整“一帮四”结对帮扶关系的通知",
            "各乡镇：帮扶责任人工作调动的，请于本月内完成结对调整，结对帮扶表报县扶贫办。",
            vec![],
        ),
        (
            &township,
            "本周五召开帮扶工作例会",
            "请各村第一书记、帮扶责任人本周五上午9点到乡政府三楼会议室参加帮扶工作例会。",
            vec![village.area.to_string()],
        ),
    ] {
        let id = announcements::announce(
            db,
            who,
            &actor(who),
            &AnnounceForm {
                title: title.into(),
                text: text.into(),
                areas,
            },
        )
        .await?;
        out.announcements += 1;
        // the offices below read the province's and the county's at once
        for reader in [&county, &township] {
            if reader.user_id != who.user_id && who.area.contains(&reader.area) {
                announcements::read(db, reader, &Scope::of(reader), id).await?;
            }
        }
    }
    Ok(Some(out))
}
