//! A test's PostgreSQL database is dropped even when the test fails (issue 25, section 5).

use fupin_storage::scratch::{ENV, ScratchPostgres};

#[test]
fn a_failed_test_leaves_no_database_behind() {
    let Ok(admin_url) = std::env::var(ENV) else {
        return; // SQLite alone: nothing to drop
    };
    // a test that fails while its database exists, on a runtime of its own as #[tokio::test] has
    let failed = std::thread::spawn(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let scratch = ScratchPostgres::create("fupin_scratch").await.unwrap();
            panic!("{}: a failing assertion", scratch.name());
        })
    })
    .join()
    .unwrap_err();
    let message = failed.downcast_ref::<String>().unwrap();
    let name = message.split(':').next().unwrap().to_string();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let left: i64 = runtime.block_on(async {
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(&admin)
            .await
            .unwrap()
    });
    assert!(name.starts_with("fupin_scratch_"), "{name}");
    assert_eq!(left, 0, "{name} is still on the server");
}
