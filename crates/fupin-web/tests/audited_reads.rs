//! A household page is served only once its read is in the audit trail's keeping, and a long
//! write (an import) does not hold it up (issue 24, item 14). Before, reads were queued in
//! memory and a batch that waited 30 s behind an import was dropped, while pages stalled.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use fupin_storage::{AuditFilter, AuditSpool};

mod common;
use common::{get, login, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_and_audited_while_an_import_holds_the_writer() {
    let w = world(5, |_, _| {}).await;
    let staff = login(&w.db, "county").await;
    let state = fupin_web::AppState::new(w.db.clone());
    let app = fupin_web::router_with(state.clone());

    // an import's transaction: the write lock, held
    let mut import = w.db.begin().await.unwrap();
    fupin_storage::sql::execute(&mut import, "UPDATE areas SET name = name", &[])
        .await
        .unwrap();
    let started = Instant::now();
    for _ in 0..5 {
        let page = get(&app, &staff, "/households/1", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&w.households[0].number));
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "5 pages took {took:?}");
    import.commit().await.unwrap();

    state.audit.flush().await;
    let reads = AuditFilter {
        action: Some("read".into()),
        target_id: Some(w.households[0].number.clone()),
        ..Default::default()
    };
    let (_, total) = w.db.audit_entries(None, &reads, 0, 10).await.unwrap();
    assert_eq!(total, 5, "every page served is in the trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_read_cannot_be_recorded_is_not_served() {
    let w = world(5, |_, _| {}).await;
    let staff = login(&w.db, "county").await;
    // the spool refuses every entry, as a full disk would
    let spool = AuditSpool::beside(&w.db).await.unwrap().unwrap();
    spool.close().await;
    let file = fupin_storage::audit_spool::spool_path(&w.db.sqlite_file().unwrap());
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TRIGGER disk_full BEFORE INSERT ON spool BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let app = fupin_web::router_with(fupin_web::AppState::new(w.db.clone()));
    let page = get(&app, &staff, "/households/1", &[]).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let h = &w.households[0];
    let id = h.members[0].id_number.to_string();
    for shown in [&h.number, &h.members[0].name, &id] {
        assert!(
            !page.body.contains(shown.as_str()),
            "{shown} shown unaudited"
        );
    }
    assert!(
        page.body.contains("审计"),
        "the reason is said: {}",
        page.body
    );
}
