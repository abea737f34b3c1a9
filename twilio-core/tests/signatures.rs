//! Signature vectors generated with the official `twilio` Python package
//! (`data/make_signature_vectors.py`), plus tampering: every changed input must fail.

use serde_json::Value;
use twilio_core::webhook::{
    Algorithm, FormBody, Params, SignatureError, compute, validate_json, validate_with,
};

struct Vector {
    name: String,
    token: String,
    signed_url: String,
    request_url: String,
    pairs: Vec<(String, String)>,
    form_body: String,
    json_body: Option<String>,
    signature: String,
    algorithm: Algorithm,
    expect_valid: bool,
}

#[cfg(test)]
impl Vector {
    fn pair_refs(&self) -> Vec<(&str, &str)> {
        self.pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn check(&self, token: &str, url: &str, form_body: &str, signature: &str) -> bool {
        if let Some(body) = &self.json_body {
            validate_json(token.as_bytes(), url, body.as_bytes(), signature).is_ok()
        } else {
            let params = Params::Form(FormBody::new(form_body.as_bytes()));
            validate_with(token.as_bytes(), url, params, signature, self.algorithm).is_ok()
        }
    }
}

#[cfg(test)]
fn vectors() -> Vec<Vector> {
    let doc: Value = serde_json::from_str(include_str!("data/signature_vectors.json")).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            name: text(&v["name"]),
            token: text(&v["auth_token"]),
            signed_url: text(&v["signed_url"]),
            request_url: text(&v["request_url"]),
            pairs: v["params"]
                .as_array()
                .map(|ps| ps.iter().map(|p| (text(&p[0]), text(&p[1]))).collect())
                .unwrap_or_default(),
            form_body: v["form_body"].as_str().unwrap_or_default().to_owned(),
            json_body: v["json_body"].as_str().map(str::to_owned),
            signature: text(&v["signature"]),
            algorithm: if v["algorithm"] == "HMAC_SHA256" {
                Algorithm::HmacSha256
            } else {
                Algorithm::HmacSha1
            },
            expect_valid: v["expect_valid"].as_bool().unwrap(),
        })
        .collect()
}

#[test]
fn there_are_enough_vectors() {
    let all = vectors();
    assert!(all.len() >= 20);
    assert!(all.iter().any(|v| v.json_body.is_some()));
    assert!(all.iter().any(|v| !v.expect_valid));
}

#[test]
fn compute_matches_the_official_library() {
    for v in vectors() {
        let pairs = v.pair_refs();
        let from_pairs = compute(
            v.token.as_bytes(),
            &v.signed_url,
            Params::Pairs(&pairs),
            v.algorithm,
        )
        .unwrap();
        assert_eq!(from_pairs.as_str(), v.signature, "{} (pairs)", v.name);
        if v.json_body.is_none() {
            let from_form = compute(
                v.token.as_bytes(),
                &v.signed_url,
                Params::Form(FormBody::new(v.form_body.as_bytes())),
                v.algorithm,
            )
            .unwrap();
            assert_eq!(from_form.as_str(), v.signature, "{} (form body)", v.name);
        }
    }
}

#[test]
fn validate_agrees_with_the_official_library() {
    for v in vectors() {
        assert_eq!(
            v.check(&v.token, &v.request_url, &v.form_body, &v.signature),
            v.expect_valid,
            "{}",
            v.name
        );
        if v.json_body.is_none() {
            let pairs = v.pair_refs();
            let ok = validate_with(
                v.token.as_bytes(),
                &v.request_url,
                Params::Pairs(&pairs),
                &v.signature,
                v.algorithm,
            )
            .is_ok();
            assert_eq!(ok, v.expect_valid, "{} (pairs)", v.name);
        }
    }
}

