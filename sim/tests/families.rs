//! One scenario per seed family, each on a small hand-built twin, showing the mechanism
//! the engine applies: how a process ended against its KeepAlive policy, a watchdog's next
//! run, a caller hung on a database without a connect timeout, a fallback that keeps an
//! endpoint up, a disk filled by growth, cron across DST changes, a sync without a lock
//! that outlasts its period, and machine loss with its RTO and RPO.
//!
//! Failures are injected into otherwise quiet years through the engine's public API
//! ([`Plant::run`] with an [`Injection`]); the families that the catalogue samples rather
//! than simulates (DST, overlaps) are checked through [`simulate`].

use drtwin_model::{
    Access, BackupJob, BackupStore, Ending, Endings, JobPurpose, Kind, Lock, Monitor, OffsiteCopy,
    ProbeAction, ServiceRole, Strength, Tier, Twin, Volume,
};
use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Injection, Interval, Mode, Params, Plant, Scratch, TrialSpec, total};
use drtwin_sim::estimate::Welford;
use drtwin_sim::testing::{TwinBuilder, daily, endpoint, every_hours, job, service};
use drtwin_sim::{Assumptions, Mechanism, RunConfig, simulate};

const DAY: f64 = 86_400.0;
const YEAR: f64 = 365.0 * DAY;

/// The shipped table with every background failure switched off, people who take a month
/// to notice anything unalerted, then `overrides` (a RON map without its braces).
fn quiet(overrides: &str) -> Assumptions {
    let mut pairs = drtwin_sim::testing::silenced_rates();
    pairs.push("\"human-unalerted-delay\": \"30d\"".into());
    pairs.push("\"monitor-restart-time\": \"20s\"".into());
    pairs.push("\"service-startup-time\": \"5s\"".into());
    let base = Assumptions::shipped().with_overrides(&format!("{{{}}}", pairs.join(", ")));
    let all = base.and_then(|a| a.with_overrides(&format!("{{{overrides}}}")));
    all.expect("test overrides are valid")
}

fn plant(twin: &Twin, assumptions: &Assumptions) -> Plant {
    let clock = Clock::new(&twin.host.time_zone, 2027).expect("time zone exists");
    Plant::new(twin, Params::new(assumptions), clock)
}

fn index(plant: &Plant, id: &str) -> usize {
    plant.nodes.iter().position(|node| node.id == id).expect("component in the twin")
}

/// Injects `mode` into `node` at `at` in an otherwise quiet trial.
fn inject(plant: &Plant, scratch: &mut Scratch, node: usize, mode: Mode, at: f64, trial: u64) {
    let injection = Injection { node, mode, at };
    let spec = TrialSpec { trial, injection: Some(injection), ..TrialSpec::default() };
    plant.run(17, &spec, scratch);
}

/// The single down-interval of `node` after an injection.
fn only(scratch: &Scratch, node: usize) -> Interval {
    match scratch.down[node].as_slice() {
        [one] => *one,
        other => panic!("expected one interval, got {other:?}"),
    }
}

fn watchdog(period: &str) -> Kind {
    Kind::Monitor(Monitor { period: period.parse().expect("period"), alert: None })
}

/// Injection instants spread over the year, at every hour of the day and day of the week.
fn instants(count: u64) -> impl Iterator<Item = (u64, f64)> {
    (0..count).map(|k| (k, 10.0 * DAY + k as f64 * 7919.0))
}

#[test]
fn without_keepalive_a_crashed_service_waits_for_the_watchdogs_next_run() {
    let base = || {
        TwinBuilder::new("UTC")
            .component("launchd:svc", service(ServiceRole::Web, Endings::NONE, true, 80))
    };
    let watched = base()
        .component("monitor:watchdog", watchdog("2m"))
        .probes("monitor:watchdog", "launchd:svc", "2m", ProbeAction::Restart)
        .build();
    let plant_watched = plant(&watched, &quiet(""));
    let svc = index(&plant_watched, "launchd:svc");
    let mut scratch = plant_watched.scratch();
    let mut down = Welford::default();
    for (trial, at) in instants(500) {
        inject(&plant_watched, &mut scratch, svc, Mode::Ends(Ending::ErrorExit), at, trial);
        let iv = only(&scratch, svc);
        assert_eq!(iv.mechanism, Mechanism::Monitor);
        // Detected at the next run (within one period), then restarted in 20 s.
        assert!((20.0..=140.0).contains(&(iv.end - at)), "{iv:?}");
        down.push(iv.end - at);
    }
    assert!((down.mean - 80.0).abs() <= down.half_width(), "{down:?}");

    // Without the watchdog nobody but a person brings it back.
    let alone = base().build();
    let plant_alone = plant(&alone, &quiet(""));
    let mut scratch = plant_alone.scratch();
    for (trial, at) in instants(100) {
        inject(&plant_alone, &mut scratch, 0, Mode::Ends(Ending::ErrorExit), at, trial);
        let iv = only(&scratch, 0);
        assert_eq!(iv.mechanism, Mechanism::Human);
        assert!(iv.end - at > DAY, "{iv:?}");
    }
}

