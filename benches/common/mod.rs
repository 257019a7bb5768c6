//! What every benchmark starts from: the built-in example's twin, scanned from
//! `examples/macmini`, and its plant under a set of assumptions.

use std::path::Path;

use drtwin_sim::Assumptions;
use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant};

/// The example's twin; a benchmark cannot go on without it.
pub fn example_twin() -> drtwin_model::Twin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/macmini");
    match drtwin_twin::scan(&root, &drtwin_twin::ScanOptions::default()) {
        Ok(twin) => twin,
        Err(error) => panic!("cannot scan the example: {error}"),
    }
}

/// The example's plant for the year the runs use.
pub fn example_plant(assumptions: &Assumptions) -> Plant {
    let twin = example_twin();
    let clock = match Clock::new(&twin.host.time_zone, 2027) {
        Ok(clock) => clock,
        Err(error) => panic!("{error}"),
    };
    Plant::new(&twin, Params::new(assumptions), clock)
}