#[test]
fn tampered_url_param_token_or_signature_fails() {
    for v in vectors().into_iter().filter(|v| v.expect_valid) {
        let url = &v.request_url;
        let tampered_url = match url.find('?') {
            Some(q) => format!("{}x{}", &url[..q], &url[q..]),
            None => format!("{url}x"),
        };
        assert!(
            !v.check(&v.token, &tampered_url, &v.form_body, &v.signature),
            "{}: url",
            v.name
        );
        assert!(
            !v.check(&format!("{}x", v.token), url, &v.form_body, &v.signature),
            "{}: token",
            v.name
        );
        let mut sig = v.signature.clone().into_bytes();
        sig[3] = if sig[3] == b'A' { b'B' } else { b'A' };
        let sig = String::from_utf8(sig).unwrap();
        assert!(
            !v.check(&v.token, url, &v.form_body, &sig),
            "{}: signature",
            v.name
        );
        assert!(
            !v.check(&v.token, url, &v.form_body, ""),
            "{}: empty",
            v.name
        );

        match &v.json_body {
            Some(body) => {
                let changed = format!("{body} ");
                assert_eq!(
                    validate_json(v.token.as_bytes(), url, changed.as_bytes(), &v.signature),
                    Err(SignatureError::BodyHashMismatch),
                    "{}: body",
                    v.name
                );
            }
            None if !v.form_body.is_empty() => {
                // Change one decoded value, add a parameter, drop one.
                let changed = v.form_body.replacen('=', "=x", 1);
                assert!(
                    !v.check(&v.token, url, &changed, &v.signature),
                    "{}: param",
                    v.name
                );
                let added = format!("{}&Extra=1", v.form_body);
                assert!(
                    !v.check(&v.token, url, &added, &v.signature),
                    "{}: added",
                    v.name
                );
                let dropped = v.form_body.split_once('&').map_or("", |(_, rest)| rest);
                assert!(
                    !v.check(&v.token, url, dropped, &v.signature),
                    "{}: dropped",
                    v.name
                );
            }
            None => {}
        }
    }
}

#[test]
fn repeated_identical_pairs_count_once_but_new_values_count() {
    let url = "https://example.com/hook";
    let one = compute(b"t", url, Params::Pairs(&[("A", "1")]), Algorithm::HmacSha1).unwrap();
    let twice = compute(
        b"t",
        url,
        Params::Pairs(&[("A", "1"), ("A", "1")]),
        Algorithm::HmacSha1,
    )
    .unwrap();
    let two = compute(
        b"t",
        url,
        Params::Pairs(&[("A", "1"), ("A", "2")]),
        Algorithm::HmacSha1,
    )
    .unwrap();
    assert_eq!(one, twice);
    assert_ne!(one, two);
}

#[test]
fn node_style_whatwg_query_form_is_accepted() {
    // twilio-node accepts a signature over the URL with the query WHATWG-encoded (' -> %27).
    let pairs = [("From", "+1")];
    let signed = compute(
        b"12345",
        "https://example.com/x?Body=It%27s+here",
        Params::Pairs(&pairs),
        Algorithm::HmacSha1,
    )
    .unwrap();
    assert_eq!(
        validate_with(
            b"12345",
            "https://example.com/x?Body=It's+here",
            Params::Pairs(&pairs),
            signed.as_str(),
            Algorithm::HmacSha1,
        ),
        Ok(())
    );
}

#[test]
fn errors_are_specific() {
    let sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    assert_eq!(
        validate_json(
            b"12345",
            "https://mycompany.com/myapp.php?foo=1",
            b"{}",
            sig
        ),
        Err(SignatureError::MissingBodyHash)
    );
    assert_eq!(
        validate_with(b"k", "/relative", Params::None, sig, Algorithm::HmacSha1),
        Err(SignatureError::InvalidUrl)
    );
    let many = "k=v&".repeat(300);
    assert_eq!(
        validate_with(
            b"k",
            "https://h/",
            Params::Form(FormBody::new(many.as_bytes())),
            sig,
            Algorithm::HmacSha1
        ),
        Err(SignatureError::TooManyParams { max: 256 })
    );
}

#[test]
fn large_bodies_sort_the_same_way_as_small_ones() {
    use base64::Engine;
    use hmac::Mac;
    let url = "https://example.com/hook";
    let reference = |pairs: &[(&str, &str)]| {
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let signed: String = sorted.iter().fold(url.to_owned(), |s, (k, v)| s + k + v);
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(b"key").unwrap();
        mac.update(signed.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    };
    // 100 pairs (past the 64 sorted on the stack), with repeats and escapes; and 50 (on it).
    let pairs: Vec<(String, String)> = (0..100)
        .map(|i| (format!("k{}", i % 37), format!("+v {}", i % 11)))
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for n in [100, 50] {
        let subset = &refs[..n];
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(subset)
            .finish();
        let expected = reference(subset);
        let from_pairs = compute(b"key", url, Params::Pairs(subset), Algorithm::HmacSha1).unwrap();
        let from_form = compute(
            b"key",
            url,
            Params::Form(FormBody::new(body.as_bytes())),
            Algorithm::HmacSha1,
        )
        .unwrap();
        assert_eq!(from_pairs.as_str(), expected, "{n} pairs");
        assert_eq!(from_form.as_str(), expected, "{n} pairs, form");
    }
}
