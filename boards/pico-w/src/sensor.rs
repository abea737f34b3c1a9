//! The RP2040's on-chip temperature sensor (ADC channel 4), or an external analog sensor on
//! GPIO 26 (ADC 0) when built with `PICO_SENSOR=gpio26`.

use alert_loop::{Sensor, adc};
use embassy_rp::adc::{Adc, Async, Channel, Error};

// `EXTERNAL`: `Some((tenths per volt, offset in tenths))` for an external sensor (build.rs, from
// the environment).
include!(concat!(env!("OUT_DIR"), "/sensor.rs"));

/// Reads the die temperature (or the external sensor) in tenths of a degree Celsius, in integer
/// arithmetic: the RP2040 has no floating-point unit.
pub struct BoardSensor {
    pub adc: Adc<'static, Async>,
    pub channel: Channel<'static>,
}

impl Sensor for BoardSensor {
    type Error = Error;

    async fn read(&mut self) -> Result<i32, Error> {
        let microvolts = adc::microvolts_12bit_3v3(self.adc.read(&mut self.channel).await?);
        Ok(match EXTERNAL {
            Some((per_volt, offset)) => adc::linear_tenths(microvolts, per_volt, offset),
            None => adc::rp2040_die_tenths(microvolts),
        })
    }
}
