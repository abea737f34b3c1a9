//! The loop's clock on the boards: an embassy-time ticker.

use twilio_core::alerting::Instant;

use crate::ports::Ticker;

/// Ticks every `period` (missed ticks are not made up) and reports embassy's uptime.
pub struct EmbassyTicker(embassy_time::Ticker);

impl EmbassyTicker {
    /// A tick every `period_secs` seconds, the first one now.
    pub fn every_secs(period_secs: u32) -> Self {
        Self(embassy_time::Ticker::every(
            embassy_time::Duration::from_secs(u64::from(period_secs.max(1))),
        ))
    }
}

impl Ticker for EmbassyTicker {
    async fn tick(&mut self) -> Instant {
        self.0.next().await;
        Instant(embassy_time::Instant::now().as_millis())
    }
}
