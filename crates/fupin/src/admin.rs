//! `fupin user …`, `fupin token …` and `fupin audit …`: account administration by the machine's
//! operator. The operator acts over the whole registry; every change is audited as `cli:<login>`.

use std::io::BufRead;

use anyhow::{Context, Result, bail};
use fupin_core::access::{Action, Role};
use fupin_core::audit::{ChainBreak, ChainVerifier, Checkpoint};
use fupin_core::{AreaCode, CodeList};
use fupin_services::accounts::{self, AccountForm};
use fupin_services::audit::{Actor, Verification, verify};
use fupin_storage::Db;

use crate::checkpoints::{CheckpointFile, checkpoint};
use crate::cli::{AuditCommand, TokenCommand, UserAddArgs, UserCommand};
use crate::progress::Bar;

pub async fn user(db: &Db, command: UserCommand) -> Result<()> {
    let actor = Actor::cli();
    match command {
        UserCommand::Add(args) => add_user(db, &actor, args).await?,
        UserCommand::List { area } => {
            let area = area.as_deref().map(AreaCode::parse).transpose()?;
            let users = db.users_within(area.as_ref()).await?;
            println!("用户名 username | 姓名 name | 区划 area | 角色 roles | 状态 state");
            for u in &users {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.code()).collect();
                let state = if u.disabled {
                    "停用 disabled"
                } else {
                    "启用 enabled"
                };
                println!(
                    "{} | {} | {} | {} | {state}",
                    u.username,
                    u.real_name,
                    u.area,
                    roles.join(",")
                );
            }
            println!("共 {} 个账号 / {} accounts", users.len(), users.len());
        }
        UserCommand::Disable { username } => {
            accounts::set_disabled(db, &actor, &username, true).await?;
            println!("已停用 {username}；其会话与令牌已失效 / disabled, sessions and tokens ended");
        }
        UserCommand::Enable { username } => {
            accounts::set_disabled(db, &actor, &username, false).await?;
            println!("已启用 {username} / enabled");
        }
        UserCommand::ResetPassword { username } => {
            let temporary = accounts::reset_password(db, &actor, &username).await?;
            println!("{username} 的临时密码 / temporary password: {temporary}");
            println!("首次登录须修改 / to be changed at the next login");
        }
    }
    Ok(())
}

async fn add_user(db: &Db, actor: &Actor, args: UserAddArgs) -> Result<()> {
    let roles = args
        .roles
        .iter()
        .map(|r| Role::parse(r).with_context(|| format!("unknown role {r:?}")))
        .collect::<Result<Vec<_>>>()?;
    let (password, temporary) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (accounts::temporary_password(), true)
    };
    let form = AccountForm {
        username: args.username.clone(),
        real_name: args.name,
        area: AreaCode::parse(&args.area)?,
        phone: args.phone,
        roles,
        password: password.clone(),
    };
    let id = accounts::add_user(db, actor, form, temporary).await?;
    println!("已创建用户 created user {} (id {id})", args.username);
    if temporary {
        println!(
            "临时密码 / temporary password: {password} (首次登录须修改 / change at first login)"
        );
    }
    Ok(())
}

pub async fn token(db: &Db, command: TokenCommand) -> Result<()> {
    let actor = Actor::cli();
    match command {
        TokenCommand::Create {
            user,
            name,
            actions,
            days,
        } => {
            let actions = actions
                .iter()
                .map(|a| Action::parse(a).with_context(|| format!("unknown action {a:?}")))
                .collect::<Result<Vec<_>>>()?;
            let (id, secret) =
                accounts::create_token(db, &actor, &user, &name, &actions, days).await?;
            println!("令牌 token {id} 已创建 / created; 仅显示一次 / shown once:");
            println!("{secret}");
            println!("用法 use: Authorization: Bearer {secret}");
        }
        TokenCommand::List { area } => {
            let area = area.as_deref().map(AreaCode::parse).transpose()?;
            println!("id | 名称 name | 用户 user | 操作 actions | 到期 expires | 状态 state");
            for t in db.tokens_within(area.as_ref()).await? {
                let actions: Vec<&str> = t.actions.iter().map(|a| a.code()).collect();
                let state = match &t.revoked_at {
                    Some(at) => format!("已吊销 revoked {at}"),
                    None => "有效 live".into(),
                };
                println!(
                    "{} | {} | {} | {} | {} | {state}",
                    t.id,
                    t.name,
                    t.username,
                    actions.join(","),
                    t.expires_at
                );
            }
        }
        TokenCommand::Revoke { id } => {
            accounts::revoke_token(db, &actor, id).await?;
            println!("令牌 token {id} 已吊销 / revoked");
        }
    }
    Ok(())
}