#[test]
fn with_keepalive_a_crashed_service_is_back_after_the_throttle() {
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, Endings::ALL, true, 80))
        .build();
    let plant = plant(&twin, &quiet(""));
    let mut scratch = plant.scratch();
    for ending in [Ending::ErrorExit, Ending::CrashSignal, Ending::Killed, Ending::CleanExit] {
        inject(&plant, &mut scratch, 0, Mode::Ends(ending), 40.0 * DAY, 1);
        let iv = only(&scratch, 0);
        // A process that ran for weeks has served its 10 s throttle: start-up time only.
        assert_eq!(iv.mechanism, Mechanism::Supervisor, "{ending:?}");
        assert_eq!(iv.end - iv.start, 5.0, "{ending:?}");
    }
    // One that ran 3 s waits the remaining 7 s of the throttle, then starts.
    assert_eq!(drtwin_sim::engine::respawn_delay(10.0, 3.0, 5.0), 12.0);
}

#[test]
fn keepalive_crashed_only_is_not_restarted_after_a_memory_pressure_sigkill() {
    let crashed_only = Endings { crash_signal: true, ..Endings::NONE };
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, crashed_only, true, 80))
        .build();
    let plant = plant(&twin, &quiet(""));
    let mut scratch = plant.scratch();

    inject(&plant, &mut scratch, 0, Mode::Ends(Ending::CrashSignal), 40.0 * DAY, 1);
    let crash = only(&scratch, 0);
    assert_eq!((crash.mechanism, crash.end - crash.start), (Mechanism::Supervisor, 5.0));

    for (trial, at) in instants(100) {
        inject(&plant, &mut scratch, 0, Mode::Ends(Ending::Killed), at, trial);
        let killed = only(&scratch, 0);
        assert_eq!(killed.mechanism, Mechanism::Human);
        assert!(killed.end - at > DAY, "{killed:?}");
    }
}

/// PostgreSQL under KeepAlive, a web app calling it with or without a connect timeout,
/// optionally a 2-minute restarting watchdog on the app, and an endpoint in front.
fn database_and_caller(timeout: Option<&str>, watched: bool) -> Twin {
    let builder = TwinBuilder::new("UTC")
        .component("pg:main", service(ServiceRole::Database, Endings::ALL, true, 5432))
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("launchd:app", "pg:main", Strength::Hard, timeout)
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"));
    let builder = if watched {
        builder.component("monitor:watchdog", watchdog("2m")).probes(
            "monitor:watchdog",
            "launchd:app",
            "2m",
            ProbeAction::Restart,
        )
    } else {
        builder
    };
    builder.build()
}

#[test]
fn a_database_crash_hangs_a_caller_without_connect_timeout_until_a_monitor_restarts_it() {
    let assumptions = quiet("\"database-crash-recovery\": \"40s\"");
    let recovery = 5.0 + 40.0;

    // No timeout, a watchdog: the app stays hung after the database is back, until the
    // watchdog's next run restarts it.
    let hung = plant(&database_and_caller(None, true), &assumptions);
    let (db, app, front) =
        (index(&hung, "pg:main"), index(&hung, "launchd:app"), index(&hung, "endpoint:app"));
    let mut scratch = hung.scratch();
    for (trial, at) in instants(200) {
        inject(&hung, &mut scratch, db, Mode::DatabaseCrash, at, trial);
        let database = only(&scratch, db);
        assert_eq!((database.end - at, database.mechanism), (recovery, Mechanism::Supervisor));
        let caller = only(&scratch, app);
        assert_eq!(caller.mechanism, Mechanism::Monitor);
        assert!(caller.end > database.end, "{caller:?} ends with {database:?}");
        assert!(caller.end - database.end <= 120.0 + 20.0, "{caller:?}");
        assert_eq!(only(&scratch, front).end, caller.end);
    }

    // No timeout, no monitor: hung until a person notices.
    let alone = plant(&database_and_caller(None, false), &assumptions);
    let mut scratch = alone.scratch();
    inject(&alone, &mut scratch, db, Mode::DatabaseCrash, 40.0 * DAY, 1);
    let caller = only(&scratch, app);
    assert_eq!(caller.mechanism, Mechanism::Human);
    assert!(caller.end - caller.start > DAY, "{caller:?}");

    // With a connect timeout the app recovers with the database.
    let bounded = plant(&database_and_caller(Some("10s"), false), &assumptions);
    let mut scratch = bounded.scratch();
    inject(&bounded, &mut scratch, db, Mode::DatabaseCrash, 40.0 * DAY, 1);
    assert_eq!(only(&scratch, app), only(&scratch, db));
}

