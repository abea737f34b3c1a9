//! Checks twilio-core's text module against the shared reference vectors:
//! segments.json (Twilio's segment calculator cases), gsm7_charset.json and
//! smart_encoding_map.json.
//!
//! `cargo run -p twilio-core --example check_shared_vectors -- "$SHARED_DIR/twilio/vectors"`
//!
//! Prints every mismatch and exits non-zero if there is any.

use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;
use twilio_core::text::{gsm7, segments, smart_encoding};

fn load(dir: &Path, name: &str) -> Result<Value, String> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Compares one field; records a mismatch.
fn expect(failures: &mut Vec<String>, case: &str, key: &str, got: &Value, want: Option<&Value>) {
    if let Some(want) = want
        && got != want
    {
        failures.push(format!("{case}: {key}: got {got}, want {want}"));
    }
}

fn check_segments(dir: &Path, failures: &mut Vec<String>) -> Result<usize, String> {
    let data = load(dir, "segments.json")?;
    let cases = data["cases"].as_array().ok_or("segments.json: no cases")?;
    let mut buf = vec![0u8; 64 * 1024];
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let original = case["body"].as_str().ok_or(format!("{name}: no body"))?;
        let smart = case["smart_encoding"].as_bool().unwrap_or(false);
        let body = if smart {
            smart_encoding::replace(original, &mut buf).map_err(|e| format!("{name}: {e}"))?
        } else {
            original
        };
        if let Some(want) = case.get("smart_encoded_body") {
            expect(
                failures,
                name,
                "smart_encoded_body",
                &Value::from(body),
                Some(want),
            );
        }
        let count = segments::count(body);
        let parts: Vec<_> = segments::split(body).collect();
        let per_segment: Vec<usize> = parts.iter().map(|s| s.characters).collect();
        // Twilio's "characters": septets in GSM-7, user-perceived characters in UCS-2.
        let characters = match count.encoding {
            segments::Encoding::Gsm7 => count.units,
            segments::Encoding::Ucs2 => per_segment.iter().sum(),
        };
        let got = [
            ("encoding", Value::from(count.encoding.name())),
            ("segments", Value::from(count.segments)),
            ("messageSize", Value::from(count.message_bits())),
            ("totalSize", Value::from(count.total_bits())),
            ("characters", Value::from(characters)),
            ("unicodeScalars", Value::from(original.chars().count())),
            (
                "utf16_code_units",
                Value::from(original.encode_utf16().count()),
            ),
            ("per_segment_payload_chars", Value::from(per_segment)),
        ];
        for source in ["expected", "oracle"] {
            for (key, value) in &got {
                // The calculator counts unicodeScalars of the smart-encoded body.
                if smart && *key == "unicodeScalars" {
                    continue;
                }
                expect(
                    failures,
                    &format!("{name} ({source})"),
                    key,
                    value,
                    case[source].get(*key),
                );
            }
        }
    }
    Ok(cases.len())
}

fn check_charset(dir: &Path, failures: &mut Vec<String>) -> Result<usize, String> {
    let data = load(dir, "gsm7_charset.json")?;
    let chars = data["chars"]
        .as_array()
        .ok_or("gsm7_charset.json: no chars")?;
    for entry in chars {
        let c = entry["char"]
            .as_str()
            .and_then(|s| s.chars().next())
            .ok_or("gsm7_charset.json: entry without char")?;
        let units = entry["gsm_units"].as_array().map_or(0, Vec::len);
        let extension = entry["extension"].as_bool().unwrap_or(false);
        let want = if extension { 2 } else { 1 };
        if gsm7::septets(c) != Some(want) || units != usize::from(want) {
            failures.push(format!(
                "gsm7 {:?} ({}): septets {:?}, vector says {} units, extension {}",
                c,
                entry["unicode"],
                gsm7::septets(c),
                units,
                extension
            ));
        }
    }
    let in_table = (0..=0x10_FFFF_u32)
        .filter_map(char::from_u32)
        .filter(|&c| gsm7::is_gsm7(c))
        .count();
    if in_table != chars.len() {
        failures.push(format!(
            "gsm7: {in_table} characters in our tables, {} in the vectors",
            chars.len()
        ));
    }
    Ok(chars.len())
}

fn check_smart_map(dir: &Path, failures: &mut Vec<String>) -> Result<usize, String> {
    let data = load(dir, "smart_encoding_map.json")?;
    let map = data["map"]
        .as_array()
        .ok_or("smart_encoding_map.json: no map")?;
    for entry in map {
        let from = entry["from"]
            .as_str()
            .and_then(|s| s.chars().next())
            .ok_or("smart_encoding_map.json: entry without from")?;
        let to = entry["to"]
            .as_str()
            .ok_or("smart_encoding_map.json: entry without to")?;
        if smart_encoding::replacement(from) != Some(to) {
            failures.push(format!(
                "smart encoding {}: got {:?}, want {to:?}",
                entry["from_unicode"],
                smart_encoding::replacement(from)
            ));
        }
    }
    let in_table = (0..=0x10_FFFF_u32)
        .filter_map(char::from_u32)
        .filter(|&c| smart_encoding::replacement(c).is_some())
        .count();
    if in_table != map.len() {
        failures.push(format!(
            "smart encoding: {in_table} replacements in our table, {} in the vectors",
            map.len()
        ));
    }
    Ok(map.len())
}

/// One vectors file's check: the number of cases, mismatches pushed to the list.
type Check = fn(&Path, &mut Vec<String>) -> Result<usize, String>;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: check_shared_vectors <vectors dir>");
        return ExitCode::from(2);
    };
    let dir = Path::new(&dir);
    let mut failures = Vec::new();
    let checks: [(&str, Check); 3] = [
        ("segments.json", check_segments),
        ("gsm7_charset.json", check_charset),
        ("smart_encoding_map.json", check_smart_map),
    ];
    for (name, check) in checks {
        let before = failures.len();
        match check(dir, &mut failures) {
            Ok(n) => println!("{name}: {n} cases, {} mismatches", failures.len() - before),
            Err(e) => failures.push(format!("{name}: cannot check: {e}")),
        }
    }
    for failure in &failures {
        eprintln!("MISMATCH {failure}");
    }
    if failures.is_empty() {
        println!("all shared text vectors agree");
        ExitCode::SUCCESS
    } else {
        eprintln!("{} mismatches", failures.len());
        ExitCode::FAILURE
    }
}
