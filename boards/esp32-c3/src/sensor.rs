//! The ESP32-C3's internal temperature sensor.

use alert_loop::{Sensor, adc};
use esp_hal::tsens::TemperatureSensor;

/// Reads the die temperature in tenths of a degree Celsius, from the sensor's raw value in
/// integer arithmetic (the C3 has no floating-point unit; `to_celsius` would link soft floats).
pub struct DieTemperature(pub TemperatureSensor<'static>);

impl Sensor for DieTemperature {
    type Error = core::convert::Infallible;

    async fn read(&mut self) -> Result<i32, Self::Error> {
        let reading = self.0.get_temperature();
        Ok(adc::esp32c3_tsens_tenths(reading.raw_value, reading.offset))
    }
}
