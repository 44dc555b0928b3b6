//! Schedules of use cases (GEN-6): manual, an interval, a weekly pattern or a cron expression,
//! in Europe/Berlin time.
//!
//! Operators write them in `immohub.toml`, German or English:
//!
//! | written                                          | means                                   |
//! |--------------------------------------------------|-----------------------------------------|
//! | `manuell`, `manual`, `von Hand`, `aus`           | never on its own; by hand only          |
//! | `alle 15 Minuten`, `every 15 minutes`, `15m`, `2h`, `stündlich`, `hourly` | every N minutes/hours |
//! | `Di, Do, So 02:00`, `Mo-Fr 06:30`, `täglich 03:00`, `werktags 7:00 und 13:00`, `Tue, Thu 2:00` | weekly pattern |
//! | `cron: 0 2 * * 2,4,0`                            | cron (minute hour day month weekday)    |
//!
//! **Intervals** are real time: `alle 2 Stunden` runs every 120 minutes, counted from
//! 1970-01-01 00:00 UTC, so `alle 15 Minuten` runs at :00, :15, :30, :45 of every hour.
//!
//! **Weekly patterns and cron expressions** name wall-clock times in Europe/Berlin. On the day
//! summer time starts (02:00 → 03:00) a time that does not exist runs once, right after the gap
//! (03:00); on the day it ends (03:00 → 02:00) a time that exists twice runs once, the first
//! time.
//!
//! **Maximum frequency** (see [`UseCase::max_frequency`]): the smallest gap between two
//! successive wall-clock times of the schedule (over one week for weekly patterns, up to four
//! years or 2,000 occurrences for cron) must not be shorter than the use case allows. The gap is
//! measured on the wall clock, not in real time, so that `täglich 02:00` counts as daily even
//! though the spring day is only 23 hours long.
//!
//! This module does no IO: "now" is always a parameter.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Europe::Berlin;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Serialize};

use crate::usecase::{MaxFrequency, UseCase};

/// When a use case runs on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Never on its own: only by hand (CLI, API).
    Manual,
    /// Every `minutes` minutes of real time (see the module documentation).
    Interval { minutes: u32 },
    /// On some weekdays at some times of day (Europe/Berlin).
    Weekly(Weekly),
    /// A cron expression (Europe/Berlin).
    Cron(CronSchedule),
}

/// Weekdays and times of day (Europe/Berlin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weekly {
    /// Bit `n` set: runs on the weekday with `num_days_from_monday() == n`.
    days: u8,
    /// Times of day, sorted, without duplicates.
    times: Vec<NaiveTime>,
}

/// A parsed cron expression with the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    /// The expression, blanks normalised: `0 2 * * 2,4,0`.
    expr: String,
    /// Boxed: a parsed pattern is large, and schedules are moved around.
    cron: Box<Cron>,
}

/// A schedule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The text is not a schedule.
    #[error("Zeitplan „{input}“ ist ungültig: {problem}")]
    Invalid { input: String, problem: String },
    /// More frequent than the use case allows (GEN-6).
    #[error(
        "Zeitplan „{schedule}“ für {use_case_de} ist zu häufig: {max} erlaubt \
         (kürzester Abstand: {gap})",
        use_case_de = use_case.label_de(),
        max = max.label_de(),
        gap = duration_de(*gap_minutes)
    )]
    TooFrequent {
        schedule: String,
        use_case: UseCase,
        max: MaxFrequency,
        /// The shortest gap found, in minutes.
        gap_minutes: i64,
    },
}

/// Wall-clock occurrences looked at when measuring the shortest gap of a cron expression.
const CRON_GAP_OCCURRENCES: usize = 2_000;
/// How far ahead the shortest gap of a cron expression is measured.
const CRON_GAP_HORIZON_DAYS: i64 = 4 * 366;
/// Most candidate wall-clock times `next_after` looks at before giving up.
const MAX_STEPS: usize = 100_000;

