//! Portable random streams: every trial, component and purpose draws from its own
//! `Pcg64Mcg` generator, seeded by mixing `(seed, trial, stream)` through SplitMix64.
//!
//! Because each component's failures come from its own stream, forcing one component up or
//! down leaves every other component's draws unchanged (common random numbers), and the
//! draws of trial `i` do not depend on which thread runs it.

use rand::Rng;
use rand_distr::{Exp1, StandardNormal};
use rand_pcg::Pcg64Mcg;

/// The generator's name as the results record it.
pub const GENERATOR: &str = "Pcg64Mcg seeded by SplitMix64(seed, trial, stream)";

/// Purposes of a component's streams, so they never share draws.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    Failures = 0,
    Responses = 1,
    Phase = 2,
    Scenario = 3,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for `(seed, trial, component, purpose)`.
pub fn stream(seed: u64, trial: u64, component: usize, purpose: Purpose) -> Pcg64Mcg {
    let mut state = seed;
    let a = splitmix(&mut state);
    let mut state = a ^ trial.wrapping_mul(0xd1b5_4a32_d192_ed03);
    let b = splitmix(&mut state);
    let mut state = b ^ (component as u64).wrapping_mul(0x8cb9_2ba7_2f3d_8dd7) ^ purpose as u64;
    let high = splitmix(&mut state);
    let low = splitmix(&mut state);
    Pcg64Mcg::new((u128::from(high) << 64) | u128::from(low | 1))
}

/// A uniform draw in [0, 1).
pub fn uniform(rng: &mut Pcg64Mcg) -> f64 {
    rng.random::<f64>()
}

/// An exponential draw with the given rate (per second); infinite for a zero rate.
pub fn exponential(rng: &mut Pcg64Mcg, rate: f64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    // The ziggurat (Marsaglia and Tsang) needs a logarithm only in the rare tail.
    rng.sample::<f64, _>(Exp1) / rate
}

/// A standard normal draw (ziggurat).
pub fn normal(rng: &mut Pcg64Mcg) -> f64 {
    rng.sample(StandardNormal)
}

/// A lognormal draw with the given median and sigma (of the underlying normal).
pub fn lognormal(rng: &mut Pcg64Mcg, median: f64, sigma: f64) -> f64 {
    if sigma <= 0.0 {
        return median;
    }
    median * (sigma * normal(rng)).exp()
}

/// The `p` quantile of a lognormal with this median and sigma.
pub fn lognormal_quantile(median: f64, sigma: f64, p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    match Normal::new(0.0, 1.0) {
        Ok(normal) => median * (sigma * normal.inverse_cdf(p)).exp(),
        Err(_) => median,
    }
}

/// Probability that a lognormal draw exceeds `x`.
pub fn lognormal_exceeds(median: f64, sigma: f64, x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    if median <= 0.0 || x <= 0.0 {
        return if x <= 0.0 { 1.0 } else { 0.0 };
    }
    if sigma <= 0.0 {
        return if median > x { 1.0 } else { 0.0 };
    }
    match Normal::new(0.0, 1.0) {
        Ok(normal) => 1.0 - normal.cdf((x / median).ln() / sigma),
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = stream(7, 3, 2, Purpose::Failures);
        let mut b = stream(7, 3, 2, Purpose::Failures);
        let mut c = stream(7, 3, 2, Purpose::Responses);
        let mut d = stream(7, 4, 2, Purpose::Failures);
        let x = uniform(&mut a);
        assert_eq!(x, uniform(&mut b));
        assert_ne!(x, uniform(&mut c));
        assert_ne!(x, uniform(&mut d));
    }

    #[test]
    fn exponential_and_lognormal_have_their_means() {
        let mut rng = stream(1, 0, 0, Purpose::Failures);
        let n = 200_000;
        let mean = (0..n).map(|_| exponential(&mut rng, 0.5)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.03, "{mean}");
        let mut below = 0;
        for _ in 0..n {
            if lognormal(&mut rng, 10.0, 1.0) < 10.0 {
                below += 1;
            }
        }
        let share = below as f64 / n as f64;
        assert!((share - 0.5).abs() < 0.01, "{share}");

        // Normal draws have mean 0 and variance 1.
        let (mut sum, mut squares) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let x = normal(&mut rng);
            sum += x;
            squares += x * x;
        }
        let n = f64::from(n);
        assert!((sum / n).abs() < 0.01, "mean {}", sum / n);
        assert!((squares / n - 1.0).abs() < 0.02, "variance {}", squares / n);
        assert!((lognormal_quantile(10.0, 1.0, 0.5) - 10.0).abs() < 1e-9);
        assert!((lognormal_exceeds(10.0, 1.0, 10.0) - 0.5).abs() < 1e-9);
    }
}
