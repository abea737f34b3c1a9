//! The RP2040's on-chip temperature sensor (ADC channel 4), or an external analog sensor on
//! GPIO 26 (ADC 0) when built with `PICO_SENSOR=gpio26`.

use alert_loop::Sensor;
use embassy_rp::adc::{Adc, Async, Channel, Error};

// `EXTERNAL`: `Some((scale, offset))` for an external sensor (build.rs, from the environment).
include!(concat!(env!("OUT_DIR"), "/sensor.rs"));

/// Reads the die temperature (or the external sensor) in degrees Celsius.
pub struct BoardSensor {
    pub adc: Adc<'static, Async>,
    pub channel: Channel<'static>,
}

impl Sensor for BoardSensor {
    type Error = Error;

    async fn read(&mut self) -> Result<f32, Error> {
        let raw = self.adc.read(&mut self.channel).await?;
        let volts = f32::from(raw) * 3.3 / 4096.0;
        Ok(match EXTERNAL {
            Some((scale, offset)) => volts * scale + offset,
            // RP2040 datasheet 4.9.5: T = 27 - (V - 0.706) / 0.001721, as a multiplication by
            // the folded reciprocal: a division would link soft-float `__divsf3` (0.5 KB).
            None => 27.0 - (volts - 0.706) * (1.0 / 0.001_721),
        })
    }
}