fn tunnel(watched: bool) -> Twin {
    // SuccessfulExit false: restart after an error exit or a signal, not after exit 0.
    let not_clean = Endings { error_exit: true, crash_signal: true, killed: true, ..Endings::NONE };
    let builder = TwinBuilder::new("UTC")
        .component("launchd:cloudflared", service(ServiceRole::Tunnel, not_clean, true, 0))
        .component(
            "endpoint:https://app.example.com",
            endpoint(Access::PublicHostname("app.example.com".into()), Tier::Production),
        )
        .requires(
            "endpoint:https://app.example.com",
            "launchd:cloudflared",
            Strength::Hard,
            Some("30s"),
        );
    let builder = if watched {
        builder.component("monitor:watchdog", watchdog("2m")).probes(
            "monitor:watchdog",
            "launchd:cloudflared",
            "2m",
            ProbeAction::Restart,
        )
    } else {
        builder
    };
    builder.build()
}

#[test]
fn a_tunnel_exiting_zero_under_successful_exit_false_stays_down_until_watchdog_or_human() {
    let at = 40.0 * DAY + 3600.0;
    let bare = plant(&tunnel(false), &quiet(""));
    let (tunnel_node, front) =
        (index(&bare, "launchd:cloudflared"), index(&bare, "endpoint:https://app.example.com"));
    let mut scratch = bare.scratch();

    inject(&bare, &mut scratch, tunnel_node, Mode::Ends(Ending::ErrorExit), at, 1);
    assert_eq!(only(&scratch, tunnel_node).mechanism, Mechanism::Supervisor);

    inject(&bare, &mut scratch, tunnel_node, Mode::Ends(Ending::CleanExit), at, 1);
    let exit_zero = only(&scratch, tunnel_node);
    assert_eq!(exit_zero.mechanism, Mechanism::Human);
    assert!(exit_zero.end - at > DAY, "{exit_zero:?}");
    assert_eq!(total(&scratch.down[front]), exit_zero.end - at);

    let watched = plant(&tunnel(true), &quiet(""));
    let mut scratch = watched.scratch();
    inject(&watched, &mut scratch, tunnel_node, Mode::Ends(Ending::CleanExit), at, 1);
    let restarted = only(&scratch, tunnel_node);
    assert_eq!(restarted.mechanism, Mechanism::Monitor);
    assert!(restarted.end - at <= 140.0, "{restarted:?}");
}

fn api_caller(strength: Strength) -> Twin {
    TwinBuilder::new("UTC")
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("api:vendor", Kind::ExternalApi(drtwin_model::ExternalApi { host: "v".into() }))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("launchd:app", "api:vendor", strength, Some("5s"))
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"))
        .build()
}

#[test]
fn an_api_outage_takes_the_endpoint_down_only_without_a_fallback() {
    let assumptions = quiet("\"outage-duration-spread\": 0.0");
    let outage = Mode::Blip { median: 7200.0 };
    let at = 40.0 * DAY;
    for (strength, expected) in [(Strength::Fallback, 0.0), (Strength::Hard, 7200.0)] {
        let plant = plant(&api_caller(strength), &assumptions);
        let (api, front) = (index(&plant, "api:vendor"), index(&plant, "endpoint:app"));
        let mut scratch = plant.scratch();
        inject(&plant, &mut scratch, api, outage, at, 1);
        assert_eq!(total(&scratch.down[api]), 7200.0);
        assert_eq!(total(&scratch.down[front]), expected, "{strength:?}");
    }
}

