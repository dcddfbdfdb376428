//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use fupin_services::compare::generated::DepartmentSheets;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::generated::{WrittenFiles, write_registry};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Progress;
use fupin_services::sheet::Format;

/// fupin — 精准扶贫数据平台 / precision poverty-alleviation data platform.
#[derive(Parser)]
#[command(
    name = "fupin",
    version,
    about = "fupin — 精准扶贫数据平台 / precision poverty-alleviation data platform"
)]
pub struct Cli {
    /// Database: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "FUPIN_DATABASE_URL",
        default_value = "sqlite://fupin.sqlite3"
    )]
    pub database_url: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a demo database (real divisions, generated households) and serve it.
    Demo(DemoArgs),
    /// Serve the web console on the database.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Mark session cookies Secure: set when TLS ends at this server. (Behind a proxy that
        /// sends `X-Forwarded-Proto: https` they are marked Secure anyway.)
        #[arg(long)]
        secure_cookies: bool,
        /// Where the household cards' QR codes point (e.g. https://fupin.example.gov.cn);
        /// unset, the host each request came to if it is this machine, the listening address
        /// or one of --allowed-host (a card is never printed with a host a request made up).
        #[arg(long, env = "FUPIN_PUBLIC_URL")]
        public_url: Option<String>,
        /// Further host names the console may be reached under when no public URL is set
        /// (e.g. 192.168.1.10 on a county's network); comma-separated in the environment.
        #[arg(
            long = "allowed-host",
            env = "FUPIN_ALLOWED_HOSTS",
            value_delimiter = ','
        )]
        allowed_hosts: Vec<String>,
        /// The largest scanned document accepted, in MiB.
        #[arg(long, env = "FUPIN_ARCHIVE_MAX_MB", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
        archive_max_mb: u32,
        /// The largest department list uploaded on the console, in MiB.
        #[arg(long, env = "FUPIN_LIST_MAX_MB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
        list_max_mb: u32,
        /// Where visit photos are kept: a directory, or `s3://bucket/prefix` for any
        /// S3-compatible store (endpoint and keys from the `AWS_*` variables). Default: a
        /// directory beside the SQLite file, `fupin-photos` for PostgreSQL.
        #[arg(long, env = "FUPIN_PHOTOS")]
        photos: Option<String>,
        /// The largest visit photo accepted, in MiB.
        #[arg(long, env = "FUPIN_PHOTO_MAX_MB", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
        photo_max_mb: u32,
        /// The warning rules' settings (TOML, see docs/COMPARISON.md) for comparisons started on
        /// the console; default: the shipped ones.
        #[arg(long, env = "FUPIN_RULES")]
        rules: Option<PathBuf>,
        #[command(flatten)]
        timeouts: ServeTimeouts,
    },
    /// Create or update the database schema, and put back the audit trail's append-only
    /// triggers if they were dropped or disabled.
    Migrate,
    /// Administrative divisions.
    #[command(subcommand)]
    Areas(AreasCommand),
    /// Load spreadsheets into the registry.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the registry out as spreadsheets.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Generate a realistic registry as CSV/XLSX files.
    Gen(GenArgs),
    /// Measure generation, import and export against their raw floors.
    Bench(BenchArgs),
    /// Measure the console's pages on a province-sized registry: p50/p95 server time of the
    /// province page, name searches and household pages, and throughput under wrk.
    BenchConsole(BenchConsoleArgs),
    /// Field work at province scale: month summaries and the not-visited list on a year of
    /// visits, the sync's ingest against writing the same photos, the field pages' weight.
    BenchField(BenchFieldArgs),
    /// User accounts: add, list, disable, enable, reset a password.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for machine clients: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Score every household of an area with the poverty index and check it against the exit
    /// test for a year; results are stored and shown on household and area pages.
    Assess(AssessArgs),
    /// Assistance measures: the catalogue (措施大全), matching households against it, and the
    /// measures delivered (措施落实).
    #[command(subcommand)]
    Measures(MeasuresCommand),
    /// Big-data comparison (大数据比对): import a department list as a snapshot (`compare
    /// import`), link a source's latest snapshot to the registry (`--source`), write a run's
    /// links as CSV for review (`--export-links`). See docs/COMPARISON.md.
    Compare(CompareArgs),
    /// Warnings (智能预警) raised by comparisons and registry scans: counts, lists, evidence,
    /// and the verification workflow.
    #[command(subcommand)]
    Warnings(WarningsCommand),
    /// Field work (驻村帮扶): the pairing sheet out and in, the month's visits (docs/FIELD.md).
    #[command(subcommand)]
    Field(FieldCommand),
    /// Instructions down the hierarchy (任务督办): who is overdue (docs/TASKS.md).
    #[command(subcommand)]
    Tasks(TasksCommand),
}

