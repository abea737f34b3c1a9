//! Writes a throwaway test CA and a relay certificate it signed (for `localhost` and
//! 127.0.0.1, ECDSA P-256, what twilio-embedded verifies without a heap) into a folder:
//! `relay-ca.pem`, `relay-cert.pem`, `relay-key.pem`. For trying the device relay locally and
//! for `.ci/checks/75-relay-stock-client.sh`; a real gateway uses a certificate from your CA.
//!
//! ```sh
//! cargo run -p alertd --example relay_test_cert -- /tmp/relay-tls
//! ```
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

fn write(dir: &std::path::Path) -> Result<(), String> {
    let e = |e: rcgen::Error| e.to_string();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "alertd relay test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(e)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(e)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let mut leaf =
        CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).map_err(e)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(e)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(e)?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (name, pem) in [
        ("relay-ca.pem", ca_cert.pem()),
        ("relay-cert.pem", leaf_cert.pem()),
        ("relay-key.pem", leaf_key.serialize_pem()),
    ] {
        std::fs::write(dir.join(name), pem).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: relay_test_cert <output folder>");
        return ExitCode::FAILURE;
    };
    match write(&dir) {
        Ok(()) => {
            println!(
                "wrote relay-ca.pem, relay-cert.pem, relay-key.pem to {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("relay_test_cert: {e}");
            ExitCode::FAILURE
        }
    }
}