impl Schedule {
    /// Parses what an operator writes (see the module documentation).
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let input = text.trim();
        let invalid = |problem: String| ScheduleError::Invalid {
            input: input.to_owned(),
            problem,
        };
        if input.is_empty() {
            return Err(invalid(
                "leer (z. B. „manuell“, „alle 15 Minuten“, „Di, Do, So 02:00“ oder \
                 „cron: 0 2 * * 2,4,0“)"
                    .to_owned(),
            ));
        }
        let lower = input.to_lowercase();
        if let Some(expr) = lower
            .strip_prefix("cron:")
            .or_else(|| lower.strip_prefix("cron "))
        {
            return CronSchedule::parse(expr)
                .map(Schedule::Cron)
                .map_err(invalid);
        }
        let words: Vec<&str> = lower.split_whitespace().collect();
        if matches!(
            words.as_slice(),
            ["manuell"]
                | ["manual"]
                | ["von", "hand"]
                | ["nur", "manuell"]
                | ["aus"]
                | ["off"]
                | ["never"]
                | ["nie"]
        ) {
            return Ok(Schedule::Manual);
        }
        if let Some(minutes) = parse_interval(&words).map_err(invalid)? {
            return Ok(Schedule::Interval { minutes });
        }
        Weekly::parse(&lower).map(Schedule::Weekly).map_err(invalid)
    }

    /// Parses `text` and checks it against the use case's maximum frequency.
    pub fn parse_for(use_case: UseCase, text: &str) -> Result<Schedule, ScheduleError> {
        let schedule = Schedule::parse(text)?;
        schedule.check_frequency(use_case)?;
        Ok(schedule)
    }

    /// Is this schedule manual only?
    pub fn is_manual(&self) -> bool {
        matches!(self, Schedule::Manual)
    }

    /// The first time strictly after `t` at which the schedule is due; `None` for manual
    /// schedules (and cron expressions that never match again).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Manual => None,
            Schedule::Interval { minutes } => {
                let period = i64::from(*minutes).max(1) * 60;
                let next = (t.timestamp().div_euclid(period) + 1).checked_mul(period)?;
                DateTime::from_timestamp(next, 0)
            }
            Schedule::Weekly(w) => next_resolved(t, |after| w.next_wall_clock(after)),
            Schedule::Cron(c) => next_resolved(t, |after| c.next_wall_clock(after)),
        }
    }

    /// The shortest gap between two successive occurrences, on the wall clock (see the module
    /// documentation); `None` when the schedule has fewer than two occurrences in the horizon.
    pub fn shortest_gap(&self) -> Option<Duration> {
        match self {
            Schedule::Manual => None,
            Schedule::Interval { minutes } => Some(Duration::minutes(i64::from(*minutes))),
            Schedule::Weekly(w) => {
                // Two weeks from a Monday cover every gap of the weekly cycle.
                let start = reference_monday();
                shortest_gap_from(start, start + Duration::days(14), usize::MAX, |after| {
                    w.next_wall_clock(after)
                })
            }
            Schedule::Cron(c) => {
                let start = reference_monday();
                shortest_gap_from(
                    start,
                    start + Duration::days(CRON_GAP_HORIZON_DAYS),
                    CRON_GAP_OCCURRENCES,
                    |after| c.next_wall_clock(after),
                )
            }
        }
    }

    /// Refuses a schedule more frequent than the use case allows (GEN-6).
    pub fn check_frequency(&self, use_case: UseCase) -> Result<(), ScheduleError> {
        let max = use_case.max_frequency();
        match self.shortest_gap() {
            Some(gap) if gap < max.min_gap() => Err(ScheduleError::TooFrequent {
                schedule: self.to_string(),
                use_case,
                max,
                gap_minutes: gap.num_minutes(),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Schedule {
    /// The canonical German form, which [`Schedule::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Manual => f.write_str("manuell"),
            Schedule::Interval { minutes: 60 } => f.write_str("stündlich"),
            Schedule::Interval { minutes: 1 } => f.write_str("jede Minute"),
            Schedule::Interval { minutes } if minutes % 60 == 0 => {
                write!(f, "alle {} Stunden", minutes / 60)
            }
            Schedule::Interval { minutes } => write!(f, "alle {minutes} Minuten"),
            Schedule::Weekly(w) => w.fmt(f),
            Schedule::Cron(c) => write!(f, "cron: {}", c.expr),
        }
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schedule::parse(s)
    }
}

impl Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// --- intervals ----------------------------------------------------------------------------

/// `Some(minutes)` when the words are an interval, `None` when they are something else, an
/// error when they are an interval that cannot be used.
fn parse_interval(words: &[&str]) -> Result<Option<u32>, String> {
    let rest = match words {
        ["stündlich"] | ["hourly"] | ["jede", "stunde"] | ["every", "hour"] => {
            return Ok(Some(60));
        }
        ["jede", "minute"] | ["every", "minute"] => return Ok(Some(1)),
        [first @ ("alle" | "every" | "jede" | "jeden"), rest @ ..] => {
            let rest = rest.join("");
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                // "jeden Dienstag 02:00", "every day 02:00": a weekly pattern.
                if matches!(*first, "jede" | "jeden") || rest.contains(':') {
                    return Ok(None);
                }
                return Err(format!(
                    "nach „{first}“ fehlt eine Zahl (z. B. „alle 15 Minuten“), gelesen: „{rest}“"
                ));
            }
            rest
        }
        _ => {
            let joined = words.join("");
            // "15m", "2h", "90 min": a number first.
            if !joined.starts_with(|c: char| c.is_ascii_digit()) || joined.contains(':') {
                return Ok(None);
            }
            joined
        }
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let unit = rest[digits.len()..].trim_end_matches('.');
    let Ok(n) = digits.parse::<u32>() else {
        return Err(format!(
            "„{rest}“ ist kein Abstand (z. B. „alle 15 Minuten“)"
        ));
    };
    if n == 0 {
        return Err("ein Abstand von 0 ist nicht möglich".to_owned());
    }
    let per_unit = match unit {
        "m" | "min" | "mins" | "minute" | "minuten" | "minutes" => 1,
        "h" | "std" | "stunde" | "stunden" | "hour" | "hours" => 60,
        "d" | "tag" | "tage" | "day" | "days" => {
            return Err(
                "Abstände in Tagen bitte als Wochenmuster schreiben, z. B. „täglich 02:00“ \
                 oder „Mo, Mi, Fr 02:00“"
                    .to_owned(),
            );
        }
        "s" | "sek" | "sekunden" | "sec" | "seconds" => {
            return Err("Abstände unter einer Minute sind nicht möglich".to_owned());
        }
        "" => return Err(format!("Einheit fehlt nach „{n}“ (Minuten oder Stunden)")),
        other => {
            return Err(format!(
                "unbekannte Einheit „{other}“ (Minuten oder Stunden, z. B. „15m“, „2h“)"
            ));
        }
    };
    n.checked_mul(per_unit)
        .filter(|m| *m <= 366 * 24 * 60)
        .map(Some)
        .ok_or_else(|| "Abstand zu groß (höchstens ein Jahr)".to_owned())
}

// --- weekly patterns ----------------------------------------------------------------------

const DAY_ABBR_DE: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
const ALL_DAYS: u8 = 0b111_1111;
const WORKDAYS: u8 = 0b001_1111;
const WEEKEND: u8 = 0b110_0000;

impl Weekly {
    /// The weekdays, Monday first.
    pub fn days(&self) -> Vec<Weekday> {
        (0..7u8)
            .filter(|n| self.days & (1 << n) != 0)
            .filter_map(|n| Weekday::try_from(n).ok())
            .collect()
    }

    /// The times of day, sorted.
    pub fn times(&self) -> &[NaiveTime] {
        &self.times
    }

    fn runs_on(&self, day: Weekday) -> bool {
        self.days & (1 << day.num_days_from_monday()) != 0
    }

    fn parse(lower: &str) -> Result<Weekly, String> {
        let lower = join_ranges(lower);
        let mut days = 0u8;
        let mut times = Vec::new();
        let tokens = lower
            .split([',', ';', ' ', '\t', '+', '&'])
            .map(|t| t.trim_end_matches('.'))
            .filter(|t| !t.is_empty());
        for token in tokens {
            if matches!(
                token,
                "und" | "and" | "um" | "at" | "uhr" | "jeden" | "jede" | "every" | "on" | "am"
            ) {
                continue;
            }
            if let Some(d) = day_set(token) {
                days |= d;
                continue;
            }
            let token = token.strip_suffix("uhr").unwrap_or(token);
            if let Some(t) = parse_time(token)? {
                times.push(t);
                continue;
            }
            return Err(format!(
                "unbekanntes Wort „{token}“ (erwartet z. B. „manuell“, „alle 15 Minuten“, \
                 „Di, Do, So 02:00“ oder „cron: 0 2 * * 2,4,0“)"
            ));
        }
        if days == 0 {
            return Err(
                "Wochentage fehlen (z. B. „Di, Do, So 02:00“, „Mo-Fr 06:00“ oder „täglich 02:00“)"
                    .to_owned(),
            );
        }
        if times.is_empty() {
            return Err("Uhrzeit fehlt (z. B. „Di, Do, So 02:00“)".to_owned());
        }
        times.sort_unstable();
        times.dedup();
        Ok(Weekly { days, times })
    }

    /// The first wall-clock time strictly after `after`.
    fn next_wall_clock(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        (0..=7).find_map(|d| {
            let date = after.date() + Duration::days(d);
            if !self.runs_on(date.weekday()) {
                return None;
            }
            self.times
                .iter()
                .map(|t| date.and_time(*t))
                .find(|candidate| *candidate > after)
        })
    }
}

impl fmt::Display for Weekly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.days == ALL_DAYS {
            f.write_str("täglich")?;
        } else {
            let names: Vec<&str> = self
                .days()
                .into_iter()
                .map(|d| DAY_ABBR_DE[d.num_days_from_monday() as usize])
                .collect();
            f.write_str(&names.join(", "))?;
        }
        let times: Vec<String> = self
            .times
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        write!(f, " {}", times.join(", "))
    }
}

