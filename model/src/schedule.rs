//! Schedules of scheduled work in one shape for cron lines and launchd's StartInterval and
//! StartCalendarInterval, so the simulator has one calendar to walk.
//!
//! A calendar rule is a set of allowed minutes, hours, days of month, months and weekdays
//! as bit masks. Whether day-of-month and day-of-week combine with AND or OR is part of
//! the rule, because cron and launchd decide it from how the line was written: cron ORs
//! them when neither field starts with `*`; launchd ORs Day and Weekday when both keys are
//! present. A missing field is a full mask (a wildcard).

use serde::{Deserialize, Serialize};

use crate::duration::Duration;

/// When a job runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub source: ScheduleSource,
    /// The schedule as written, e.g. `*/5 * * * *` or `StartInterval 1800`.
    pub text: String,
    pub timing: Timing,
}

/// Which scheduler reads the schedule, since they differ on DST and missed runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScheduleSource {
    /// Vixie-derived cron as macOS ships it (no `-s`): a run in the skipped hour of a
    /// spring-forward night does not happen, one in the repeated hour runs twice.
    Cron,
    /// launchd's StartCalendarInterval: local wall-clock time; runs missed while asleep run
    /// once on wake.
    LaunchdCalendar,
    /// launchd's StartInterval: every N seconds from load; a firing while the job still runs
    /// or the machine sleeps is missed.
    LaunchdInterval,
    /// systemd timers (OnCalendar), for Linux hosts.
    SystemdTimer,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Timing {
    /// Calendar rules, any of which may match.
    Calendar(Vec<CalendarRule>),
    /// A fixed period from when the job was loaded.
    Every(Duration),
    /// Once at boot (`@reboot`, RunAtLoad with no schedule).
    AtBoot,
}

/// One calendar rule as bit masks. Bit `n` of `minutes` allows minute `n`; `days` uses bits
/// 1..=31, `months` bits 1..=12, `weekdays` bits 0..=6 with 0 for Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRule {
    pub minutes: u64,
    pub hours: u32,
    pub days: u32,
    pub months: u16,
    pub weekdays: u8,
    /// When true, a date matches if its day-of-month OR its weekday is allowed; when false,
    /// both must be.
    pub days_or_weekdays: bool,
}

pub const ALL_MINUTES: u64 = (1 << 60) - 1;
pub const ALL_HOURS: u32 = (1 << 24) - 1;
pub const ALL_DAYS: u32 = !1;
pub const ALL_MONTHS: u16 = ((1 << 13) - 1) & !1;
pub const ALL_WEEKDAYS: u8 = (1 << 7) - 1;

impl CalendarRule {
    /// Every minute of every day.
    pub const EVERY_MINUTE: CalendarRule = CalendarRule {
        minutes: ALL_MINUTES,
        hours: ALL_HOURS,
        days: ALL_DAYS,
        months: ALL_MONTHS,
        weekdays: ALL_WEEKDAYS,
        days_or_weekdays: false,
    };

    /// Whether the rule matches a local wall-clock minute. `weekday` is 0 for Sunday.
    pub fn matches(&self, month: u8, day: u8, weekday: u8, hour: u8, minute: u8) -> bool {
        if self.minutes & (1 << minute) == 0
            || self.hours & (1 << hour) == 0
            || self.months & (1 << month) == 0
        {
            return false;
        }
        let day_ok = self.days & (1 << day) != 0;
        let weekday_ok = self.weekdays & (1 << weekday) != 0;
        if self.days_or_weekdays { day_ok || weekday_ok } else { day_ok && weekday_ok }
    }

    /// Whether the rule can match on a given local date at all (for skipping whole days).
    pub fn matches_date(&self, month: u8, day: u8, weekday: u8) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let day_ok = self.days & (1 << day) != 0;
        let weekday_ok = self.weekdays & (1 << weekday) != 0;
        if self.days_or_weekdays { day_ok || weekday_ok } else { day_ok && weekday_ok }
    }

    /// The allowed (hour, minute) pairs of a matching day, in order.
    pub fn times_of_day(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        (0u8..24).filter(|hour| self.hours & (1 << hour) != 0).flat_map(move |hour| {
            (0u8..60).filter(|minute| self.minutes & (1 << minute) != 0).map(move |m| (hour, m))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_versus_or_on_day_fields() {
        // `15 4 1,15 * 1`: cron ORs the day fields because neither starts with `*`.
        let rule = CalendarRule {
            minutes: 1 << 15,
            hours: 1 << 4,
            days: (1 << 1) | (1 << 15),
            months: ALL_MONTHS,
            weekdays: 1 << 1,
            days_or_weekdays: true,
        };
        assert!(rule.matches(3, 1, 4, 4, 15), "the 1st, a Thursday");
        assert!(rule.matches(3, 9, 1, 4, 15), "a Monday, the 9th");
        assert!(!rule.matches(3, 10, 2, 4, 15), "a Tuesday, the 10th");

        let and_rule = CalendarRule { days_or_weekdays: false, ..rule };
        assert!(!and_rule.matches(3, 1, 4, 4, 15));
        assert!(and_rule.matches(3, 15, 1, 4, 15));
    }

    #[test]
    fn every_minute_matches_everything() {
        assert!(CalendarRule::EVERY_MINUTE.matches(12, 31, 6, 23, 59));
        assert!(CalendarRule::EVERY_MINUTE.matches(1, 1, 0, 0, 0));
        assert_eq!(CalendarRule::EVERY_MINUTE.times_of_day().count(), 1440);
    }
}
