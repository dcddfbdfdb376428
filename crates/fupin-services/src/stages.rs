//! A batch over an area's households in stages: the reading (on the caller's task) hands pages
//! to the work (a blocking thread of its own), which hands its rows to a writer (a task the
//! caller spawned). On two cores the reading and the writing overlap the work, which is the
//! longest stage.
//!
//! The work never waits on the runtime: whatever it needs from the database is read before it
//! starts. The reading blocks its thread while the work is behind (pages in flight are
//! bounded), which on a single-threaded runtime would starve any task the work waited for.

use anyhow::{Context, Result};
use fupin_core::AreaCode;
use fupin_storage::{Db, ScanWith, Scanned};

use crate::progress::Progress;

/// Households read per page.
pub const PAGE: usize = 5_000;

/// Pages in flight between the reading and the work (about 160,000 households).
const IN_FLIGHT: usize = 32;

/// Reads `area` for `year` (with what `with` asks for) and runs `work` over the pages on a
/// thread of its own; `work`'s result once every page has been through it.
pub async fn scan_in_stages<T: Send + 'static>(
    db: &Db,
    area: Option<&AreaCode>,
    year: i32,
    with: ScanWith,
    progress: &dyn Progress,
    work: impl FnOnce(&mut dyn Iterator<Item = Vec<Scanned>>) -> T + Send + 'static,
) -> Result<T> {
    let (pages, pages_in) = std::sync::mpsc::sync_channel::<Vec<Scanned>>(IN_FLIGHT);
    let working = tokio::task::spawn_blocking(move || work(&mut pages_in.into_iter()));
    progress.start(None);
    let mut hand_over = |page: Vec<Scanned>| {
        progress.advance(page.len() as u64);
        pages
            .send(page)
            .map_err(|_| fupin_storage::StorageError::Invalid("the work stopped".into()))
    };
    let scanned = db
        .scan_households_with(area, year, PAGE, with, &mut hand_over)
        .await;
    drop(pages);
    let done = working.await.context("the work stopped")?;
    scanned?;
    progress.finish();
    Ok(done)
}
