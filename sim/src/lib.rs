//! drtwin-sim: the Monte Carlo engine over a twin.

pub mod results;

pub use results::*;