/// PostgreSQL writing `bytes_per_day` to a volume with 10 GB free.
fn disk_twin(bytes_per_day: f64) -> TwinBuilder {
    TwinBuilder::new("UTC")
        .component("pg:main", service(ServiceRole::Database, Endings::ALL, true, 5432))
        .component(
            "volume:/",
            Kind::Volume(Volume {
                mount: "/".into(),
                capacity_bytes: Some(100_000_000_000),
                free_bytes: Some(10_000_000_000),
            }),
        )
        .edge("pg:main", "volume:/", drtwin_model::Edge::WritesTo { bytes_per_day })
}

#[test]
fn disk_fill_from_growth_stops_the_database() {
    // 10 GB free, PostgreSQL writing 1 GB a day: full on day 10.
    let twin = disk_twin(1e9)
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("launchd:app", "pg:main", Strength::Hard, Some("10s"))
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"))
        .build();
    let plant = plant(&twin, &quiet("\"log-growth-spread\": 0.0"));
    let (volume, db, front) =
        (index(&plant, "volume:/"), index(&plant, "pg:main"), index(&plant, "endpoint:app"));
    assert_eq!(plant.nodes[volume].fill_time, Some(10.0 * DAY));

    let mut scratch = plant.scratch();
    let spec = TrialSpec { trial: 3, background: true, ..TrialSpec::default() };
    plant.run(17, &spec, &mut scratch);
    let full = scratch.down[volume][0];
    assert_eq!(full.start, 10.0 * DAY);
    for node in [db, front] {
        let stopped = scratch.down[node][0];
        assert_eq!((stopped.start, stopped.end), (full.start, full.end), "{}", node);
        assert_eq!(stopped.cause as usize, volume);
    }
    // After each clean-up the same growth fills it again ten days later.
    let second = scratch.down[volume][1];
    assert!((second.start - full.end - 10.0 * DAY).abs() < 1e-6, "{second:?} after {full:?}");
}

/// A twin with two daily jobs at 01:30 and 02:30, scheduled by `source`, in Denver.
fn dst_twin(source: drtwin_model::ScheduleSource) -> Twin {
    let at = |hour, minute| {
        let mut schedule = daily(hour, minute);
        schedule.source = source;
        schedule
    };
    TwinBuilder::new("America/Denver")
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"))
        .component("cron:early", job(JobPurpose::Other, at(1, 30), None))
        .component("cron:late", job(JobPurpose::Other, at(2, 30), None))
        .build()
}

fn small_run(twin: &Twin, assumptions: &Assumptions) -> drtwin_sim::Results {
    let config =
        RunConfig { trials: 64, scenario_trials: 20, seed: 3, year: 2027, precision: None };
    simulate(twin, assumptions, &config, &|_| {}).expect("simulates")
}

fn occurrences(results: &drtwin_sim::Results, id: &str) -> Option<f64> {
    results.scenarios.iter().find(|s| s.id == id).map(|s| s.occurrences_per_year)
}

#[test]
fn cron_skips_0230_on_the_spring_forward_day_and_runs_0130_twice_on_fall_back() {
    let clock = Clock::new("America/Denver", 2027).expect("Denver");
    let on = |firings: &[f64], month, day| {
        let date = jiff::civil::Date::new(2027, month, day).expect("date");
        let (start, end) = (clock.midnight(date), clock.midnight(date.tomorrow().expect("day")));
        firings.iter().filter(|&&t| t >= start && t < end).count()
    };
    let late = clock.firings(&daily(2, 30));
    let early = clock.firings(&daily(1, 30));
    assert_eq!((on(&late, 3, 14), on(&late, 3, 13), on(&late, 3, 15)), (0, 1, 1));
    assert_eq!((on(&early, 11, 7), on(&early, 11, 6)), (2, 1));
    assert_eq!((late.len(), early.len()), (364, 366));

    // The catalogue turns them into one skipped and one doubled run a year.
    let cron = small_run(&dst_twin(drtwin_model::ScheduleSource::Cron), &quiet(""));
    assert_eq!(occurrences(&cron, "time/dst-skip/cron:late"), Some(1.0));
    assert_eq!(occurrences(&cron, "time/dst-double/cron:early"), Some(1.0));
    assert_eq!(occurrences(&cron, "time/dst-skip/cron:early"), None);
    assert_eq!(occurrences(&cron, "time/dst-double/cron:late"), None);

    // launchd's calendar runs the 02:30 job at the shifted time instead.
    let launchd = small_run(&dst_twin(drtwin_model::ScheduleSource::LaunchdCalendar), &quiet(""));
    assert_eq!(occurrences(&launchd, "time/dst-skip/cron:late"), None);
    assert_eq!(occurrences(&launchd, "time/dst-double/cron:early"), None);
}

