//! The simulated year in the host's time zone: where it starts and ends, the local hour and
//! weekday of every hour (for human response times), and every scheduled job's firing
//! instants, computed once per run and shared by all trials.
//!
//! Times inside a trial are seconds since local midnight of 1 January. DST follows the
//! scheduler: Vixie cron (macOS, no `-s`) skips a run whose wall-clock time falls in the
//! spring-forward gap and runs twice in the fall-back repeat. launchd's calendar interval
//! computes the next firing from wall-clock time; we read that as one run at the shifted
//! time in a gap and one run (the first) in a repeat.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use drtwin_model::{CalendarRule, Schedule, ScheduleSource, Timing};

use crate::SimError;

/// The calendar of one simulated year.
#[derive(Clone, Debug)]
pub struct Clock {
    pub year: i16,
    pub time_zone: TimeZone,
    /// Epoch second of local midnight, 1 January.
    pub start: i64,
    /// Length of the local year in seconds (DST makes no difference over a full year).
    pub length: f64,
    /// Local hour (0..24) and weekday (0 = Sunday) at the middle of each hour of the year.
    hours: Vec<(u8, u8)>,
}

/// A local date on which the offset changes, and whether the clock jumps forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DstChange {
    pub date: Date,
    pub forward: bool,
}

impl Clock {
    pub fn new(time_zone_name: &str, year: i16) -> Result<Clock, SimError> {
        let time_zone = TimeZone::get(time_zone_name)
            .map_err(|error| SimError::TimeZone(time_zone_name.to_string(), error.to_string()))?;
        let bad =
            |error: jiff::Error| SimError::TimeZone(format!("year {year}"), error.to_string());
        let first = Date::new(year, 1, 1).map_err(bad)?;
        let next = Date::new(year.saturating_add(1), 1, 1).map_err(bad)?;
        let start = time_zone.to_ambiguous_timestamp(first.at(0, 0, 0, 0)).compatible();
        let end = time_zone.to_ambiguous_timestamp(next.at(0, 0, 0, 0)).compatible();
        let (start, end) = (start.map_err(bad)?.as_second(), end.map_err(bad)?.as_second());
        let length = (end - start) as f64;

        let count = (length / 3600.0).ceil() as usize + 1;
        let mut hours = Vec::with_capacity(count);
        for hour in 0..count {
            let instant = Timestamp::from_second(start + hour as i64 * 3600 + 1800).map_err(bad)?;
            let local = time_zone.to_datetime(instant);
            hours.push((local.hour() as u8, local.weekday().to_sunday_zero_offset() as u8));
        }
        Ok(Clock { year, time_zone, start, length, hours })
    }

    /// Local hour and weekday (0 = Sunday) at `t` seconds into the year.
    pub fn local(&self, t: f64) -> (u8, u8) {
        let index = (t.max(0.0) / 3600.0) as usize;
        self.hours.get(index).copied().unwrap_or((12, 3))
    }

    /// Seconds from `t` until the next moment the local hour is `hour` (0 if it already is).
    pub fn until_hour(&self, t: f64, hour: u8) -> f64 {
        for step in 0..48 {
            let at = t + step as f64 * 3600.0;
            if self.local(at).0 == hour {
                if step == 0 {
                    return 0.0;
                }
                // Start of that local hour.
                return ((at / 3600.0).floor() * 3600.0 - t).max(0.0);
            }
        }
        0.0
    }

    /// Seconds into the year of a local wall-clock time, resolved as `source` does: zero,
    /// one or two instants.
    pub fn resolve(&self, wall: DateTime, source: ScheduleSource, out: &mut Vec<f64>) {
        let naive = match Offset::UTC.to_timestamp(wall) {
            Ok(ts) => ts.as_second(),
            Err(_) => return,
        };
        let at = |offset: Offset| (naive - i64::from(offset.seconds()) - self.start) as f64;
        match self.time_zone.to_ambiguous_timestamp(wall).offset() {
            AmbiguousOffset::Unambiguous { offset } => out.push(at(offset)),
            AmbiguousOffset::Gap { before, .. } => {
                if source != ScheduleSource::Cron {
                    // The wall time does not exist: launchd and timers run at the shifted
                    // instant (the pre-transition offset applied), which is once.
                    out.push(at(before));
                }
            }
            AmbiguousOffset::Fold { before, after } => {
                out.push(at(before));
                if source == ScheduleSource::Cron {
                    out.push(at(after));
                }
            }
        }
    }

    /// Every firing of `schedule` in the year, in seconds, sorted.
    pub fn firings(&self, schedule: &Schedule) -> Vec<f64> {
        let mut out = Vec::new();
        match &schedule.timing {
            Timing::AtBoot => {}
            Timing::Every(period) => {
                let period = period.secs();
                if period > 0.0 {
                    let mut t = 0.0;
                    while t < self.length {
                        out.push(t);
                        t += period;
                    }
                }
            }
            Timing::Calendar(rules) => {
                let Ok(mut date) = Date::new(self.year, 1, 1) else {
                    return out;
                };
                while date.year() == self.year {
                    self.day_firings(rules, date, schedule.source, &mut out);
                    match date.tomorrow() {
                        Ok(next) => date = next,
                        Err(_) => break,
                    }
                }
            }
        }
        out.retain(|t| *t >= 0.0 && *t < self.length);
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }

