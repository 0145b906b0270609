//! Durations as specs and the environment write them: `30s`, `1500ms`, `2m`, or a bare number of seconds.

use std::time::Duration;

/// The longest timeout accepted. Anything longer is a typo, and a deadline that far out cannot always be represented
/// by the clock the steps run on.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// The shortest duration accepted. A shorter timeout is spent before a request is even sent, and a shorter retry
/// interval only hammers the server; finer units are not accepted either, so `1ns` and `0.000001ms` read alike.
pub const MIN_DURATION: Duration = Duration::from_millis(1);

/// Why a text is no duration the harness takes; `text` is the text as given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DurationError {
    /// Not a number with a unit.
    NotADuration {
        /// The text, as given.
        text: String,
    },
    /// A unit finer than milliseconds (`ns`, `us`, `µs`).
    UnitTooFine {
        /// The text, as given.
        text: String,
        /// The unit.
        unit: String,
    },
    /// Hours, which are written in minutes.
    Hours {
        /// The text, as given.
        text: String,
    },
    /// Longer than a day.
    TooLong {
        /// The text, as given.
        text: String,
    },
    /// Zero, which would never wait.
    Zero {
        /// The text, as given.
        text: String,
    },
    /// Shorter than a millisecond.
    TooShort {
        /// The text, as given.
        text: String,
    },
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::NotADuration { text } => {
                write!(f, "`{text}` is not a duration (write `30s`, `500ms` or `2m`)")
            }
            DurationError::UnitTooFine { text, unit } => write!(
                f,
                "`{text}`: `{unit}` is not a unit here; durations are written in `ms`, `s` or `m`, and the shortest \
                 is `1ms`"
            ),
            DurationError::Hours { text } => write!(
                f,
                "`{text}`: `h` is not a unit here; write hours in minutes (`60m` for an hour)"
            ),
            DurationError::TooLong { text } => write!(
                f,
                "`{text}` is too long: durations are at most a day ({}s)",
                MAX_DURATION.as_secs()
            ),
            DurationError::Zero { text } => {
                write!(f, "`{text}` is zero: a duration must be at least `1ms`")
            }
            DurationError::TooShort { text } => write!(
                f,
                "`{text}` is shorter than a millisecond: a duration must be at least `1ms` (a shorter timeout is \
                 spent before the request is sent; a shorter retry interval only hammers the server)"
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// Parses a duration; the error says what is wrong with it, in words a spec author can act on.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let text = s.trim();
    let (num, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&text[..i], text[i..].trim()),
        None => (text, "s"),
    };
    let given = || s.to_string();
    let not_a_duration = || DurationError::NotADuration { text: given() };
    let n: f64 = num.parse().map_err(|_| not_a_duration())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "ns" | "us" | "µs" | "μs" => {
            return Err(DurationError::UnitTooFine {
                text: given(),
                unit: unit.to_string(),
            })
        }
        "h" => return Err(DurationError::Hours { text: given() }),
        _ => return Err(not_a_duration()),
    };
    if !secs.is_finite() || secs > MAX_DURATION.as_secs_f64() {
        return Err(DurationError::TooLong { text: given() });
    }
    if secs == 0.0 {
        return Err(DurationError::Zero { text: given() });
    }
    if secs < MIN_DURATION.as_secs_f64() {
        return Err(DurationError::TooShort { text: given() });
    }
    // Checked above: `secs` is finite and at most a day, so the conversion cannot panic.
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_seconds() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("1440m"), Ok(MAX_DURATION));
    }

    #[test]
    fn words_are_not_durations() {
        for bad in ["soon", "", "s", "1d", "1..2s", "-1s"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("is not a duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn huge_durations_are_refused_not_panicked_on() {
        for bad in [
            "100000000000000000000",
            "10000000000000000000s",
            "1e400",
            "86401s",
            &"9".repeat(400),
        ] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(
                e.contains("too long") || e.contains("not a duration"),
                "{bad}: {e}"
            );
        }
        assert!(parse_duration("86401")
            .unwrap_err()
            .to_string()
            .contains("at most a day"));
    }

    #[test]
    fn zero_is_refused() {
        for bad in ["0s", "0", "0ms", "0.0m"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(
                e.contains("is zero: a duration must be at least `1ms`"),
                "{bad}: {e}"
            );
        }
    }

    /// `every: 1ns` was "not a duration" while `0.000001ms` (the same) was accepted: both are refused now, saying
    /// why and what to write.
    #[test]
    fn finer_than_a_millisecond_is_refused_alike_in_any_unit() {
        for bad in ["0.000001ms", "0.0000000001s", "0.5ms", "0.00001m"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(
                e.contains("is shorter than a millisecond: a duration must be at least `1ms`"),
                "{bad}: {e}"
            );
        }
        for bad in ["1ns", "10us", "5µs"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("is not a unit here; durations are written in `ms`, `s` or `m`, and the shortest is `1ms`"), "{bad}: {e}");
        }
        assert_eq!(
            parse_duration("2h"),
            Err(DurationError::Hours { text: "2h".into() })
        );
        assert!(parse_duration("2h")
            .unwrap_err()
            .to_string()
            .contains("`60m` for an hour"));
        assert_eq!(parse_duration("1ms"), Ok(MIN_DURATION));
        assert_eq!(parse_duration("0.001"), Ok(MIN_DURATION));
    }
}