/// Writes day ranges without blanks: „Mo - Fr“ and „Mo bis Fr“ become „mo-fr“.
fn join_ranges(lower: &str) -> String {
    let words: Vec<&str> = lower.split_whitespace().collect();
    let mut out = String::with_capacity(lower.len());
    for (i, w) in words.iter().enumerate() {
        let is_dash = |w: &str| matches!(w, "-" | "–" | "—" | "bis" | "to" | "until");
        let joins = is_dash(w)
            || words.get(i.wrapping_sub(1)).is_some_and(|p| is_dash(p))
            || w.starts_with(['-', '–', '—'])
            || out.ends_with(['-', '–', '—']);
        if i > 0 && !joins {
            out.push(' ');
        }
        out.push_str(if is_dash(w) { "-" } else { w });
    }
    out
}

/// A weekday index (Monday = 0) of a German or English day name.
fn day_index(name: &str) -> Option<u8> {
    let i = match name {
        "mo" | "mon" | "montag" | "monday" => 0,
        "di" | "die" | "dienstag" | "tu" | "tue" | "tues" | "tuesday" => 1,
        "mi" | "mit" | "mittwoch" | "we" | "wed" | "wednesday" => 2,
        "do" | "don" | "donnerstag" | "th" | "thu" | "thur" | "thurs" | "thursday" => 3,
        "fr" | "fre" | "freitag" | "fri" | "friday" => 4,
        "sa" | "sam" | "samstag" | "sonnabend" | "sat" | "saturday" => 5,
        "so" | "son" | "sonntag" | "su" | "sun" | "sunday" => 6,
        _ => return None,
    };
    Some(i)
}

