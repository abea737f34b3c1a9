//! The RP2040's on-chip temperature sensor (ADC channel 4).

use alert_loop::Sensor;
use embassy_rp::adc::{Adc, Async, Channel, Error};

/// Reads the die temperature in degrees Celsius.
pub struct DieTemperature {
    pub adc: Adc<'static, Async>,
    pub channel: Channel<'static>,
}

impl Sensor for DieTemperature {
    type Error = Error;

    async fn read(&mut self) -> Result<f32, Error> {
        let raw = self.adc.read(&mut self.channel).await?;
        Ok(celsius(raw))
    }
}

/// RP2040 datasheet 4.9.5: T = 27 - (V - 0.706) / 0.001721, with a 3.3 V reference.
fn celsius(raw: u16) -> f32 {
    let volts = f32::from(raw) * 3.3 / 4096.0;
    27.0 - (volts - 0.706) / 0.001_721
}