fn sync_twin(lock: Option<Lock>) -> Twin {
    let mut sync = job(JobPurpose::Sync, every_hours(2), None);
    if let Kind::Job(job) = &mut sync {
        job.lock = lock;
    }
    TwinBuilder::new("UTC")
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"))
        .component("cron:sync", job(JobPurpose::Sync, every_hours(2), None))
        .component("cron:locked-sync", sync)
        .build()
}

#[test]
fn a_sync_without_a_lock_that_outlasts_its_period_overlaps() {
    let runs = 365.0 * 12.0;
    let slow = quiet("\"sync-duration-median\": \"3h\", \"job-duration-spread\": 0.3");
    let results = small_run(&sync_twin(Some(Lock::Flock("/tmp/sync.lock".into()))), &slow);
    let overlaps = occurrences(&results, "time/overlap/cron:sync").expect("overlap scenario");
    // P(a run exceeds 2 h) = P(Z > ln(2/3)/0.3) ≈ 0.91.
    assert!((overlaps / runs - 0.91).abs() < 0.01, "{overlaps} of {runs}");
    let scenario = results.scenarios.iter().find(|s| s.id == "time/overlap/cron:sync");
    let overrun = scenario.expect("scenario").recovery_time.mean.value;
    assert!(overrun > 0.0, "a run overlapping the next lasts past it: {overrun}");
    // The same job under a lock never overlaps itself.
    assert_eq!(occurrences(&results, "time/overlap/cron:locked-sync"), None);

    // A quick sync rarely outlasts its period.
    let quick = quiet("\"sync-duration-median\": \"10m\", \"job-duration-spread\": 0.3");
    let results = small_run(&sync_twin(None), &quick);
    assert!(occurrences(&results, "time/overlap/cron:sync").expect("scenario") < 1e-6);
}

#[test]
fn machine_loss_rto_is_procurement_install_restore_and_rpo_the_newest_offsite_copy_age() {
    let backup = BackupJob {
        dump_format: Some("custom".into()),
        archives: Vec::new(),
        offsite: Some(OffsiteCopy {
            tool: "rclone".into(),
            mode: "copy".into(),
            remote: "remote:backups".into(),
        }),
        retention_days: Some(7),
        checks_errors: false,
    };
    let twin = TwinBuilder::new("UTC")
        .component("host", Kind::Host)
        .component("launchd:app", service(ServiceRole::Web, Endings::ALL, true, 8765))
        .component("endpoint:app", endpoint(Access::LocalPort(8765), Tier::Production))
        .requires("endpoint:app", "launchd:app", Strength::Hard, Some("100s"))
        .component("cron:backup", job(JobPurpose::Backup, daily(3, 0), Some(backup)))
        .component(
            "store:remote",
            Kind::BackupStore(BackupStore {
                location: "remote:backups".into(),
                offsite: true,
                retention_days: None,
                dumps_found: 7,
                latest_dump_bytes: Some(2_000_000_000),
            }),
        )
        .edge("cron:backup", "store:remote", drtwin_model::Edge::Copies)
        .build();
    // People act at once (awake, weekdays alike, 1 s to notice and to fix), so the RTO is
    // procurement + install + restore; the dump takes exactly 30 minutes.
    let assumptions = quiet(
        "\"human-unalerted-delay\": \"1s\", \"human-fix-time\": \"1s\", \
         \"human-sleep-hour\": 0.0, \"human-wake-hour\": 0.0, \"human-weekend-factor\": 1.0, \
         \"hardware-procurement-time\": \"3d\", \"hardware-install-time\": \"4h\", \
         \"restore-fixed-time\": \"1h\", \"restore-speed\": 1000000.0, \
         \"backup-duration-median\": \"30m\", \"job-duration-spread\": 0.0, \
         \"backup-failure-probability\": 0.0",
    );
    let plant = plant(&twin, &assumptions);
    let host = index(&plant, "host");
    let firings = plant.backup.as_ref().expect("a backup plan").firings.clone();

    // Procurement and install are lognormal around their medians (σ 0.5 and 0.4), the
    // person's 1 s delays around theirs (σ 0.8 and 0.5); the restore is fixed time plus
    // 2 GB at 1 MB/s.
    let restore = 3600.0 + 2_000_000_000.0 / 1_000_000.0;
    let expected = 3.0 * DAY * (0.125f64).exp()
        + 4.0 * 3600.0 * (0.08f64).exp()
        + restore
        + (0.32f64).exp()
        + (0.125f64).exp();
    let mut rto = Welford::default();
    let mut scratch = plant.scratch();
    for (trial, at) in instants(3000) {
        inject(&plant, &mut scratch, host, Mode::HostLoss, at, trial);
        let lost = only(&scratch, host);
        assert_eq!(lost.mechanism, Mechanism::Restore);
        assert!(lost.end - at > restore, "{lost:?}");
        rto.push(lost.end - at);

        // RPO: the newest copy that reached the remote before the loss.
        let newest = firings
            .iter()
            .map(|&f| f + 1800.0)
            .filter(|&done| done <= at)
            .fold(f64::NEG_INFINITY, f64::max);
        let age = plant.backup_age(&scratch.backups, at).expect("off-site copies");
        assert!((age - (at - newest)).abs() < 1e-6, "age {age} at {at}, newest {newest}");
        assert!(age <= DAY, "{age}");
    }
    assert!((rto.mean - expected).abs() <= rto.half_width(), "{rto:?} vs {expected}");
    assert!(rto.mean < YEAR);
}