    /// The firings of calendar `rules` on one local date, appended to `out`.
    pub fn day_firings(
        &self,
        rules: &[CalendarRule],
        date: Date,
        source: ScheduleSource,
        out: &mut Vec<f64>,
    ) {
        let (month, day) = (date.month() as u8, date.day() as u8);
        let weekday = date.weekday().to_sunday_zero_offset() as u8;
        for rule in rules {
            if !rule.matches_date(month, day, weekday) {
                continue;
            }
            for (hour, minute) in rule.times_of_day() {
                self.resolve(date.at(hour as i8, minute as i8, 0, 0), source, out);
            }
        }
    }

    /// The local dates on which the UTC offset changes.
    pub fn dst_changes(&self) -> Vec<DstChange> {
        let mut changes = Vec::new();
        let Ok(mut date) = Date::new(self.year, 1, 1) else {
            return changes;
        };
        let offset_at = |d: Date, h: i8| {
            self.time_zone
                .to_ambiguous_timestamp(d.at(h, 0, 0, 0))
                .compatible()
                .map(|ts| self.time_zone.to_offset(ts).seconds())
                .unwrap_or(0)
        };
        while date.year() == self.year {
            let (morning, evening) = (offset_at(date, 0), offset_at(date, 23));
            if morning != evening {
                changes.push(DstChange { date, forward: evening > morning });
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        changes
    }

    /// Seconds into the year of local midnight starting `date`.
    pub fn midnight(&self, date: Date) -> f64 {
        let mut out = Vec::new();
        self.resolve(date.at(0, 0, 0, 0), ScheduleSource::LaunchdCalendar, &mut out);
        out.first().copied().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drtwin_model::schedule::{ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS};

    fn daily(hour: u8, minute: u8) -> Schedule {
        Schedule {
            source: ScheduleSource::Cron,
            text: format!("{minute} {hour} * * *"),
            timing: Timing::Calendar(vec![CalendarRule {
                minutes: 1 << minute,
                hours: 1 << hour,
                days: ALL_DAYS,
                months: ALL_MONTHS,
                weekdays: ALL_WEEKDAYS,
                days_or_weekdays: false,
            }]),
        }
    }

    fn runs_on(clock: &Clock, firings: &[f64], month: i8, day: i8) -> usize {
        let Ok(date) = Date::new(2027, month, day) else {
            return 0;
        };
        let start = clock.midnight(date);
        let end = clock.midnight(date.tomorrow().unwrap());
        firings.iter().filter(|&&t| t >= start && t < end).count()
    }

    #[test]
    fn cron_skips_the_spring_forward_gap_and_repeats_the_fall_back_hour() {
        let clock = Clock::new("America/Denver", 2027).unwrap();
        let at_0230 = clock.firings(&daily(2, 30));
        assert_eq!(runs_on(&clock, &at_0230, 3, 14), 0, "02:30 does not exist on 2027-03-14");
        assert_eq!(runs_on(&clock, &at_0230, 3, 15), 1);
        assert_eq!(at_0230.len(), 364);

        let at_0130 = clock.firings(&daily(1, 30));
        assert_eq!(runs_on(&clock, &at_0130, 11, 7), 2, "01:30 happens twice on 2027-11-07");
        assert_eq!(at_0130.len(), 366);
    }

    #[test]
    fn launchd_calendar_runs_once_in_gap_and_fold() {
        let clock = Clock::new("America/Denver", 2027).unwrap();
        let mut schedule = daily(2, 30);
        schedule.source = ScheduleSource::LaunchdCalendar;
        assert_eq!(clock.firings(&schedule).len(), 365);
        let mut schedule = daily(1, 30);
        schedule.source = ScheduleSource::LaunchdCalendar;
        assert_eq!(clock.firings(&schedule).len(), 365);
    }

    #[test]
    fn dst_days_and_local_hours() {
        let clock = Clock::new("America/Denver", 2027).unwrap();
        let changes = clock.dst_changes();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].date, Date::new(2027, 3, 14).unwrap());
        assert!(changes[0].forward);
        assert_eq!(changes[1].date, Date::new(2027, 11, 7).unwrap());
        assert_eq!(clock.length, 365.0 * 86_400.0);
        // 1 January 2027 is a Friday.
        assert_eq!(clock.local(0.0), (0, 5));
        assert_eq!(clock.local(10.0 * 3600.0), (10, 5));
        assert_eq!(clock.until_hour(23.0 * 3600.0, 7), 8.0 * 3600.0);
    }

    #[test]
    fn unknown_time_zone_is_an_error() {
        assert!(matches!(Clock::new("Mars/Olympus", 2027), Err(SimError::TimeZone(..))));
    }
}