/// The days a token names: one day, a range (`mo-fr`, also across the week's end) or a word
/// for several days.
fn day_set(token: &str) -> Option<u8> {
    match token {
        "täglich" | "taeglich" | "tag" | "daily" | "day" | "tage" | "days" => {
            return Some(ALL_DAYS);
        }
        "werktags" | "werktäglich" | "weekdays" | "workdays" => return Some(WORKDAYS),
        "wochenende" | "weekend" | "weekends" => return Some(WEEKEND),
        _ => {}
    }
    if let Some(i) = day_index(token) {
        return Some(1 << i);
    }
    let (from, to) = token.split_once(['-', '–', '—'])?;
    let (from, to) = (day_index(from)?, day_index(to)?);
    let mut set = 0u8;
    let mut i = from;
    loop {
        set |= 1 << i;
        if i == to {
            return Some(set);
        }
        i = (i + 1) % 7;
    }
}

/// `Ok(None)` when the token is no time at all; an error for a time that does not exist.
fn parse_time(token: &str) -> Result<Option<NaiveTime>, String> {
    let Some((h, m)) = token.split_once([':', '.']) else {
        return Ok(None);
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit());
    if !digits(h) || !digits(m) || m.len() != 2 {
        return Ok(None);
    }
    let (h, m): (u32, u32) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
    NaiveTime::from_hms_opt(h, m, 0)
        .map(Some)
        .ok_or_else(|| format!("Uhrzeit „{token}“ gibt es nicht (00:00 bis 23:59)"))
}

// --- cron -----------------------------------------------------------------------------------

