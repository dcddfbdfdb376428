//! A batch over an area's households in stages: the reading (two readers: the caller's task and
//! a blocking thread) hands pages to the work (a blocking thread of its own), which hands its
//! rows to a writer (a task the caller spawned). On two cores the reading and the writing
//! overlap the work.
//!
//! The work never waits on the runtime: whatever it needs from the database is read before it
//! starts. The reading blocks its thread while the work is behind (pages in flight are
//! bounded), which on a single-threaded runtime would starve any task the work waited for.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use fupin_core::access::Scope;
use fupin_storage::{Db, ScanWith, Scanned};

use crate::progress::Progress;

/// Households read per page.
pub const PAGE: usize = 5_000;

/// Pages in flight between the reading and the work (about 160,000 households).
const IN_FLIGHT: usize = 32;

/// Reads `area` for `year` (with what `with` asks for) and runs `work` over the pages on a
/// thread of its own; `work`'s result once every page has been through it. Pages come in no
/// particular order: two readers, each on a connection and a thread of its own, read the lower
/// and the upper half of the household ids side by side (reading is the longest stage).
pub async fn scan_in_stages<T: Send + 'static>(
    db: &Db,
    scope: &Scope,
    year: i32,
    with: ScanWith,
    progress: &dyn Progress,
    work: impl FnOnce(&mut dyn Iterator<Item = Vec<Scanned>>) -> T + Send + 'static,
) -> Result<T> {
    let (pages, pages_in) = std::sync::mpsc::sync_channel::<Vec<Scanned>>(IN_FLIGHT);
    let working = tokio::task::spawn_blocking(move || work(&mut pages_in.into_iter()));
    progress.start(None);
    let split = db.max_household_id().await? / 2;
    // the upper half, on a blocking thread that drives its own reads
    let upper_read = Arc::new(AtomicU64::new(0));
    let upper = {
        let (db, scope, pages, count) =
            (db.clone(), scope.clone(), pages.clone(), upper_read.clone());
        let runtime = tokio::runtime::Handle::current();
        let upper = ScanWith {
            ids: Some((split + 1, i64::MAX)),
            ..with
        };
        tokio::task::spawn_blocking(move || {
            let mut hand_over = |page: Vec<Scanned>| {
                count.fetch_add(page.len() as u64, Ordering::Relaxed);
                pages.send(page).map_err(|_| stopped())
            };
            runtime.block_on(db.scan_households_with(&scope, year, PAGE, upper, &mut hand_over))
        })
    };
    let mut hand_over = |page: Vec<Scanned>| {
        let others = upper_read.swap(0, Ordering::Relaxed);
        progress.advance(page.len() as u64 + others);
        pages.send(page).map_err(|_| stopped())
    };
    let lower = ScanWith {
        ids: Some((1, split)),
        ..with
    };
    let scanned = db
        .scan_households_with(scope, year, PAGE, lower, &mut hand_over)
        .await;
    let upper_scanned = upper.await.context("the second reader stopped")?;
    progress.advance(upper_read.swap(0, Ordering::Relaxed));
    drop(pages);
    let done = working.await.context("the work stopped")?;
    scanned?;
    upper_scanned?;
    progress.finish();
    Ok(done)
}

fn stopped() -> fupin_storage::StorageError {
    fupin_storage::StorageError::Invalid("the work stopped".into())
}