/// Returns whether the trail is intact.
pub async fn audit(db: &Db, command: AuditCommand) -> Result<bool> {
    let AuditCommand::Verify {
        anchor,
        checkpoints,
        every,
    } = command;
    let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
    let mut file = checkpoints
        .as_deref()
        .map(CheckpointFile::open)
        .transpose()?;
    let mut known = file.as_ref().map_or(Vec::new(), |f| f.checkpoints.clone());
    known.extend(anchor);
    let mut verifier = ChainVerifier::with_checkpoints(known);
    if let Some(f) = &file {
        verifier = verifier.recording(every, f.last_id());
    }
    let bar = Bar::rows("校验 verifying");
    let v = verify(db, verifier, &bar).await?;
    print_verification(&v);
    if let Some(f) = &mut file
        && v.passed()
    {
        save_checkpoints(f, &v.new_checkpoints)?;
    }
    Ok(v.passed())
}

fn print_verification(v: &Verification) {
    if !v.missing_guards.is_empty() {
        println!(
            "审计日志的只追加触发器缺失、停用或被改动, 记录可能已被改写 / the audit trail's \
             append-only triggers are missing, disabled or altered, so it could have been \
             rewritten: {}",
            v.missing_guards.join(", ")
        );
        println!("  `fupin migrate` 可恢复 / `fupin migrate` restores them");
    }
    match &v.broken {
        None if v.missing_guards.is_empty() => {
            println!(
                "审计日志完整 / audit trail intact: {} entries checked",
                v.checked
            );
            println!(
                "当前链头 head (keep it as --anchor): {}:{}",
                v.head.0, v.head.1
            );
        }
        None => println!(
            "哈希链本身完整 / the hash chain itself is intact: {} entries checked",
            v.checked
        ),
        Some(b) => {
            println!("审计日志被篡改 / AUDIT TRAIL BROKEN: {b}");
            // a rebuilt chain is consistent up to the break: only checkpoints vouch for entries
            let intact = match b {
                ChainBreak::Rewritten { last_matching, .. } => last_matching.unwrap_or(0) as u64,
                _ => v.checked,
            };
            println!("{intact} entries intact before it");
        }
    }
    if v.spooled > 0 {
        println!(
            "另有 {n} 条查阅记录在暂存区等待写入（写锁被占用）/ {n} read entries wait in the \
             spool beside the database (a writer holds the lock); they join the chain when it is free",
            n = v.spooled
        );
    }
}

fn save_checkpoints(file: &mut CheckpointFile, new: &[Checkpoint]) -> Result<()> {
    if new.is_empty() && !file.is_new() {
        println!(
            "检查点无新增 / no new checkpoints for {}",
            file.path().display()
        );
        return Ok(());
    }
    file.append(new)?;
    println!(
        "检查点已存入 / checkpoints saved to {}: {} new, up to entry {}",
        file.path().display(),
        new.len(),
        file.last_id()
    );
    Ok(())
}

fn parse_anchor(text: &str) -> Result<Checkpoint> {
    let Some((id, hash)) = text.split_once(':') else {
        bail!("anchor must be ID:HASH, got {text:?}");
    };
    checkpoint(id, hash).map_err(|e| anyhow::anyhow!("anchor: {e}"))
}
