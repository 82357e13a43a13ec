//! Times on the command line: parsing `--since`/`--until` and printing milliseconds as UTC.
//!
//! Civil-date arithmetic follows Howard Hinnant's `days_from_civil` / `civil_from_days`
//! algorithms (proleptic Gregorian calendar), so no date crate is needed.

/// Milliseconds per day.
const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn number(s: &str, what: &str, lo: i64, hi: i64) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad {what} `{s}`"));
    }
    let n: i64 = s.parse().map_err(|_| format!("bad {what} `{s}`"))?;
    if n < lo || n > hi {
        return Err(format!("{what} {n} is out of range {lo}..={hi}"));
    }
    Ok(n)
}

/// Parses a time: milliseconds since the epoch (`1704067200000`), a UTC date (`2024-01-01`) or a
/// UTC date-time (`2024-01-01T12:30`, `2024-01-01T12:30:15`, optional `Z`, space instead of `T`).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("`{s}` is too large for milliseconds"));
    }
    let usage = || format!("`{s}` is not a time: use 2024-01-31, 2024-01-31T12:00:00Z or milliseconds since the epoch");
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(usage());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(usage());
    }
    let y = number(y, "year", 1970, 9999)?;
    let m = number(m, "month", 1, 12)?;
    let d = number(d, "day", 1, days_in_month(y, m))?;
    let mut ms = days_from_civil(y, m, d) * DAY_MS;
    if let Some(clock) = clock {
        let fields: Vec<&str> = clock.split(':').collect();
        if !(2..=3).contains(&fields.len()) || fields.iter().any(|f| f.len() != 2) {
            return Err(usage());
        }
        ms += number(fields[0], "hour", 0, 23)? * 3_600_000;
        ms += number(fields[1], "minute", 0, 59)? * 60_000;
        if let Some(sec) = fields.get(2) {
            ms += number(sec, "second", 0, 59)? * 1000;
        }
    }
    Ok(ms)
}

/// Formats milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC), with `.mmm` when the
/// milliseconds are not zero.
pub fn format_ms(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03}")
    }
}

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_millis() {
        assert_eq!(parse_time("1704067200000").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_time("2024-01-01").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_time("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_time("2024-02-29T12:30").unwrap(), 1_709_209_800_000);
        assert_eq!(parse_time("2024-02-29 12:30:15").unwrap(), 1_709_209_815_000);
        for bad in [
            "",
            "2023-02-29",
            "2024-13-01",
            "2024-1-1",
            "yesterday",
            "2024-01-01T25:00",
            "2024-01-01T1:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_ms(0), "1970-01-01 00:00:00");
        assert_eq!(format_ms(1_709_209_815_000), "2024-02-29 12:30:15");
        assert_eq!(format_ms(1_709_209_815_042), "2024-02-29 12:30:15.042");
        for days in [-1000_i64, 0, 59, 60, 365 * 30 + 7, 20_000, 2_932_896] {
            let ms = days * DAY_MS + 3_723_000;
            let text = format_ms(ms);
            assert_eq!(
                parse_time(&text).unwrap_or(i64::MIN),
                if ms >= 0 { ms } else { i64::MIN },
                "{text}"
            );
        }
    }
}
