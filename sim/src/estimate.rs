//! Streaming estimators: a mean with its variance (Welford, merged in a fixed order), and
//! quantiles from a fixed-bin logarithmic histogram, so memory never grows with the number
//! of trials. Confidence intervals are 95%: Student's t (normal for large samples) for
//! means, order statistics through the binomial normal approximation for quantiles.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::results::{Estimate, TimeDistribution};

/// Running mean and variance.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Welford {
    pub n: u64,
    pub mean: f64,
    m2: f64,
}

impl Welford {
    /// The moments of `n` zeros.
    pub fn zeros(n: u64) -> Welford {
        Welford { n, mean: 0.0, m2: 0.0 }
    }

    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Chan et al.'s parallel combination; callers merge blocks in trial order so the
    /// floating-point result is the same on any thread count.
    pub fn merge(&mut self, other: &Welford) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        self.mean += delta * other.n as f64 / n as f64;
        self.m2 += other.m2 + delta * delta * self.n as f64 * other.n as f64 / n as f64;
        self.n = n;
    }

    pub fn variance(&self) -> f64 {
        if self.n < 2 { 0.0 } else { self.m2 / (self.n - 1) as f64 }
    }

    /// Half-width of the 95% confidence interval of the mean.
    pub fn half_width(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        z_or_t(self.n) * (self.variance() / self.n as f64).sqrt()
    }

    /// The mean with its 95% interval, scaled by `scale`.
    pub fn estimate(&self, scale: f64) -> Estimate {
        let half = self.half_width() * scale;
        let value = self.mean * scale;
        Estimate { value, low: value - half, high: value + half }
    }
}

/// The 97.5% quantile of Student's t with n − 1 degrees of freedom (normal above 1000).
pub fn z_or_t(n: u64) -> f64 {
    if !(2..=1000).contains(&n) {
        return 1.959_963_984_540_054;
    }
    match StudentsT::new(0.0, 1.0, (n - 1) as f64) {
        Ok(t) => t.inverse_cdf(0.975),
        Err(_) => 1.959_963_984_540_054,
    }
}

const BINS_PER_DECADE: f64 = 60.0;
/// Smallest positive value binned: 0.01 s. Largest: 1e10 s (over 300 years).
const LOW_EXPONENT: f64 = -2.0;
const BIN_COUNT: usize = 720;

/// A histogram of positive values in logarithmic bins (about 4% wide), plus a count of
/// zeros, the exact minimum and maximum, and the running mean.
#[derive(Clone, Debug, PartialEq)]
pub struct LogHistogram {
    zeros: u64,
    bins: Vec<u64>,
    pub min: f64,
    pub max: f64,
    pub moments: Welford,
}

impl Default for LogHistogram {
    fn default() -> LogHistogram {
        LogHistogram {
            zeros: 0,
            bins: vec![0; BIN_COUNT],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            moments: Welford::default(),
        }
    }
}

fn bin_low(index: usize) -> f64 {
    10f64.powf(LOW_EXPONENT + index as f64 / BINS_PER_DECADE)
}

impl LogHistogram {
    pub fn push(&mut self, x: f64) {
        let x = if x.is_finite() { x.max(0.0) } else { 1e10 };
        self.moments.push(x);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x <= 10f64.powf(LOW_EXPONENT) {
            self.zeros += 1;
            return;
        }
        let position = (x.log10() - LOW_EXPONENT) * BINS_PER_DECADE;
        let index = (position as usize).min(BIN_COUNT - 1);
        self.bins[index] += 1;
    }

