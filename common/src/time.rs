//! The book's sleeps, scaled.
//!
//! Every recipe sleeps through [`sleep`], which multiplies the book's pacing
//! by `COOKBOOK_TIME_SCALE` (default 1). `COOKBOOK_TIME_SCALE=0.01` turns a
//! 3 s sleep into 30 ms, so the tests and the tour run the very same code,
//! fast. Children inherit the variable with the rest of the environment.

use crate::{Error, Result};
use std::sync::OnceLock;
use std::time::Duration;

const VAR: &str = "COOKBOOK_TIME_SCALE";

fn parse_scale(text: Option<&str>) -> Result<f64> {
    let Some(text) = text else { return Ok(1.0) };
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(Error::usage(format!(
            "{VAR}='{text}' is not a number of 0 or more (1 is the book's pacing, 0.01 is 100 times faster)"
        ))),
    }
}

fn scale() -> &'static Result<f64> {
    static SCALE: OnceLock<Result<f64>> = OnceLock::new();
    SCALE.get_or_init(|| parse_scale(std::env::var(VAR).ok().as_deref()))
}

/// Fails on a malformed `COOKBOOK_TIME_SCALE`; [`crate::main`] calls it once.
pub(crate) fn check_time_scale() -> Result<()> {
    scale().clone().map(|_| ())
}

/// The factor applied to every [`sleep`].
pub fn time_scale() -> f64 {
    *scale().as_ref().unwrap_or(&1.0)
}

/// Sleeps `seconds` of the book's time: `seconds * COOKBOOK_TIME_SCALE` of real time.
pub fn sleep(seconds: f64) {
    let _asleep = crate::timeline::sleeping();
    std::thread::sleep(Duration::from_secs_f64(seconds * time_scale()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_defaults_to_one_and_rejects_junk() {
        assert_eq!(parse_scale(None), Ok(1.0));
        assert_eq!(parse_scale(Some("0.01")), Ok(0.01));
        assert_eq!(parse_scale(Some("0")), Ok(0.0));
        for bad in ["fast", "-1", "NaN", "inf", ""] {
            let err = parse_scale(Some(bad)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
            assert!(err.to_string().contains(VAR), "{err}");
        }
    }
}
