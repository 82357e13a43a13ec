//! The timing method, identical in the CCXT scripts: warm up, pick a batch size so that one
//! batch takes at least [`Plan::batch`], time [`Plan::samples`] batches, and report the median
//! time per operation as operations per second.

use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Warm-up time before calibration.
    pub warmup: Duration,
    /// Minimum duration of one timed batch.
    pub batch: Duration,
    /// Number of timed batches (the median is reported).
    pub samples: usize,
}

impl Plan {
    /// The full plan: 200 ms warm-up, 11 batches of at least 100 ms.
    pub const FULL: Plan = Plan {
        warmup: Duration::from_millis(200),
        batch: Duration::from_millis(100),
        samples: 11,
    };
    /// The quick plan: 50 ms warm-up, 5 batches of at least 30 ms.
    pub const QUICK: Plan = Plan {
        warmup: Duration::from_millis(50),
        batch: Duration::from_millis(30),
        samples: 5,
    };
}

/// The result of one measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Median seconds per operation.
    pub secs_per_op: f64,
    /// Operations per batch.
    pub batch_size: u64,
    /// Timed batches.
    pub samples: usize,
}

impl Measurement {
    /// Operations per second at the median.
    pub fn ops_per_sec(&self) -> f64 {
        if self.secs_per_op > 0.0 {
            self.secs_per_op.recip()
        } else {
            0.0
        }
    }
}

/// The median of `v` (sorted in place); 0 for an empty slice.
#[allow(clippy::float_arithmetic)] // timings, not money
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Times `op` under `plan`. `op` returns a value that is passed to `black_box`.
#[allow(clippy::float_arithmetic)] // timings, not money
pub fn run<T>(plan: Plan, mut op: impl FnMut() -> T) -> Measurement {
    let n = calibrate(plan, &mut op);
    let mut per_op: Vec<f64> = (0..plan.samples.max(1)).map(|_| batch(n, &mut op)).collect();
    Measurement {
        secs_per_op: median(&mut per_op),
        batch_size: n,
        samples: per_op.len(),
    }
}

/// Warms `op` up and finds its batch size under `plan` (the first half of [`run`]).
fn calibrate<T>(plan: Plan, op: &mut impl FnMut() -> T) -> u64 {
    let start = Instant::now();
    let mut warm = 0u64;
    while start.elapsed() < plan.warmup || warm < 3 {
        std::hint::black_box(op());
        warm += 1;
    }
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(op());
        }
        if t.elapsed() >= plan.batch || n >= 1 << 30 {
            return n;
        }
        n *= 2;
    }
}

/// Seconds per call of one timed batch of `n` calls.
#[allow(clippy::float_arithmetic)] // timings, not money
fn batch<T>(n: u64, op: &mut impl FnMut() -> T) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(op());
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// Times `a` and `b` as [`run`] does, but with their timed batches interleaved (a, b, a, b,
/// ...), so that a drift in the machine's speed during the measurement (another process, a
/// busy host) moves both alike and their ratio stays put. For comparisons of two ways of
/// doing the same thing, e.g. the client against bare reqwest.
pub fn pair<T, U>(plan: Plan, mut a: impl FnMut() -> T, mut b: impl FnMut() -> U) -> (Measurement, Measurement) {
    let na = calibrate(plan, &mut a);
    let nb = calibrate(plan, &mut b);
    let samples = plan.samples.max(1);
    let (mut ta, mut tb) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for _ in 0..samples {
        ta.push(batch(na, &mut a));
        tb.push(batch(nb, &mut b));
    }
    let m = |n: u64, v: &mut Vec<f64>| Measurement {
        secs_per_op: median(v),
        batch_size: n,
        samples: v.len(),
    };
    (m(na, &mut ta), m(nb, &mut tb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn run_counts_batches() {
        let plan = Plan {
            warmup: Duration::ZERO,
            batch: Duration::ZERO,
            samples: 3,
        };
        let mut calls = 0u64;
        let m = run(plan, || calls += 1);
        assert_eq!(m.samples, 3);
        assert_eq!(m.batch_size, 1);
        // 3 warm-up calls, 1 calibration call, 3 timed batches of 1.
        assert_eq!(calls, 7);
    }

    #[test]
    fn pair_interleaves_the_same_plan() {
        let plan = Plan {
            warmup: Duration::ZERO,
            batch: Duration::ZERO,
            samples: 3,
        };
        let order = std::cell::RefCell::new(Vec::new());
        let (a, b) = pair(plan, || order.borrow_mut().push('a'), || order.borrow_mut().push('b'));
        assert_eq!((a.samples, b.samples, a.batch_size, b.batch_size), (3, 3, 1, 1));
        // Each side: 3 warm-up calls and 1 calibration call; then the batches alternate.
        assert_eq!(order.into_inner().iter().collect::<String>(), "aaaabbbbababab");
    }
}
