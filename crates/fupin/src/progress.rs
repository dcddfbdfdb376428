//! Progress bars on the terminal (hidden when output is not a terminal, e.g. in CI logs).

use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn rows(label: &'static str) -> Self {
        let bar = ProgressBar::hidden();
        bar.set_message(label);
        Self { bar }
    }
}

impl fupin_services::progress::Progress for Bar {
    fn start(&self, total: Option<u64>) {
        let bar = match total {
            Some(n) => {
                self.bar.set_length(n);
                self.bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                &self.bar
            }
            None => {
                self.bar.set_style(
                    ProgressStyle::with_template("{msg} {pos} ({per_sec})")
                        .expect("valid template"),
                );
                &self.bar
            }
        };
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn advance(&self, rows: u64) {
        self.bar.inc(rows);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
