//! Most ESP32-C3 boards have no plain LED: the state goes to the log (USB serial).

use alert_loop::{DeviceState, Indicator};

/// Logs the device state when it changes.
pub struct StatusLog(pub Option<DeviceState>);

impl Indicator for StatusLog {
    async fn show(&mut self, state: DeviceState) {
        if self.0 != Some(state) {
            log::info!("state: {state:?}");
            self.0 = Some(state);
        }
    }
}
