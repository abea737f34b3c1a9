//! Device authentication: HTTP Basic with the device's account SID (or API key SID) and
//! secret, as every Twilio client sends it. The secret is compared in constant time; the
//! account in the URL must be the device's. Any failure is Twilio's 401 / 20003.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::config::relay::Device;
use crate::config::secrets::constant_time_eq;

/// `(user, password)` from an `Authorization: Basic ...` value.
///
/// ```
/// use alertd::relay::auth::basic_credentials;
/// assert_eq!(basic_credentials("Basic dXNlcjpwYTpzcw=="), Some(("user".to_owned(), "pa:ss".to_owned())));
/// assert_eq!(basic_credentials("Bearer x"), None);
/// ```
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = encoded.trim();
    // Four base64 characters carry three bytes.
    let mut decoded = vec![0u8; encoded.len() / 4 * 3 + 3];
    let n = STANDARD.decode_slice(encoded, &mut decoded).ok()?;
    decoded.truncate(n);
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The device `user` names, when `password` is its secret and `account_sid` its account.
pub(crate) fn device_for<'d>(
    devices: &'d [Device],
    user: &str,
    password: &str,
    account_sid: &str,
) -> Option<&'d Device> {
    let device = devices.iter().find(|d| d.username == user)?;
    let secret_ok = constant_time_eq(password.as_bytes(), device.secret.as_bytes());
    (secret_ok && device.config.account_sid == account_sid).then_some(device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::relay::DeviceConfig;

    const AC: &str = "AC0123456789abcdef0123456789abcdef";
    const SK: &str = "SK0123456789abcdef0123456789abcdef";

    fn device(name: &str, api_key: Option<&str>, secret: &str) -> Device {
        Device {
            config: DeviceConfig {
                name: name.into(),
                account_sid: AC.into(),
                api_key: api_key.map(str::to_owned),
                secret_env: None,
                secret_file: None,
                secret: Some(secret.into()),
                allowed_from: vec!["+15005550006".into()],
                allowed_to: None,
                max_segments: 3,
                daily_spend_limit: 2.0,
                rate_per_minute: 30,
                burst: 10,
                heartbeat: None,
            },
            allowed_to: crate::config::relay::AllowedTo::default(),
            username: api_key.unwrap_or(AC).into(),
            secret: secret.into(),
        }
    }

    fn basic(user: &str, pass: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
    }

    #[test]
    fn token_and_api_key_devices() {
        let devices = [
            device("a", None, "tokenA"),
            device("b", Some(SK), "secretB"),
        ];
        let found = |h: &str, acct: &str| {
            basic_credentials(h)
                .and_then(|(user, password)| device_for(&devices, &user, &password, acct))
                .map(|d| d.config.name.clone())
        };
        assert_eq!(found(&basic(AC, "tokenA"), AC).as_deref(), Some("a"));
        assert_eq!(found(&basic(SK, "secretB"), AC).as_deref(), Some("b"));
        assert_eq!(found(&basic(AC, "tokenB"), AC), None, "wrong secret");
        assert_eq!(
            found(&basic(SK, "tokenA"), AC),
            None,
            "other device's secret"
        );
        assert_eq!(
            found(&basic(AC, "tokenA"), "AC0000000000000000000000000000000f"),
            None,
            "other account"
        );
        assert_eq!(found("Basic !!!", AC), None);
        assert_eq!(found("Basic ", AC), None);
        assert_eq!(
            found(&format!("Basic {}", STANDARD.encode("no-colon")), AC),
            None
        );
        assert_eq!(basic_credentials(""), None, "no credentials, no device");
    }
}
