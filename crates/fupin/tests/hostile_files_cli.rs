//! `fupin import households` on hostile files, as an operator runs it (issue 24, items 6, 7
//! and 8): a non-zero exit with a message naming what is wrong, quickly, and the process's
//! peak memory (its own `ru_maxrss`, read with `wait4`) under 512 MiB — where the old reader
//! asked for 550 GB, inflated 2 GB, or held a 40 MB cell in 1.7 GB.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../fupin-services/tests/hostile/mod.rs"]
mod hostile;

/// The bound the issue sets for an import's memory on a hostile file.
const MAX_RSS: u64 = 512 << 20;

struct Run {
    success: bool,
    stdout: String,
    stderr: String,
    /// Peak resident memory of the process, in bytes.
    max_rss: u64,
    elapsed: Duration,
}

/// Runs `fupin` and measures it. Its address space is capped (6 GiB) so that a reader gone
/// wrong fails this test instead of exhausting the machine.
// the child is reaped by `wait4` (for its rusage), which clippy does not see
#[allow(clippy::zombie_processes)]
fn fupin(db: &str, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fupin"));
    command
        .arg("--database-url")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec
    unsafe {
        command.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: 6 << 30,
                rlim_max: 6 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            r.read_to_end(&mut s).unwrap();
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain out-parameters; the child is ours and reaped here (not by `child.wait`)
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    let run = Run {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        // kilobytes on Linux
        max_rss: usage.ru_maxrss as u64 * 1024,
        elapsed: started.elapsed(),
    };
    eprintln!(
        "fupin {}: peak {} MiB, {:.1} s",
        args.first().unwrap_or(&""),
        run.max_rss >> 20,
        run.elapsed.as_secs_f64()
    );
    run
}

/// A SQLite registry with the seed divisions, in `dir`.
async fn registry(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("r.sqlite3").display());
    let db = fupin_storage::Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    db.close().await;
    url
}

fn refused(run: &Run, message: &str) {
    assert!(!run.success, "refused: {}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(message),
        "{message:?} not in:\n{}",
        run.stderr
    );
    assert!(
        run.max_rss < MAX_RSS,
        "peak memory {} MiB",
        run.max_rss >> 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_with_a_value_at_xfd1048576_is_refused_quickly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = registry(dir.path()).await;
    let file = dir.path().join("far.xlsx");
    hostile::far_cell_xlsx(&file, &hostile::household_header(), &[]);
    let run = fupin(&url, &["import", "households", file.to_str().unwrap()]);
    refused(&run, "XFD1048576");
    assert!(run.stderr.contains("超过1024列的上限"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_bombs_are_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = registry(dir.path()).await;
    let header = hostile::household_header();
    // about 2.5 MB inflating to 2.5 GB, declared truthfully
    let bomb = dir.path().join("bomb.xlsx");
    hostile::zip_bomb_xlsx(&bomb, &header, 5 << 29, None);
    let run = fupin(&url, &["import", "households", bomb.to_str().unwrap()]);
    refused(&run, "压缩炸弹");
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    // the same declaring 16 MiB: stopped when it inflates past that
    let liar = dir.path().join("liar.xlsx");
    hostile::zip_bomb_xlsx(&liar, &header, 5 << 29, Some(16 << 20));
    let run = fupin(&url, &["import", "households", liar.to_str().unwrap()]);
    refused(&run, "超过其声明的大小");
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
}

/// A generated household sheet (CSV) as lines, and the column `name`.
fn generated(url: &str, dir: &Path, name: &str) -> (Vec<String>, usize) {
    let out = dir.join("gen");
    let run = fupin(
        url,
        &[
            "gen",
            "--households",
            "30",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(run.success, "{}", run.stderr);
    let text = std::fs::read_to_string(out.join("households.csv")).unwrap();
    let lines: Vec<String> = text.lines().map(String::from).collect();
    let col = lines[0]
        .trim_start_matches('\u{feff}')
        .split(',')
        .position(|h| h == name)
        .unwrap();
    (lines, col)
}

fn set(line: &mut String, col: usize, value: &str) {
    let mut cells: Vec<&str> = line.split(',').collect();
    cells[col] = value;
    *line = cells.join(",");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_40_mb_name_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = registry(dir.path()).await;
    let (mut lines, name) = generated(&url, dir.path(), "姓名");
    set(&mut lines[1], name, &"王".repeat(14_000_000));
    let file = dir.path().join("huge.csv");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let run = fupin(
        &url,
        &[
            "import",
            "households",
            "--skip-invalid",
            file.to_str().unwrap(),
        ],
    );
    refused(&run, "第2行超过1 MiB");
    assert!(
        run.stdout.len() + run.stderr.len() < 2_000,
        "nothing of the name is repeated"
    );
    assert!(
        run.max_rss < 256 << 20,
        "a 40 MB cell costs no more than a few MB: {} MiB",
        run.max_rss >> 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_over_its_limit_is_printed_cut() {
    let dir = tempfile::tempdir().unwrap();
    let url = registry(dir.path()).await;
    let (mut lines, name) = generated(&url, dir.path(), "姓名");
    set(&mut lines[1], name, &"王".repeat(10_000));
    let file = dir.path().join("long.csv");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let run = fupin(&url, &["import", "households", file.to_str().unwrap()]);
    assert!(!run.success, "rejected");
    assert!(
        run.stdout.contains("…（共10000字符") && run.stdout.contains("超过50个字符"),
        "{}",
        run.stdout
    );
    for line in run.stdout.lines() {
        assert!(line.len() < 600, "a long line on the terminal: {line}");
    }
    let report = std::fs::read_to_string(dir.path().join("long.errors.csv")).unwrap();
    assert!(report.lines().all(|l| l.len() < 600), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_quote_in_an_ignored_column_fails_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let url = registry(dir.path()).await;
    let (mut lines, _) = generated(&url, dir.path(), "姓名");
    lines[0].push_str(",备注");
    for l in lines.iter_mut().skip(1) {
        l.push(',');
    }
    lines[4].push_str("\"见附件");
    let file = dir.path().join("quote.csv");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let run = fupin(&url, &["import", "households", file.to_str().unwrap()]);
    refused(&run, "第5行“备注”列");
    assert!(!run.stdout.contains("committed"), "{}", run.stdout);
}
