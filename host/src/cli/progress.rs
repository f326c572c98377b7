//! indicatif progress on stderr for `zkaccel bench`, `calibrate` and `prove` (hidden when stderr
//! is not a terminal).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zkaccel::bench::runner::Observer;
use zkaccel::scheduler::calibration::CalibrationObserver;

/// Shows each benchmark step as it runs.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar on stderr, or a hidden one when stderr is redirected.
    pub fn new() -> Bar {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar(bar)
    }
}

impl Observer for Bar {
    fn begin(&self, steps: u64) {
        self.0.set_length(steps);
    }

    fn step(&self, what: &str) {
        self.0.set_message(what.to_string());
    }

    fn advance(&self) {
        self.0.inc(1);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl CalibrationObserver for Bar {
    fn begin(&self, steps: u64) {
        self.0.set_length(steps);
    }

    fn step(&self, what: &str) {
        self.0.set_message(what.to_string());
    }

    fn advance(&self) {
        self.0.inc(1);
    }
}

impl Bar {
    /// Clears the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A spinner on stderr naming the current phase of a long command (hidden when stderr is not
/// a terminal), e.g. `zkaccel prove`.
pub struct Phases(ProgressBar);

impl Phases {
    /// A spinner over `steps` phases.
    pub fn new(steps: u64) -> Phases {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(steps), target);
        let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Phases(bar)
    }

    /// Starts the next phase.
    pub fn step(&self, what: &str) {
        self.0.inc(1);
        self.0.set_message(what.to_string());
    }

    /// Clears the spinner.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
