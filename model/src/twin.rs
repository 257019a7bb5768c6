//! The twin itself: components (nodes), dependencies (edges) and the evidence behind every
//! fact, plus what the scan found wrong on its own (findings) and what it could not read
//! (skipped files).
//!
//! The twin is plain data. It is written to and read from RON by [`Twin::to_ron`] and
//! [`Twin::from_ron`]; graph questions are answered by [`crate::graph`].

use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::risk::RiskLevel;
use crate::schedule::Schedule;

/// Bumped whenever a change to these types makes older twin files unreadable.
pub const TWIN_FORMAT: u32 = 1;

/// The digital twin of one machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Twin {
    pub format: u32,
    pub host: HostInfo,
    pub components: Vec<Component>,
    pub dependencies: Vec<Dependency>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// Facts the assembler found but could not link to anything, in words.
    #[serde(default)]
    pub unlinked: Vec<String>,
}

/// What the twin knows about the machine as a whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    /// A display name for the machine (from the files, or the scan root's folder name).
    pub name: String,
    pub platform: Platform,
    /// IANA time zone all calendar work runs in, e.g. `America/Denver`.
    pub time_zone: String,
    pub time_zone_evidence: Evidence,
    /// Physical memory, where a captured `vm_stat` or similar says it.
    #[serde(default)]
    pub memory_bytes: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Platform {
    MacOs,
    Linux,
}

/// Where a fact came from: a line of a file under the scan root, or a named assumption when
/// no file says it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// `path` is relative to the scan root; `line` is 1-based (0 when the whole file is the
    /// evidence, as for a binary plist); `excerpt` is short and already redacted.
    File {
        path: String,
        line: u32,
        excerpt: String,
    },
    Assumption {
        name: String,
    },
}

impl Evidence {
    pub fn file(path: impl Into<String>, line: u32, excerpt: impl Into<String>) -> Evidence {
        Evidence::File { path: path.into(), line, excerpt: excerpt.into() }
    }

    pub fn assumption(name: impl Into<String>) -> Evidence {
        Evidence::Assumption { name: name.into() }
    }

    /// `path:line` for a file, `assumption NAME` otherwise.
    pub fn cite(&self) -> String {
        match self {
            Evidence::File { path, line: 0, .. } => path.clone(),
            Evidence::File { path, line, .. } => format!("{path}:{line}"),
            Evidence::Assumption { name } => format!("assumption `{name}`"),
        }
    }
}

/// One node of the twin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Stable id: `host`, `launchd:com.example.portal`, `pg:main`, `api:api.wellsky.com`,
    /// `cron:backup`, `endpoint:https://portal.example.com`, ...
    pub id: String,
    /// A short human name for reports.
    pub name: String,
    pub kind: Kind,
    pub evidence: Vec<Evidence>,
}

/// What a component is, with the facts that matter for its kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Kind {
    Host,
    Supervisor(SupervisorKind),
    Service(Service),
    Job(Job),
    Monitor(Monitor),
    ExternalApi(ExternalApi),
    Volume(Volume),
    BackupStore(BackupStore),
    Network(NetworkKind),
    Endpoint(Endpoint),
}

impl Kind {
    /// The kind's name in lower case, for ids, tables and `--list-modes`.
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Supervisor(_) => "supervisor",
            Kind::Service(_) => "service",
            Kind::Job(_) => "job",
            Kind::Monitor(_) => "monitor",
            Kind::ExternalApi(_) => "external-api",
            Kind::Volume(_) => "volume",
            Kind::BackupStore(_) => "backup-store",
            Kind::Network(_) => "network",
            Kind::Endpoint(_) => "endpoint",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisorKind {
    Launchd,
    Cron,
    Systemd,
}

/// A long-running process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub role: ServiceRole,
    pub program: String,
    pub restart: RestartPolicy,
    /// Ports it listens on.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Worker processes (uvicorn `--workers`, gunicorn `-w`, `WEB_CONCURRENCY`); 1 by default.
    pub workers: u32,
    /// A cap on concurrent requests (`--limit-concurrency`), if any.
    #[serde(default)]
    pub concurrency_limit: Option<u32>,
    /// Database connection pools its code opens.
    #[serde(default)]
    pub pools: Vec<Pool>,
    /// Log files it writes (StandardOutPath, StandardErrorPath, log settings).
    #[serde(default)]
    pub logs: Vec<String>,
    /// Memory limit from resource limits, if any.
    #[serde(default)]
    pub memory_limit_bytes: Option<u64>,
    /// Environment variable names; secret values never reach the twin.
    #[serde(default)]
    pub environment: Vec<EnvVar>,
    /// For a database server: the settings that decide crash safety and capacity.
    #[serde(default)]
    pub database: Option<DatabaseConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceRole {
    Web,
    Bot,
    Tunnel,
    Database,
    Worker,
}

/// An environment variable: its name, and its value only when it is not a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    pub name: String,
    /// `None` when the value is a secret (or holds one, like a URL with a password).
    pub value: Option<String>,
}

