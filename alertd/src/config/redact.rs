//! The configuration as Alertmanager's status API shows it (`config.original`): the text
//! alertd was started with, secrets replaced by `<secret>` as Alertmanager does.

/// What stands in for a secret value.
const HIDDEN: &str = "<secret>";

/// Whether `key` holds a secret itself: tokens, secrets and passwords, but not the files or
/// environment variables that name where one is kept.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let names_a_place = key.ends_with("_file") || key.ends_with("_env");
    !names_a_place
        && ["token", "secret", "password"]
            .iter()
            .any(|w| key.contains(w))
}

fn hide(value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => hide_in(table),
        toml::Value::Array(items) => items.iter_mut().for_each(hide),
        _ => {}
    }
}

fn hide_in(table: &mut toml::Table) {
    for (key, value) in table.iter_mut() {
        if is_secret(key) && !matches!(value, toml::Value::Table(_) | toml::Value::Array(_)) {
            *value = toml::Value::String(HIDDEN.to_owned());
        } else {
            hide(value);
        }
    }
}

/// `text` (TOML) with every secret value replaced; comments and layout are not kept. Text that
/// does not parse (it was validated at start, so only in tests) gives an empty string rather
/// than anything unredacted.
pub(crate) fn redacted(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return String::new();
    };
    hide_in(&mut table);
    toml::to_string(&table).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_is_hidden_and_nothing_else() {
        let text = r#"
[server]
bearer_token = "bearer-s3cret"
bearer_token_file = "/etc/alertd/token"
[twilio]
account_sid = "AC0123"
auth_token = "auth-s3cret"
api_secret = "api-s3cret"
api_secret_file = "secret.txt"
[mqtt]
password = "mqtt-s3cret"
[[relay.devices]]
name = "d1"
secret = "device-s3cret"
secret_env = "D1_SECRET"
[[receivers]]
name = "oncall"
sms = ["+15551230001"]
"#;
        let shown = redacted(text);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(shown.matches(HIDDEN).count(), 5, "{shown}");
        for kept in [
            "/etc/alertd/token",
            "AC0123",
            "secret.txt",
            "D1_SECRET",
            "+15551230001",
        ] {
            assert!(shown.contains(kept), "{kept} in {shown}");
        }
        assert_eq!(redacted("not = [toml"), "");
    }
}