#[derive(Subcommand)]
pub enum TasksCommand {
    /// Recipients in an area past their deadline without a report, longest overdue first.
    Overdue {
        /// An area code of any level (default: the whole installation).
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum FieldCommand {
    /// Write an area's households with their current helpers (CSV or XLSX by the extension).
    PairingsExport {
        #[arg(long)]
        area: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a filled-in pairing sheet: all or nothing, every bad row named.
    PairingsImport { file: PathBuf },
    /// The month's visits in an area by child area, and the households not visited lately.
    Summary {
        #[arg(long)]
        area: String,
        /// YYYY-MM (default: this month, Beijing time).
        #[arg(long)]
        month: Option<String>,
    },
    /// Look for help on paper only (形式帮扶) in the last `nominal_help_days` of visits and raise
    /// what it finds as warnings (the registry scan runs it too).
    Scan {
        /// Only the visits within this area (a code of any level; default: all).
        #[arg(long)]
        area: Option<String>,
        /// The rules' settings (TOML, see docs/COMPARISON.md and docs/FIELD.md).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CompareArgs {
    #[command(subcommand)]
    pub command: Option<CompareCommand>,
    /// Link the latest snapshot of this source to the registry.
    #[arg(long)]
    pub source: Option<String>,
    /// The area owning the source (where several areas have one of that name; default: the
    /// installation's own, else the only one). A run covers at most the owner's area.
    #[arg(long, value_name = "CODE")]
    pub owner: Option<String>,
    /// Only the members of households within this area (a code of any level).
    #[arg(long)]
    pub area: Option<String>,
    /// Probability at or above which a link is a match (default 0.95).
    #[arg(long)]
    pub match_probability: Option<f64>,
    /// Probability at or above which a link goes to a person for review (default 0.50).
    #[arg(long)]
    pub review_probability: Option<f64>,
    /// Write every record of the run (this one, or `--run`, or the latest) with its link to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_links: Option<PathBuf>,
    /// The run to export (default: the one just made, else the latest).
    #[arg(long)]
    pub run: Option<i64>,
    /// A truth file (`fupin gen --departments` writes departments/truth.csv): print the run's
    /// precision, recall and F1 against it.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// The warning rules' settings (TOML, see docs/COMPARISON.md); default: the shipped ones.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum WarningsCommand {
    /// Run the registry's own rules (the same person in two households, exits with income not
    /// above the line) and raise what they find.
    Scan {
        #[arg(long)]
        area: Option<String>,
        /// The rules' settings (TOML); default: the shipped ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// Counts per area (one level below --area): open, being verified, confirmed, dismissed,
    /// and the unresolved by age.
    Summary {
        #[arg(long)]
        area: Option<String>,
    },
    /// List warnings, unresolved first and oldest first.
    List {
        #[arg(long)]
        area: Option<String>,
        /// A rule's code (payroll, vehicle, housing, business, dead_listed, dead_paid,
        /// duplicate, missed, wrong_exit, amount_mismatch, nominal_help).
        #[arg(long)]
        rule: Option<String>,
        /// open, verifying, confirmed or dismissed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One warning with its evidence and history.
    Show { id: i64 },
    /// Work a warning: start verifying it, confirm it with the action taken, dismiss it with
    /// the reason, or hand it to another area.
    Act {
        id: i64,
        /// Start verifying: how (visit, documents …).
        #[arg(long, value_name = "NOTE", group = "act")]
        verify: Option<String>,
        /// Confirm with the action taken: remove, correct, recover, include, reexamine (with
        /// --note saying what was found).
        #[arg(long, value_name = "ACTION", group = "act", requires = "note")]
        confirm: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// Dismiss, with the reason.
        #[arg(long, value_name = "REASON", group = "act")]
        dismiss: Option<String>,
        /// Hand it to another area.
        #[arg(long, value_name = "AREA", group = "act")]
        assign: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum CompareCommand {
    /// Import a department list (CSV in UTF-8 or GBK, or XLSX) as a dated snapshot of a source.
    Import {
        file: PathBuf,
        /// The source's name (a new name creates the source).
        #[arg(long)]
        source: String,
        /// The kind of a new source: payroll, vehicle, housing, business, death, assistance,
        /// medical, school, disability.
        #[arg(long)]
        kind: Option<String>,
        /// The list's date (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// A column mapping (TOML: field = ["header", …]); saved with the source.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The area the list belongs to: seen and used only within it and above (default: the
        /// whole installation).
        #[arg(long, value_name = "CODE")]
        owner: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum MeasuresCommand {
    /// Check a catalogue file (TOML, see crates/fupin-core/data/measures.toml) and put it in
    /// force; every problem is reported with the measure and field, and nothing is loaded.
    Import { file: PathBuf },
    /// Write the catalogue in force (the shipped default if none was loaded) as TOML.
    Export {
        /// Where to write it (default: standard output).
        file: Option<PathBuf>,
    },
    /// Record measures delivered from a CSV/XLSX sheet (户编号, 措施编号, 成员证件号码, 年度,
    /// 落实日期, 金额（元）, 落实单位, 佐证材料). All-or-nothing; loading it again corrects.
    Deliveries { file: PathBuf },
    /// Match every household of an area against the catalogue for a year: entitlements, the
    /// reasons, and the gaps (entitled but not delivered), stored for pages.
    Match {
        #[arg(long)]
        year: i32,
        /// Only this area (a code of any level); default: the whole registry.
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Args)]
pub struct AssessArgs {
    /// The year assessed (its income and its poverty line).
    #[arg(long)]
    pub year: i32,
    /// Only this area (a code of any level); default: the whole registry.
    #[arg(long)]
    pub area: Option<String>,
    /// A scorecard file (TOML, see crates/fupin-core/data/poverty_index.toml); it becomes the card
    /// in force and re-scores YEAR and every year already assessed (the old scores stay under
    /// their card's version). Default: the card in force, or the shipped default.
    #[arg(long)]
    pub card: Option<PathBuf>,
    /// Do not store anything: predict exit years as of YEAR for the households poor then and
    /// compare them with the exits the registry recorded afterwards.
    #[arg(long)]
    pub evaluate: bool,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account bound to one area with one or more roles.
    Add(UserAddArgs),
    /// List the accounts of an area's subtree (all accounts without --area).
    List {
        #[arg(long)]
        area: Option<String>,
    },
    /// Disable an account; its sessions and tokens end at once.
    Disable { username: String },
    /// Enable a disabled account again.
    Enable { username: String },
    /// Set a temporary password (printed) that must be changed at the next login.
    ResetPassword { username: String },
}

#[derive(Args)]
pub struct UserAddArgs {
    /// Login name: 3–32 of a-z 0-9 . _ -
    #[arg(long)]
    pub username: String,
    /// Real name (实名).
    #[arg(long)]
    pub name: String,
    /// Area code the account is bound to (its jurisdiction).
    #[arg(long)]
    pub area: String,
    /// Mobile or landline number.
    #[arg(long)]
    pub phone: String,
    /// Role code, repeatable: office_staff, office_leader, village_official, helper_cadre,
    /// inspector, call_centre, department_officer, admin.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// Read the password from the first line of standard input; without it a temporary
    /// password is printed, to be changed at the first login.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token acting as USER, limited to the given actions; the secret is printed once.
    Create {
        /// The account the token acts as (its area and roles bound the token).
        #[arg(long)]
        user: String,
        /// What the token is for (e.g. the department or system using it).
        #[arg(long)]
        name: String,
        /// Action code, repeatable (e.g. view_areas, view_households).
        #[arg(long = "action", required = true)]
        actions: Vec<String>,
        /// Days until it expires (1–366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        area: Option<String>,
    },
    /// Revoke a token at once.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole trail and the triggers that keep it append-only; exits
    /// non-zero and names the entry if any was edited, removed or inserted, or the triggers if
    /// they were dropped, disabled or altered (`fupin migrate` puts them back).
    Verify {
        /// ID:HASH printed by an earlier verification and kept elsewhere: also detects the
        /// newest entries having been cut off or the chain rebuilt (a single checkpoint).
        #[arg(long)]
        anchor: Option<String>,
        /// Checkpoint file (`ID HASH` lines), kept out of the database's reach. Each checkpoint
        /// is checked as the walk passes it: a chain rebuilt with fresh hashes is located
        /// between the last checkpoint that still matches and the first that differs; one past
        /// the end means entries were cut off. Created if absent; after a verification that
        /// passed, checkpoints for the entries since the last one are appended.
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
        /// Entries between the checkpoints appended to FILE (and the head besides). `--every 1`
        /// keeps one per entry and so names the exact first rewritten entry, at about 80 bytes
        /// of FILE per entry.
        #[arg(
            long,
            default_value_t = 1000,
            requires = "checkpoints",
            value_parser = clap::value_parser!(u64).range(1..)
        )]
        every: u64,
    },
}

#[derive(Args)]
pub struct DemoArgs {
    /// SQLite file of the demo.
    #[arg(long, default_value = "fupin-demo.sqlite3")]
    pub db: PathBuf,
    #[arg(long, default_value_t = 20_000)]
    pub households: usize,
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Delete an existing demo database and build it again.
    #[arg(long)]
    pub fresh: bool,
    /// Build the database and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Subcommand)]
pub enum AreasCommand {
    /// Load a division file: JSON array of {code, name, level, parent}, or CSV/XLSX with those columns.
    Import {
        /// The division file.
        file: PathBuf,
    },
    /// Load rural registered populations (农村户籍人口) by area and year, the denominator of
    /// poverty incidence: CSV/XLSX with columns 区划代码, 年度, 农村户籍人口 (or code, year,
    /// rural_population). Replaces figures of the same area and year; all-or-nothing.
    Population {
        /// The population sheet.
        file: PathBuf,
        /// Where the figures come from (e.g. 2019年统计年鉴), kept with each figure.
        #[arg(long)]
        source: String,
    },
    /// Load the figures of village and county exit the registry does not hold: CSV/XLSX with
    /// columns 区划代码, 年度 and any of the village facilities (通硬化路, 通客车, 安全饮水,
    /// 生产生活用电, 广播电视户户通, 综合文化服务中心, 标准化卫生室, 宽带: 是/否), 村集体经济收入
    /// (yuan), and the county survey (抽查脱贫人口, 错退人口, 抽查非建档立卡人口, 漏评人口,
    /// 调查户数, 认可户数). A blank cell is unknown. All-or-nothing.
    Indicators {
        /// The indicator sheet.
        file: PathBuf,
        /// Where the figures come from (e.g. 2019年县级专项评估检查), kept with each figure.
        #[arg(long)]
        source: String,
    },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// The household sheet: one row per member, household columns repeated (CSV UTF-8/GBK, XLSX).
    Households(ImportArgs),
    /// The history sheet: one row per household and year (status and income).
    History(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file: CSV (UTF-8 or GBK/GB18030) or XLSX.
    pub file: PathBuf,
    /// Import the valid households and report the rest (default: all-or-nothing).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where to write the error report (default: FILE.errors.csv beside the file).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Who is importing; recorded with every change.
    #[arg(long, env = "USER", default_value = "cli")]
    pub actor: String,
}

impl ImportArgs {
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            skip_invalid: self.skip_invalid,
            actor: self.actor.clone(),
            report: self.report.clone(),
            today: chrono_today(),
            audit: fupin_services::audit::Actor::cli(),
            scope: None,
        }
    }
}

pub fn chrono_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The household sheet of an area (the same shape import reads).
    Households(ExportArgs),
    /// The history sheet of an area.
    History(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// Area code (2, 4, 6, 9 or 12 digits).
    #[arg(long)]
    pub area: String,
    #[arg(long)]
    pub out: PathBuf,
    /// csv or xlsx (default: from the file name).
    #[arg(long)]
    pub format: Option<FileFormat>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum GenFormat {
    Csv,
    Xlsx,
    Both,
}

#[derive(Args)]
pub struct GenArgs {
    #[arg(long, default_value_t = 10_000)]
    pub households: usize,
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    /// Last year of the generated histories.
    #[arg(long, default_value_t = 2023)]
    pub last_year: i32,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = GenFormat::Csv)]
    pub format: GenFormat,
    /// Also write department lists (payroll, vehicles, housing, businesses, deaths, assistance,
    /// medical insurance, schools, disability) with planted links and slips, and their truth,
    /// under OUT/departments/ (CSV).
    #[arg(long)]
    pub departments: bool,
}

impl GenArgs {
    pub fn run(&self, progress: &dyn Progress) -> Result<WrittenFiles> {
        let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS)?;
        let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES)?;
        let index = fupin_storage::AreaIndex::from_areas(&areas);
        let config = GeneratorConfig {
            households: self.households,
            seed: self.seed,
            last_year: self.last_year,
        };
        let formats: &[Format] = match self.format {
            GenFormat::Csv => &[Format::Csv],
            GenFormat::Xlsx => &[Format::Xlsx],
            GenFormat::Both => &[Format::Csv, Format::Xlsx],
        };
        progress.start(Some(self.households as u64));
        let mut lists = self
            .departments
            .then(|| DepartmentSheets::create(&self.out, self.seed, self.last_year))
            .transpose()?;
        let mut written = write_registry(
            generate(&config, &geo),
            &index,
            &self.out,
            formats,
            lists.as_mut(),
            progress,
        )?;
        if let Some(lists) = lists {
            written.files.extend(lists.files.iter().cloned());
            for (kind, rows) in lists.finish()? {
                written
                    .department_rows
                    .push((fupin_core::CodeList::code(kind).to_string(), rows));
            }
        }
        Ok(written)
    }
}

#[derive(Args)]
pub struct BenchFieldArgs {
    /// Households to generate when the working folder has no generated data yet.
    #[arg(long, default_value_t = 1_000_000)]
    pub households: usize,
    /// Working folder: generated data (shared with `fupin bench`) and field.sqlite3.
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// Visits posted in each timed round of the sync.
    #[arg(long, default_value_t = 2000)]
    pub ingest: usize,
    /// Phones posting at once.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Households to generate and load.
    #[arg(long, default_value_t = 1_000_000)]
    pub households: usize,
    /// Working folder for the generated files and the SQLite database.
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// PostgreSQL to measure too: a scratch database on that server, dropped and created anew.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Measure PostgreSQL only (skip the SQLite import, re-import and export).
    #[arg(long, requires = "postgres")]
    pub skip_sqlite: bool,
}

#[derive(Args)]
pub struct BenchConsoleArgs {
    /// Households to generate when the working folder has no generated data yet.
    #[arg(long, default_value_t = 1_000_000)]
    pub households: usize,
    /// Working folder: generated data (shared with `fupin bench`) and console.sqlite3.
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// PostgreSQL to measure too (loaded once if it has no households).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Requests in each timed list.
    #[arg(long, default_value_t = 500)]
    pub requests: usize,
    /// Concurrent connections of the load test.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Seconds of the load test.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Instead of the above, time household pages while N households are imported (issue 24):
    /// a registry of --households + N households is generated under DIR/during-<households>-<N>/
    /// and split in two; each run loads the first --households into a fresh database (SQLite:
    /// during.sqlite3 there, deleted first; PostgreSQL: the --postgres database is DROPPED and
    /// created again, so its name must contain "bench"), then --clients clients read pages, first
    /// with nothing else running for about as long as the import will take, then while the other
    /// N households are imported.
    #[arg(long, value_name = "N")]
    pub during_import: Option<usize>,
    /// Concurrent clients reading household pages (--during-import).
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Instead of the above, time a sheet of the province holding most of N generated
    /// households imported on the console (upload, background job, its page polled) against
    /// the command line's import of the same file, each into a fresh SQLite database under
    /// DIR/console-import-<N>/, in three alternating rounds.
    #[arg(long, value_name = "N")]
    pub console_import: Option<usize>,
}

/// How long a connection may take over a request (`fupin serve`).
#[derive(Args, Debug, Clone, Copy)]
pub struct ServeTimeouts {
    /// Seconds for a request's line and headers to arrive; a slower client is dropped.
    #[arg(long, env = "FUPIN_HEADER_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout: u64,
    /// Seconds to wait for the next piece of a request body.
    #[arg(long, env = "FUPIN_BODY_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds a whole request may take until its answer begins (uploads included).
    #[arg(long, env = "FUPIN_REQUEST_TIMEOUT", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub request_timeout: u64,
}

impl From<ServeTimeouts> for fupin_web::Timeouts {
    fn from(t: ServeTimeouts) -> Self {
        use std::time::Duration;
        fupin_web::Timeouts {
            header: Duration::from_secs(t.header_timeout),
            body_idle: Duration::from_secs(t.body_timeout),
            request: Duration::from_secs(t.request_timeout),
        }
    }
}