/// How the supervisor brings a process back, and which endings it covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// The supervisor's id, e.g. `launchd`.
    pub supervisor: Option<String>,
    /// The keep-alive setting as the file wrote it.
    pub keep_alive: KeepAlive,
    /// Which endings the supervisor restarts, derived from `keep_alive` as the supervisor
    /// reads it.
    pub restarts_after: Endings,
    pub run_at_load: bool,
    /// Minimum run time: a job that ran `r` is respawned after `max(0, throttle - r)`.
    pub throttle_interval: Duration,
    /// SIGTERM, then SIGKILL after this long; zero waits forever.
    pub exit_timeout: Duration,
}

impl RestartPolicy {
    /// A process nobody restarts.
    pub fn unsupervised() -> RestartPolicy {
        RestartPolicy {
            supervisor: None,
            keep_alive: KeepAlive::Absent,
            restarts_after: Endings::NONE,
            run_at_load: false,
            throttle_interval: Duration::ZERO,
            exit_timeout: Duration::ZERO,
        }
    }
}

/// The ways a process can end, and so the cases a restart policy may cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endings {
    /// Exit status 0 (a tunnel exiting after an update, a script finishing).
    pub clean_exit: bool,
    /// Non-zero exit status (a failed start-up, an unhandled exception).
    pub error_exit: bool,
    /// A crash signal: SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGTRAP.
    pub crash_signal: bool,
    /// Killed by SIGKILL or SIGTERM from outside (memory pressure, an operator).
    pub killed: bool,
}

impl Endings {
    pub const NONE: Endings =
        Endings { clean_exit: false, error_exit: false, crash_signal: false, killed: false };
    pub const ALL: Endings =
        Endings { clean_exit: true, error_exit: true, crash_signal: true, killed: true };

    pub fn covers(self, ending: Ending) -> bool {
        match ending {
            Ending::CleanExit => self.clean_exit,
            Ending::ErrorExit => self.error_exit,
            Ending::CrashSignal => self.crash_signal,
            Ending::Killed => self.killed,
        }
    }

    pub fn is_none(self) -> bool {
        self == Endings::NONE
    }
}

/// One way a process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ending {
    CleanExit,
    ErrorExit,
    CrashSignal,
    Killed,
}

/// launchd's KeepAlive as written (systemd's Restart= maps onto the same shapes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum KeepAlive {
    /// No KeepAlive key (or a misspelt one launchd ignores): on demand only.
    Absent,
    Always(bool),
    /// The dictionary form; its conditions are ORed.
    Conditions(KeepAliveConditions),
}