impl CronSchedule {
    fn parse(expr: &str) -> Result<CronSchedule, String> {
        let expr = expr.split_whitespace().collect::<Vec<_>>().join(" ");
        if expr.is_empty() {
            return Err("nach „cron:“ fehlt der Ausdruck (z. B. „cron: 0 2 * * 2,4,0“)".to_owned());
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(&expr).map_err(|e| {
            format!(
                "Cron-Ausdruck „{expr}“ nicht lesbar ({e}); erwartet fünf Felder: Minute Stunde \
                 Tag Monat Wochentag, z. B. „0 2 * * 2,4,0“"
            )
        })?;
        Ok(CronSchedule {
            expr,
            cron: Box::new(cron),
        })
    }

    /// The expression as written (blanks normalised).
    pub fn expr(&self) -> &str {
        &self.expr
    }

    fn next_wall_clock(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron.find_next_occurrence(&after, false).ok()
    }
}

// --- wall clock → real time -----------------------------------------------------------------

/// The first real time after `t` of a wall-clock sequence `next` (Europe/Berlin).
///
/// Wall-clock times map to real time with [`resolve`], which never goes backwards; so the
/// search starts three hours of wall clock before `t` (more than any offset change) and takes
/// the first time that resolves after `t`. Several wall-clock times that resolve to the same
/// instant (inside the spring gap) therefore run once.
fn next_resolved(
    t: DateTime<Utc>,
    next: impl Fn(NaiveDateTime) -> Option<NaiveDateTime>,
) -> Option<DateTime<Utc>> {
    let mut cursor = t.with_timezone(&Berlin).naive_local() - Duration::hours(3);
    for _ in 0..MAX_STEPS {
        let wall = next(cursor)?;
        if let Some(real) = resolve(wall)
            && real > t
        {
            return Some(real);
        }
        cursor = wall;
    }
    None
}

/// A Berlin wall-clock time in real time: a time that exists twice is its first occurrence; a
/// time in the spring gap is the first instant after the gap (03:00 summer time).
pub fn resolve(wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    match Berlin.from_local_datetime(&wall) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            // Berlin's clocks jump on the full hour: the first full hour that exists again.
            let mut probe = wall.date().and_hms_opt(wall.hour(), 0, 0)?;
            for _ in 0..3 {
                probe += Duration::hours(1);
                if let Some(t) = Berlin.from_local_datetime(&probe).earliest() {
                    return Some(t.with_timezone(&Utc));
                }
            }
            None
        }
    }
}

/// Monday, 5 January 2026, 00:00 (wall clock): where gaps are measured from.
fn reference_monday() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 5)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// The shortest gap between successive wall-clock times in `[start, end]`, looking at up to
/// `max_occurrences` of them.
fn shortest_gap_from(
    start: NaiveDateTime,
    end: NaiveDateTime,
    max_occurrences: usize,
    next: impl Fn(NaiveDateTime) -> Option<NaiveDateTime>,
) -> Option<Duration> {
    let mut previous = next(start - Duration::seconds(1))?;
    let mut shortest: Option<Duration> = None;
    for _ in 1..max_occurrences {
        let Some(n) = next(previous) else { break };
        if n > end {
            break;
        }
        let gap = n - previous;
        shortest = Some(shortest.map_or(gap, |s| s.min(gap)));
        previous = n;
    }
    shortest
}

// --- German wording ---------------------------------------------------------------------------

/// „täglich“, „stündlich“, „alle 15 Minuten“, „alle 2 Stunden“, „jede Minute“, „alle 2 Tage“.
pub(crate) fn every_de(minutes: u32) -> String {
    match minutes {
        1 => "jede Minute".to_owned(),
        60 => "stündlich".to_owned(),
        1440 => "täglich".to_owned(),
        m if m % 1440 == 0 => format!("alle {} Tage", m / 1440),
        m if m % 60 == 0 => format!("alle {} Stunden", m / 60),
        m => format!("alle {m} Minuten"),
    }
}

/// „15 Minuten“, „1 Stunde“, „2 Tage“, „1 Tag 1 Stunde“.
fn duration_de(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} {}", if days == 1 { "Tag" } else { "Tage" }));
    }
    if hours > 0 {
        parts.push(format!(
            "{hours} {}",
            if hours == 1 { "Stunde" } else { "Stunden" }
        ));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!(
            "{mins} {}",
            if mins == 1 { "Minute" } else { "Minuten" }
        ));
    }
    parts.join(" ")
}
