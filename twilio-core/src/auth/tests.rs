use super::*;
use crate::sid::SidError;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const KEY: &str = "SK00112233445566778899aabbccddeeff";
const TOKEN: &str = "fedcba9876543210fedcba9876543210";

fn decode_basic(value: &str) -> std::string::String {
    use ::base64::Engine as _;
    let b64 = value.strip_prefix("Basic ").unwrap();
    let mut raw = [0u8; 128];
    let n = ::base64::engine::general_purpose::STANDARD
        .decode_slice(b64, &mut raw)
        .unwrap();
    std::string::String::from_utf8(raw[..n].to_vec()).unwrap()
}

#[test]
fn auth_token_basic_value() {
    let creds = Credentials::auth_token(ACCOUNT, TOKEN).unwrap();
    assert_eq!(creds.username(), ACCOUNT);
    assert_eq!(
        decode_basic(creds.authorization()),
        std::format!("{ACCOUNT}:{TOKEN}")
    );
}

#[test]
fn known_basic_value() {
    // RFC 7617 encoding of "AC0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210",
    // computed independently with `printf %s ... | base64 -w0`.
    let creds = Credentials::auth_token(ACCOUNT, TOKEN).unwrap();
    assert_eq!(
        creds.authorization(),
        "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA=="
    );
}

#[test]
fn api_key_acts_for_account() {
    let creds = Credentials::api_key(ACCOUNT, KEY, "s3cr3t").unwrap();
    assert_eq!(creds.account_sid().as_str(), ACCOUNT);
    assert_eq!(
        decode_basic(creds.authorization()),
        std::format!("{KEY}:s3cr3t")
    );
}

#[test]
fn longest_secret_fits() {
    let secret = "x".repeat(MAX_SECRET_LEN);
    let creds = Credentials::api_key(ACCOUNT, KEY, &secret).unwrap();
    assert_eq!(creds.authorization().len(), MAX_AUTHORIZATION_LEN);
    assert_eq!(
        decode_basic(creds.authorization()),
        std::format!("{KEY}:{secret}")
    );
}

#[test]
fn rejections() {
    assert_eq!(
        Credentials::auth_token("AC123", TOKEN).unwrap_err(),
        AuthError::InvalidAccountSid(SidError::WrongLength { actual: 5 })
    );
    assert_eq!(
        Credentials::api_key(ACCOUNT, ACCOUNT, TOKEN).unwrap_err(),
        AuthError::InvalidApiKeySid(SidError::WrongPrefix { expected: "SK" })
    );
    assert_eq!(
        Credentials::auth_token(ACCOUNT, "").unwrap_err(),
        AuthError::EmptySecret
    );
    assert_eq!(
        Credentials::auth_token(ACCOUNT, &"a".repeat(MAX_SECRET_LEN + 1)).unwrap_err(),
        AuthError::SecretTooLong {
            max: MAX_SECRET_LEN
        }
    );
    assert_eq!(
        Credentials::auth_token(ACCOUNT, "abc\r\n").unwrap_err(),
        AuthError::InvalidSecretCharacter { index: 3 }
    );
    assert_eq!(
        Credentials::auth_token(ACCOUNT, "tökén").unwrap_err(),
        AuthError::InvalidSecretCharacter { index: 1 }
    );
}

#[test]
fn debug_redacts_the_secret() {
    let creds = Credentials::auth_token(ACCOUNT, TOKEN).unwrap();
    let shown = std::format!("{creds:?}");
    assert!(shown.contains(ACCOUNT));
    assert!(!shown.contains(TOKEN));
    assert!(!shown.contains(&creds.authorization()[6..]));
}