#[test]
fn a_full_disk_happens_as_often_as_the_engine_fills_it() {
    // 100 days to fill at the measured growth, a growth factor (σ = 0.1) drawn per year: the disk
    // scenario's yearly rate must match the fills the engine makes in a year that starts
    // from the scanned free space (3 in a year at the median growth, not 365/100).
    let twin = disk_twin(1e8)
        .component("endpoint:db", endpoint(Access::LocalPort(5432), Tier::Production))
        .requires("endpoint:db", "pg:main", Strength::Hard, Some("10s"))
        .build();
    let zeros = drtwin_sim::testing::silenced_rates().join(", ");
    let assumptions = Assumptions::shipped()
        .with_overrides(&format!("{{{zeros}, \"log-growth-spread\": 0.1}}"))
        .expect("overrides");
    let plant = plant(&twin, &assumptions);
    let volume = index(&plant, "volume:/");

    let mut scratch = plant.scratch();
    let mut fills = Welford::default();
    for trial in 0..4000 {
        plant.run(23, &TrialSpec { trial, background: true, ..TrialSpec::default() }, &mut scratch);
        fills.push(scratch.down[volume].len() as f64);
    }
    let config = RunConfig { trials: 64, scenario_trials: 4, seed: 1, year: 2027, precision: None };
    let results = simulate(&twin, &assumptions, &config, &|_| {}).expect("simulates");
    let disk = results.scenarios.iter().find(|s| s.mode == "disk-full").expect("disk scenario");
    let slack = fills.half_width() + 0.02 * fills.mean;
    assert!(
        (disk.occurrences_per_year - fills.mean).abs() <= slack,
        "scenario {} a year, engine {} ± {slack}",
        disk.occurrences_per_year,
        fills.mean
    );
}

#[test]
fn a_process_list_check_does_not_see_a_hang() {
    // A watchdog that restarts the service when it is gone: it catches an exit at its next
    // run, but a hung process still shows in the process list, so only a person ends that.
    let build = |sees: bool| {
        let mut twin = TwinBuilder::new("UTC")
            .component("launchd:svc", service(ServiceRole::Web, Endings::NONE, true, 80))
            .component(
                "monitor:watchdog",
                Kind::Monitor(drtwin_model::Monitor { period: "2m".parse().unwrap(), alert: None }),
            )
            .probes("monitor:watchdog", "launchd:svc", "2m", ProbeAction::Restart)
            .build();
        for dependency in &mut twin.dependencies {
            if let drtwin_model::Edge::Probes { sees_hangs, .. } = &mut dependency.kind {
                *sees_hangs = sees;
            }
        }
        plant(&twin, &quiet(""))
    };
    for (sees, expected) in [(true, Mechanism::Monitor), (false, Mechanism::Human)] {
        let plant = build(sees);
        let svc = index(&plant, "launchd:svc");
        let mut scratch = plant.scratch();
        inject(&plant, &mut scratch, svc, Mode::Hang, 1e6, 1);
        let hung = scratch.down[svc][0];
        assert_eq!(hung.mechanism, expected, "sees hangs: {sees}");
        // An exit is seen either way.
        inject(&plant, &mut scratch, svc, Mode::Ends(drtwin_model::Ending::ErrorExit), 1e6, 1);
        assert_eq!(scratch.down[svc][0].mechanism, Mechanism::Monitor, "sees hangs: {sees}");
    }
}