    pub fn merge(&mut self, other: &LogHistogram) {
        self.zeros += other.zeros;
        for (mine, theirs) in self.bins.iter_mut().zip(&other.bins) {
            *mine += theirs;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.moments.merge(&other.moments);
    }

    pub fn count(&self) -> u64 {
        self.moments.n
    }

    /// The value of 0-based rank `rank`: a fractional rank lies on the straight line between
    /// the order statistics either side of it, so with few samples the top quantiles reach
    /// towards the largest one instead of stopping at the one below.
    fn value_at_rank(&self, rank: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let rank = rank.clamp(0.0, (n - 1) as f64);
        let below = rank.floor();
        let low = self.order_statistic(below as u64);
        let fraction = rank - below;
        if fraction == 0.0 {
            return low;
        }
        low + fraction * (self.order_statistic(below as u64 + 1) - low)
    }

    /// The value of whole 0-based rank `rank`: exact for the smallest and largest, else
    /// placed inside its bin by its position among the bin's samples.
    fn order_statistic(&self, rank: u64) -> f64 {
        let n = self.count();
        if rank == 0 {
            return self.min;
        }
        if rank >= n - 1 {
            return self.max;
        }
        let rank = rank as f64;
        if rank < self.zeros as f64 {
            return 0.0;
        }
        let mut below = self.zeros as f64;
        for (index, &count) in self.bins.iter().enumerate() {
            if count == 0 {
                continue;
            }
            if rank < below + count as f64 {
                let fraction = (rank - below + 0.5) / count as f64;
                let low = bin_low(index);
                let high = bin_low(index + 1);
                let value = low * (high / low).powf(fraction.clamp(0.0, 1.0));
                return value.clamp(self.min, self.max);
            }
            below += count as f64;
        }
        self.max
    }

    /// The `p` quantile with a 95% interval from order statistics.
    pub fn quantile(&self, p: f64) -> Estimate {
        let n = self.count() as f64;
        if n == 0.0 {
            return Estimate::exact(0.0);
        }
        let centre = p * (n - 1.0);
        let spread = 1.96 * (n * p * (1.0 - p)).sqrt();
        Estimate {
            value: self.value_at_rank(centre),
            low: self.value_at_rank((centre - spread).floor()),
            high: self.value_at_rank((centre + spread).ceil()),
        }
    }

    /// Fraction of samples above `x`.
    pub fn share_above(&self, x: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let mut above = 0u64;
        for (index, &count) in self.bins.iter().enumerate() {
            if bin_low(index) > x {
                above += count;
            }
        }
        above as f64 / n as f64
    }

    /// The distribution in the results' shape, values multiplied by `scale`.
    pub fn distribution(&self, scale: f64) -> TimeDistribution {
        let scaled = |e: Estimate| Estimate {
            value: e.value * scale,
            low: e.low * scale,
            high: e.high * scale,
        };
        let cdf = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]
            .iter()
            .map(|&p| (self.quantile(p).value * scale, p))
            .collect();
        // Durations are never negative, whatever a small sample's interval says.
        let mean = self.moments.estimate(scale);
        TimeDistribution {
            samples: self.count(),
            mean: Estimate { low: mean.low.max(0.0), ..mean },
            p50: scaled(self.quantile(0.5)),
            p90: scaled(self.quantile(0.9)),
            p99: scaled(self.quantile(0.99)),
            cdf,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_merge_matches_one_pass() {
        let values: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64).collect();
        let mut whole = Welford::default();
        values.iter().for_each(|&v| whole.push(v));
        let mut left = Welford::default();
        let mut right = Welford::default();
        values[..400].iter().for_each(|&v| left.push(v));
        values[400..].iter().for_each(|&v| right.push(v));
        left.merge(&right);
        assert!((left.mean - whole.mean).abs() < 1e-9);
        assert!((left.variance() - whole.variance()).abs() < 1e-6);
    }

    #[test]
    fn histogram_quantiles_are_within_a_bin() {
        let mut histogram = LogHistogram::default();
        for i in 1..=10_000 {
            histogram.push(i as f64);
        }
        let median = histogram.quantile(0.5);
        assert!((median.value / 5000.0 - 1.0).abs() < 0.05, "{median:?}");
        assert!(median.low <= median.value && median.value <= median.high);
        let p99 = histogram.quantile(0.99).value;
        assert!((p99 / 9900.0 - 1.0).abs() < 0.05, "{p99}");
        assert_eq!(histogram.quantile(0.0).value, 1.0);
    }

    #[test]
    fn few_samples_interpolate_between_order_statistics() {
        let mut histogram = LogHistogram::default();
        for x in [600.0, 1200.0, 5400.0] {
            histogram.push(x);
        }
        let top = histogram.quantile(0.999).value;
        assert!(top > 5000.0 && top <= 5400.0, "p99.9 {top} stops short of the largest");
        let median = histogram.quantile(0.5).value;
        assert!((median / 1200.0 - 1.0).abs() < 0.05, "{median}");
        let distribution = histogram.distribution(1.0);
        assert!(distribution.p99.value <= 5400.0 && distribution.mean.value == 2400.0);

        // Two far-apart values: the mean's interval is wide, but never below zero.
        let mut two = LogHistogram::default();
        two.push(1.0);
        two.push(10_000.0);
        assert_eq!(two.distribution(1.0).mean.low, 0.0);
    }

    #[test]
    fn zeros_are_counted() {
        let mut histogram = LogHistogram::default();
        for _ in 0..90 {
            histogram.push(0.0);
        }
        for _ in 0..10 {
            histogram.push(100.0);
        }
        assert_eq!(histogram.quantile(0.5).value, 0.0);
        assert!((histogram.quantile(0.95).value - 100.0).abs() < 5.0);
    }
}
