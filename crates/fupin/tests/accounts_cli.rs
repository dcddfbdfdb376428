//! `fupin user …`, `fupin token …` and `fupin audit verify` as an operator runs them: the real
//! binary on a SQLite file, its output and exit codes.

use std::process::Output;

fn fupin(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env("USER", "operator-test")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or("").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_manages_accounts_and_verifies_the_trail() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.sqlite3").display());
    let db = fupin_storage::Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();

    // a weak password is refused with the rule it breaks; nothing is created
    let weak = fupin(
        &url,
        &[
            "user",
            "add",
            "--username",
            "wangfang",
            "--name",
            "王芳",
            "--area",
            "522726",
            "--phone",
            "13800000000",
            "--role",
            "office_staff",
            "--password-stdin",
        ],
        Some("short1\n"),
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"));
    // created with a temporary password, then disabled and reset
    let added = fupin(
        &url,
        &[
            "user",
            "add",
            "--username",
            "wangfang",
            "--name",
            "王芳",
            "--area",
            "522726",
            "--phone",
            "13800000000",
            "--role",
            "office_staff",
            "--role",
            "inspector",
        ],
        None,
    );
    assert!(added.status.success(), "{added:?}");
    assert!(stdout(&added).contains("临时密码 / temporary password: "));
    let listed = stdout(&fupin(&url, &["user", "list", "--area", "5227"], None));
    assert!(
        listed.contains("wangfang | 王芳 | 522726000000 | office_staff,inspector | 启用 enabled"),
        "{listed}"
    );
    assert!(
        fupin(&url, &["user", "disable", "wangfang"], None)
            .status
            .success()
    );
    let listed = stdout(&fupin(&url, &["user", "list"], None));
    assert!(listed.contains("停用 disabled"), "{listed}");
    let reset = stdout(&fupin(&url, &["user", "reset-password", "wangfang"], None));
    assert!(reset.contains("temporary password"), "{reset}");
    let token = fupin(
        &url,
        &[
            "token",
            "create",
            "--user",
            "wangfang",
            "--name",
            "民政局比对",
            "--action",
            "view_households",
            "--days",
            "30",
        ],
        None,
    );
    assert!(token.status.success(), "{token:?}");
    assert!(stdout(&token).contains("fpt_"));
    let tokens = stdout(&fupin(&url, &["token", "list"], None));
    assert!(
        tokens.contains("民政局比对 | wangfang | view_households"),
        "{tokens}"
    );
    assert!(
        fupin(&url, &["token", "revoke", "1"], None)
            .status
            .success()
    );

    // every change above is in the trail, and the trail is intact
    let ok = fupin(&url, &["audit", "verify"], None);
    assert!(ok.status.success());
    let out = stdout(&ok);
    assert!(
        out.contains("audit trail intact: 5 entries checked"),
        "{out}"
    );
    let head = out
        .lines()
        .find_map(|l| l.split("(keep it as --anchor): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert!(head.starts_with("5:"), "{head}");

    // an entry edited directly in the file: found and named, exit code 1
    let edit = sqlx::AssertSqlSafe(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'nobody' WHERE id = 2"
            .to_string(),
    );
    fupin_storage::dispatch!(&db, p => sqlx::raw_sql(edit).execute(p).await.map(|_| ()).unwrap());
    let broken = fupin(&url, &["audit", "verify", "--anchor", &head], None);
    assert_eq!(broken.status.code(), Some(1));
    let out = stdout(&broken);
    assert!(
        out.contains("AUDIT TRAIL BROKEN") && out.contains("audit entry 2 was edited"),
        "{out}"
    );
}
