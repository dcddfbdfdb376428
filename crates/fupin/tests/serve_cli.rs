//! `fupin serve` as an operator starts it: settings it is given are read before it listens.

#[test]
fn serve_refuses_to_start_with_wrong_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "vehicle_min_price = 30000\n").unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.sqlite3").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .args([
            "--database-url",
            &url,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--rules",
        ])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!stdout.contains("running at"), "{stdout}");
    assert!(stderr.contains("rules.toml"), "{stderr}");
    assert!(stderr.contains("vehicle_min_price"), "{stderr}");
}
