//! ADC counts to readings in tenths, in integer arithmetic (neither chip has a floating-point
//! unit). Here rather than in the Pico W crate so the host tests check the arithmetic.

/// A 12-bit count of an ADC referenced to 3.3 V (the RP2040's), in microvolts: at most 3,299,194.
pub fn microvolts_12bit_3v3(count: u16) -> i32 {
    // 3.3 V over 4096 counts = 825,000 / 1,024 µV per count; the product fits a u32.
    let microvolts = u32::from(count.min(4_095)) * 825_000 / 1_024;
    i32::try_from(microvolts).unwrap_or(i32::MAX)
}

/// The RP2040's die temperature in tenths of a degree Celsius from its sensor's voltage
/// (datasheet 4.9.5: T = 27 - (V - 0.706) / 0.001721).
///
/// ```
/// use alert_loop::adc::rp2040_die_tenths;
/// assert_eq!(rp2040_die_tenths(706_000), 270);
/// assert_eq!(rp2040_die_tenths(689_790), 364); // 0.68979 V: 36.4 C
/// ```
pub fn rp2040_die_tenths(microvolts: i32) -> i32 {
    saturate(270 - div_round((i64::from(microvolts) - 706_000) * 10, 1_721))
}

/// A linear sensor: `microvolts` at `per_volt` tenths per volt plus `offset` tenths (a TMP36 is
/// 1,000 tenths per volt, -500 tenths).
///
/// ```
/// use alert_loop::adc::linear_tenths;
/// assert_eq!(linear_tenths(750_000, 1_000, -500), 250); // TMP36 at 0.75 V: 25.0 C
/// ```
pub fn linear_tenths(microvolts: i32, per_volt: i32, offset: i32) -> i32 {
    saturate(div_round(i64::from(microvolts) * i64::from(per_volt), 1_000_000) + i64::from(offset))
}

/// The ESP32-C3's die temperature in tenths of a degree Celsius from its sensor's raw value and
/// offset (esp-hal's `Temperature`: C = raw * 0.4386 - offset * 27.88 - 20.52).
///
/// ```
/// use alert_loop::adc::esp32c3_tsens_tenths;
/// assert_eq!(esp32c3_tsens_tenths(150, 0), 453); // 45.27 C
/// ```
pub fn esp32c3_tsens_tenths(raw: u8, offset: i8) -> i32 {
    // In 1/100,000 degrees: raw * 43,860 - offset * 2,788,000 - 2,052,000; fits an i32.
    let hundred_thousandths = i64::from(raw) * 43_860 - i64::from(offset) * 2_788_000 - 2_052_000;
    saturate(div_round(hundred_thousandths, 10_000))
}

/// `n / d` rounded half away from zero (`d` > 0).
fn div_round(n: i64, d: i64) -> i64 {
    if n < 0 {
        (n - d / 2) / d
    } else {
        (n + d / 2) / d
    }
}

fn saturate(tenths: i64) -> i32 {
    i32::try_from(tenths).unwrap_or(if tenths < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
// The references are small floats rounded on purpose.
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    /// The datasheet formulas in f64, rounded to tenths: the reference.
    fn die_reference(count: u16) -> i32 {
        let volts = f64::from(count) * 3.3 / 4096.0;
        ((27.0 - (volts - 0.706) / 0.001_721) * 10.0).round() as i32
    }

    #[test]
    fn die_temperature_matches_the_datasheet_formula_for_every_count() {
        for count in 0..4_096u16 {
            let got = rp2040_die_tenths(microvolts_12bit_3v3(count));
            // Microvolts are truncated: at most a tenth off the exact formula.
            assert!(
                (got - die_reference(count)).abs() <= 1,
                "count {count}: {got} vs {}",
                die_reference(count)
            );
        }
        assert_eq!(microvolts_12bit_3v3(4_095), 3_299_194);
        assert_eq!(microvolts_12bit_3v3(u16::MAX), 3_299_194, "12 bits at most");
    }

    #[test]
    fn esp32c3_temperature_matches_esp_hal_for_every_raw_value_and_offset() {
        for raw in 0..=u8::MAX {
            for offset in i8::MIN..=i8::MAX {
                let celsius = f64::from(raw) * 0.4386 - f64::from(offset) * 27.88 - 20.52;
                let reference = (celsius * 10.0).round() as i32;
                let got = esp32c3_tsens_tenths(raw, offset);
                // Exact but for ties the float reference may round either way.
                assert!(
                    (got - reference).abs() <= 1,
                    "{raw}, {offset}: {got} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn linear_sensors_round_and_saturate() {
        assert_eq!(linear_tenths(0, 1_000, -500), -500);
        assert_eq!(linear_tenths(3_299_194, 1_000, -500), 2_799);
        assert_eq!(linear_tenths(50, 1_000, 0), 0);
        assert_eq!(linear_tenths(50, -1_000, 0), 0);
        assert_eq!(linear_tenths(150, -1_000, 0), 0);
        assert_eq!(linear_tenths(550, -1_000, 0), -1);
        assert_eq!(linear_tenths(i32::MAX, i32::MAX, i32::MAX), i32::MAX);
        assert_eq!(linear_tenths(i32::MAX, i32::MIN, 0), i32::MIN);
    }
}
