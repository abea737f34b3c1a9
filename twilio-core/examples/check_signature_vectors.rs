//! Checks every vector in `<vectors dir>/signature.json` (the official helper libraries' test
//! vectors) against `twilio_core::webhook`; exits non-zero on any mismatch.
//!
//! `cargo run -p twilio-core --example check_signature_vectors -- "$SHARED_DIR/twilio/vectors"`

use std::process::ExitCode;

use serde_json::Value;
use twilio_core::webhook::{Algorithm, Params, compute, validate_json, validate_with};

fn text<'v>(v: &'v Value, key: &str) -> Result<&'v str, String> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("field {key} is not a string"))
}

fn pairs(v: &Value) -> Result<Vec<(&str, &str)>, String> {
    let Some(list) = v["params"].as_array() else {
        return Ok(Vec::new());
    };
    list.iter()
        .map(|p| match (p[0].as_str(), p[1].as_str()) {
            (Some(k), Some(v)) => Ok((k, v)),
            _ => Err("params entries must be [name, value] strings".to_owned()),
        })
        .collect()
}

/// Checks one vector; `Ok(())` when our result matches the vector's expectation.
fn check(v: &Value, key_field: &str) -> Result<(), String> {
    let key = text(v, key_field)?.as_bytes();
    let url = text(v, "request_url")?;
    let signature = text(v, "x_twilio_signature")?;
    let expect = v["expect_valid"].as_bool().ok_or("expect_valid missing")?;
    let algorithm = match v["algorithm"].as_str() {
        Some("HMAC_SHA256") => Algorithm::HmacSha256,
        _ => Algorithm::HmacSha1,
    };
    let pairs = pairs(v)?;
    let body = v["body"].as_str();

    let valid = match body {
        Some(body) => validate_json(key, url, body.as_bytes(), signature).is_ok(),
        None => validate_with(key, url, Params::Pairs(&pairs), signature, algorithm).is_ok(),
    };
    if valid != expect {
        return Err(format!("validate gave {valid}, expected {expect}"));
    }

    // The signed string's HMAC, when the vector records which URL form was signed.
    if let (Some(signed_url), Some(expected)) = (
        v["signed_url_variant"].as_str(),
        v["hmac_sha1_base64_of_signed_string"].as_str(),
    ) {
        let params = if body.is_some() {
            Params::None
        } else {
            Params::Pairs(&pairs)
        };
        let ours = compute(key, signed_url, params, algorithm).map_err(|e| e.to_string())?;
        if ours.as_str() != expected {
            return Err(format!("compute gave {ours}, expected {expected}"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: check_signature_vectors <vectors dir>");
        return ExitCode::from(2);
    };
    let path = std::path::Path::new(&dir).join("signature.json");
    let doc: Value = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let groups = [
        ("vectors", "auth_token"),
        ("derived_vectors", "auth_token_or_shared_key"),
    ];
    let (mut passed, mut failed) = (0usize, 0usize);
    for (group, key_field) in groups {
        for v in doc[group].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = v["name"].as_str().unwrap_or("?");
            match check(v, key_field) {
                Ok(()) => passed += 1,
                Err(e) => {
                    failed += 1;
                    eprintln!("FAIL {group}/{name}: {e}");
                }
            }
        }
    }
    println!("signature vectors: {passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
