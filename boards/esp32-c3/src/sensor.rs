//! The ESP32-C3's internal temperature sensor.

use alert_loop::Sensor;
use esp_hal::tsens::TemperatureSensor;

/// Reads the die temperature in degrees Celsius.
pub struct DieTemperature(pub TemperatureSensor<'static>);

impl Sensor for DieTemperature {
    type Error = core::convert::Infallible;

    async fn read(&mut self) -> Result<f32, Self::Error> {
        Ok(self.0.get_temperature().to_celsius())
    }
}
