//! The schedule summary for the Gantt chart: every job's runs on a normal day and on the
//! two DST change days, with the assumed duration band and the pairs of jobs whose runs
//! overlap in a way that matters: a job without a lock whose run outlasts its period, or two
//! jobs that need the same service (the database a sync and a backup both use) at once.
//! Two unrelated jobs running side by side are not an overlap.

use jiff::Timestamp;
use jiff::civil::Date;

use drtwin_model::{Edge, JobPurpose, Kind, Lock, Twin};

use crate::engine::Plant;
use crate::random::lognormal_quantile;
use crate::results::{DaySchedule, JobRun, ScheduleSummary};

/// Median and sigma of a job's run time, seconds.
pub fn duration_model(plant: &Plant, purpose: JobPurpose) -> (f64, f64) {
    let p = &plant.params;
    let median = match purpose {
        JobPurpose::Backup => p.backup_median,
        JobPurpose::Sync => p.sync_median,
        JobPurpose::Monitor => 20.0,
        _ => p.job_median,
    };
    (median, p.job_spread)
}

pub fn summary(twin: &Twin, plant: &Plant) -> ScheduleSummary {
    let clock = &plant.clock;
    // What each job needs that another job could be using at the same time: the services
    // (a database) it requires. Hosts, disks and networks are shared by everything and say
    // nothing about contention.
    let needs = |id: &str| -> Vec<&str> {
        twin.dependencies
            .iter()
            .filter(|dependency| {
                dependency.from == id && matches!(dependency.kind, Edge::Requires(_))
            })
            .filter(|dependency| {
                matches!(twin.component(&dependency.to).map(|c| &c.kind), Some(Kind::Service(_)))
            })
            .map(|dependency| dependency.to.as_str())
            .collect()
    };
    let unlocked = |id: &str| {
        matches!(
            twin.component(id).map(|c| &c.kind),
            Some(Kind::Job(job)) if !matches!(job.lock, Some(Lock::Supervisor)) && job.lock.is_none()
        )
    };
    let contends = |a: &str, b: &str| {
        if a == b {
            return unlocked(a);
        }
        let shared = needs(a).into_iter().any(|service| needs(b).contains(&service));
        shared && (unlocked(a) || unlocked(b))
    };

    let jobs: Vec<(String, JobPurpose, Vec<f64>)> = twin
        .components
        .iter()
        .filter_map(|component| match &component.kind {
            Kind::Job(job) => {
                Some((component.id.clone(), job.purpose, clock.firings(&job.schedule)))
            }
            _ => None,
        })
        .collect();

    let day = |date: Date, label: String| {
        let start = clock.midnight(date);
        let end = date.tomorrow().map(|next| clock.midnight(next)).unwrap_or(clock.length);
        let mut runs = Vec::new();
        let mut spans: Vec<(f64, f64, usize)> = Vec::new();
        for (index, (id, purpose, firings)) in jobs.iter().enumerate() {
            let (median, sigma) = duration_model(plant, *purpose);
            let [p10, p50, p90] = [0.1, 0.5, 0.9].map(|q| lognormal_quantile(median, sigma, q));
            let first = firings.partition_point(|&t| t < start);
            for &t in firings[first..].iter().take_while(|&&t| t < end) {
                let wall = Timestamp::from_second(clock.start + t as i64)
                    .map(|ts| clock.time_zone.to_datetime(ts))
                    .map(|dt| f64::from(dt.hour()) * 60.0 + f64::from(dt.minute()))
                    .unwrap_or((t - start) / 60.0);
                runs.push(JobRun {
                    job: id.clone(),
                    start_minute: wall,
                    duration_p10: p10 / 60.0,
                    duration_p50: p50 / 60.0,
                    duration_p90: p90 / 60.0,
                });
                spans.push((t, t + p90, index));
            }
        }
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut overlaps: Vec<(String, String)> = Vec::new();
        for (i, a) in spans.iter().enumerate() {
            for b in spans[i + 1..].iter().take_while(|b| b.0 < a.1) {
                let (x, y) = if a.2 <= b.2 { (a.2, b.2) } else { (b.2, a.2) };
                if !contends(&jobs[x].0, &jobs[y].0) {
                    continue;
                }
                let pair = (jobs[x].0.clone(), jobs[y].0.clone());
                if !overlaps.contains(&pair) {
                    overlaps.push(pair);
                }
            }
        }
        overlaps.sort();
        DaySchedule { date: date.to_string(), label, runs, overlaps }
    };

    // A normal day: the third Wednesday of June, far from any DST change.
    let normal = (15..22)
        .filter_map(|d| Date::new(plant.clock.year, 6, d).ok())
        .find(|d| d.weekday().to_sunday_zero_offset() == 3);
    let normal_day = match normal {
        Some(date) => day(date, format!("normal day ({})", date.weekday_name())),
        None => DaySchedule::default(),
    };
    let dst_days = clock
        .dst_changes()
        .into_iter()
        .map(|change| {
            let label = if change.forward {
                "clocks spring forward (an hour is skipped)"
            } else {
                "clocks fall back (an hour repeats)"
            };
            day(change.date, label.to_string())
        })
        .collect();
    ScheduleSummary { normal_day, dst_days }
}

trait WeekdayName {
    fn weekday_name(&self) -> &'static str;
}

impl WeekdayName for Date {
    fn weekday_name(&self) -> &'static str {
        ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
            [self.weekday().to_sunday_zero_offset() as usize % 7]
    }
}