impl KeepAlive {
    /// Which endings launchd restarts under this setting (launchd.plist(5), as FORMATS.md
    /// sums it up). The dictionary's conditions are ORed. `Crashed: false` restarts after
    /// every ending that is not a crash signal, SIGKILL and SIGTERM included, which launchd
    /// does not count as crashes. PathState keeps a job alive by a condition outside the
    /// process and covers no ending here; OtherJobEnabled depends on which other jobs are
    /// loaded, which only the whole tree knows, so the scanner adds it.
    pub fn endings(&self) -> Endings {
        match self {
            KeepAlive::Absent | KeepAlive::Always(false) => Endings::NONE,
            KeepAlive::Always(true) => Endings::ALL,
            KeepAlive::Conditions(conditions) => {
                let mut endings = Endings::NONE;
                match conditions.successful_exit {
                    Some(true) => endings.clean_exit = true,
                    Some(false) => {
                        endings.error_exit = true;
                        endings.crash_signal = true;
                        endings.killed = true;
                    }
                    None => {}
                }
                match conditions.crashed {
                    Some(true) => endings.crash_signal = true,
                    Some(false) => {
                        endings.clean_exit = true;
                        endings.error_exit = true;
                        endings.killed = true;
                    }
                    None => {}
                }
                endings
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeepAliveConditions {
    #[serde(default)]
    pub successful_exit: Option<bool>,
    #[serde(default)]
    pub crashed: Option<bool>,
    /// Paths and whether the job is kept alive while each exists (`true`) or is missing.
    #[serde(default)]
    pub path_state: Vec<(String, bool)>,
    #[serde(default)]
    pub other_job_enabled: Vec<(String, bool)>,
    /// Present but no longer implemented by launchd.
    #[serde(default)]
    pub network_state: Option<bool>,
    #[serde(default)]
    pub after_initial_demand: Option<bool>,
}

/// A database connection pool opened by a service's code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// The most connections it may hold open (pool_size + max_overflow, or max_size).
    pub max_connections: u32,
    /// How long a caller waits for a free connection; `None` waits forever.
    pub checkout_timeout: Option<Duration>,
    /// Time allowed to open a connection; `None` (unset or 0 in libpq) waits forever.
    pub connect_timeout: Option<Duration>,
    pub evidence: Evidence,
}

/// A database server's settings that decide crash safety and capacity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabaseConfig {
    pub engine: String,
    pub port: u16,
    pub max_connections: u32,
    pub superuser_reserved_connections: u32,
    pub fsync: bool,
    pub full_page_writes: bool,
    pub synchronous_commit: String,
    pub wal_level: String,
    pub max_wal_senders: u32,
    pub archive_mode: String,
    pub listen_addresses: String,
    /// Where each of the settings above came from, by setting name.
    #[serde(default)]
    pub evidence: Vec<(String, Evidence)>,
}

/// Scheduled work: a cron line, or a launchd job with StartInterval/StartCalendarInterval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub purpose: JobPurpose,
    pub schedule: Schedule,
    /// The command line, redacted.
    pub command: String,
    /// The script it runs, relative to the scan root, when the script is in the tree.
    #[serde(default)]
    pub script: Option<String>,
    /// How runs are kept from overlapping, if at all.
    #[serde(default)]
    pub lock: Option<Lock>,
    /// strftime format of date-stamped names it writes (e.g. `%Y-%m-%d`), if any.
    #[serde(default)]
    pub date_stamp: Option<String>,
    #[serde(default)]
    pub backup: Option<BackupJob>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobPurpose {
    Backup,
    Sync,
    Monitor,
    Report,
    Cleanup,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lock {
    Flock(String),
    LockFile(String),
    Noclobber,
    /// launchd never starts a second copy of a job that is still running.
    Supervisor,
}

/// What a backup job does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupJob {
    /// `pg_dump` format: `custom`, `plain`, `directory`, `tar`.
    #[serde(default)]
    pub dump_format: Option<String>,
    /// Paths the config tarball holds.
    #[serde(default)]
    pub archives: Vec<String>,
    /// `rclone copy` or `rclone sync`, and the remote.
    #[serde(default)]
    pub offsite: Option<OffsiteCopy>,
    /// Days kept locally (from `find -mtime +N -delete` and alikes).
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Whether the script stops on a failed step (`set -e`, `|| exit`).
    pub checks_errors: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsiteCopy {
    pub tool: String,
    /// `copy` keeps what the remote has; `sync` deletes what the source lost.
    pub mode: String,
    pub remote: String,
}

/// A health or watchdog script: what it probes and how often; the per-target actions are on
/// its `Probes` edges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Monitor {
    pub period: Duration,
    /// How it tells a human, and through which components the alert travels.
    #[serde(default)]
    pub alert: Option<Alert>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// e.g. `telegram`, `email`, `slack`.
    pub channel: String,
    /// Component ids the alert needs to get out (the host, the uplink, an API).
    pub via: Vec<String>,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExternalApi {
    pub host: String,
}

/// A disk, with what fills it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub mount: String,
    #[serde(default)]
    pub capacity_bytes: Option<u64>,
    #[serde(default)]
    pub free_bytes: Option<u64>,
}

/// Where backups land.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupStore {
    pub location: String,
    pub offsite: bool,
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Number of dumps found there, and the newest one's size.
    #[serde(default)]
    pub dumps_found: u32,
    #[serde(default)]
    pub latest_dump_bytes: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NetworkKind {
    Uplink,
    Dns,
    Power,
}

/// What a user reaches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub access: Access,
    pub tier: Tier,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Access {
    /// A public hostname served through a tunnel or proxy.
    PublicHostname(String),
    /// A port on the machine itself.
    LocalPort(u16),
    /// A chat bot users talk to.
    Bot(String),
    /// "The data is safe off-site": up while the latest off-site copy is fresh.
    OffsiteBackup(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    Production,
    Staging,
    Internal,
}

/// One edge: `from` depends on, supervises, probes, ... `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub from: String,
    pub to: String,
    pub kind: Edge,
    pub evidence: Vec<Evidence>,
}

fn sees_hangs_by_default() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Edge {
    /// `from` needs `to` to work.
    Requires(Requirement),
    /// `from` (a supervisor) restarts `to` by the policy on `to`.
    Supervises,
    /// `from` (a monitor) checks `to` every `period` and does `action` when it fails.
    /// `sees_hangs` says whether the check can tell a hung process from a working one (an
    /// HTTP request or `pg_isready` can; a process list such as `launchctl list` or `pgrep`
    /// only sees whether it runs). Twins written before it was recorded read as `true`.
    Probes {
        period: Duration,
        action: ProbeAction,
        #[serde(default = "sees_hangs_by_default")]
        sees_hangs: bool,
    },
    /// `from` (a tunnel or proxy) forwards traffic to `to` on `port`.
    Routes { port: u16 },
    /// `from` (a supervisor) starts `to` (a job) on its schedule.
    Schedules,
    /// `from` writes to `to` (a volume) at this rate.
    WritesTo { bytes_per_day: f64 },
    /// `from` (a job) copies data to `to` (a backup store).
    Copies,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    pub strength: Strength,
    /// How long a call waits before giving up; `None` waits forever, so the caller hangs
    /// while `to` is down and may stay hung after it returns.
    pub timeout: Option<Duration>,
    /// Edges from one caller that share a group are alternatives: the caller needs one of
    /// them (a standby host, a second uplink).
    #[serde(default)]
    pub any_of: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strength {
    /// `from` is down while `to` is down.
    Hard,
    /// `from` works worse while `to` is down.
    Degrades,
    /// `from` falls back (cached data, a queue) while `to` is down.
    Fallback,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeAction {
    Restart,
    Alert,
    Nothing,
}

/// A risk a file shows directly, without simulation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable short code, e.g. `no-keepalive`, `no-timeout`, `no-lock`.
    pub code: String,
    pub level: RiskLevel,
    pub title: String,
    pub detail: String,
    #[serde(default)]
    pub component: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// A file the scan could not use, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl Twin {
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|component| component.id == id)
    }

    pub fn component_mut(&mut self, id: &str) -> Option<&mut Component> {
        self.components.iter_mut().find(|component| component.id == id)
    }

    /// The endpoints, production first, then by id.
    pub fn endpoints(&self) -> Vec<&Component> {
        let mut endpoints: Vec<&Component> = self
            .components
            .iter()
            .filter(|component| matches!(component.kind, Kind::Endpoint(_)))
            .collect();
        endpoints.sort_by(|a, b| {
            let tier = |c: &Component| match &c.kind {
                Kind::Endpoint(endpoint) => endpoint.tier,
                _ => Tier::Internal,
            };
            tier(a).cmp(&tier(b)).then_with(|| a.id.cmp(&b.id))
        });
        endpoints
    }

    /// Writes the twin as pretty RON.
    pub fn to_ron(&self) -> Result<String, crate::ModelError> {
        let config = ron::ser::PrettyConfig::new().depth_limit(8).indentor("  ".to_string());
        ron::ser::to_string_pretty(self, config)
            .map_err(|error| crate::ModelError::Serialize(error.to_string()))
    }

    /// Reads a twin from RON, naming the line and column of the first problem.
    pub fn from_ron(text: &str) -> Result<Twin, crate::ModelError> {
        let twin: Twin = ron::from_str(text).map_err(|error| crate::ModelError::Parse {
            line: error.span.start.line,
            column: error.span.start.col,
            message: error.code.to_string(),
        })?;
        if twin.format != TWIN_FORMAT {
            return Err(crate::ModelError::Format { found: twin.format, expected: TWIN_FORMAT });
        }
        twin.validate()?;
        Ok(twin)
    }

    /// Checks that ids are unique and every edge names components that exist.
    pub fn validate(&self) -> Result<(), crate::ModelError> {
        let mut ids = std::collections::BTreeSet::new();
        for component in &self.components {
            if !ids.insert(component.id.as_str()) {
                return Err(crate::ModelError::DuplicateId(component.id.clone()));
            }
        }
        for dependency in &self.dependencies {
            for end in [&dependency.from, &dependency.to] {
                if !ids.contains(end.as_str()) {
                    return Err(crate::ModelError::UnknownComponent(end.clone()));
                }
            }
        }
        Ok(())
    }

    /// A stable fingerprint of the twin's content, so results can say which twin they
    /// belong to. FNV-1a over the RON text: portable and dependency-free.
    pub fn fingerprint(&self) -> String {
        let text = self.to_ron().unwrap_or_default();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}
