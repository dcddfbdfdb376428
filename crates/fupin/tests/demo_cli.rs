//! `fupin demo` started twice at once in one folder (issue 25): both succeed on one database,
//! built once; before, both wrote their sheets into one temporary folder and one failed with
//! "文件为空", and a build cut short was served half-built.

use std::process::{Command, Stdio};

fn demo(db: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_fupin"))
        .args(["demo", "--no-serve", "--households", "300", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_demos_started_at_once_both_succeed_on_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite3");
    let (first, second) = (demo(&db), demo(&db));
    let mut printed = Vec::new();
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("admin"), "the logins are printed: {stdout}");
        printed.push(stdout);
    }
    // one of them built it, the other waited and found it ready
    let built = printed
        .iter()
        .filter(|s| s.contains("generating 300 demo households"))
        .count();
    assert_eq!(built, 1, "{printed:#?}");
    assert!(db.exists());
    let building = dir.path().join("demo.sqlite3.building");
    assert!(
        !building.exists(),
        "the partial build was renamed into place"
    );
}
