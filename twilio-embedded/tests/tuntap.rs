//! The client on a real embassy-net stack (smoltcp) over a Linux TAP device, against twilio-sim
//! over TLS 1.3: TcpConnector (IP literal, connect timeout), keep-alive reuse, EmbassySleeper.
//!
//! Needs root and /dev/net/tun (it creates and removes the `twtap0` interface); elsewhere it
//! prints why it was skipped and passes. Run: `cargo test -p twilio-embedded --features embassy
//! --test tuntap`.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

use embassy_net::tcp::client::{TcpClient, TcpClientState};
use embassy_net::{Config, Ipv4Cidr, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use rand_core_06::{OsRng, RngCore};
use twilio_core::auth::Credentials;
use twilio_core::outcome::Outcome;
use twilio_core::request::HttpConfig;
use twilio_embedded::net::{EmbassySleeper, TcpConnector};
use twilio_embedded::retry::RetryPolicy;
use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
use twilio_embedded::{Buffers, Client, ClientConfig};
use twilio_sim::{SimConfig, Simulator, TlsVersions};

const TAP: &str = "twtap0";
const HOST_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 69, 1);
const DEVICE_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 69, 2);

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

/// Why this machine cannot run the test, if it cannot.
fn skip_reason() -> Option<String> {
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun is missing".into());
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root (creating a TAP interface needs CAP_NET_ADMIN)".into());
    }
    None
}

/// The TAP interface, removed again on drop.
struct Tap;

impl Tap {
    fn create() -> Option<Self> {
        // A leftover from an interrupted run; usually absent.
        let _ = Command::new("ip")
            .args(["link", "del", TAP])
            .stderr(Stdio::null())
            .status();
        let ok = ip(&["tuntap", "add", "name", TAP, "mode", "tap"])
            && ip(&["addr", "add", "192.168.69.1/24", "dev", TAP])
            && ip(&["link", "set", TAP, "up"]);
        ok.then_some(Tap)
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", TAP]);
    }
}

#[test]
fn sms_over_embassy_net_on_a_tap_device() {
    if let Some(reason) = skip_reason() {
        println!("skipped: {reason}");
        return;
    }
    let Some(_tap) = Tap::create() else {
        println!("skipped: could not create the {TAP} interface (ip tuntap add failed)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let sim = Simulator::start(SimConfig {
            listen: SocketAddr::from((HOST_IP, 0)),
            tls_versions: TlsVersions::Tls13Only,
            ..SimConfig::default()
        })
        .await
        .unwrap();

        let device = TunTapDevice::new(TAP).unwrap();
        let config = Config::ipv4_static(StaticConfigV4 {
            address: Ipv4Cidr::new(DEVICE_IP, 24),
            gateway: None,
            dns_servers: heapless::Vec::new(),
        });
        let resources = Box::leak(Box::new(StackResources::<4>::new()));
        let (stack, mut runner) = embassy_net::new(device, config, resources, OsRng.next_u64());
        tokio::task::spawn_local(async move { runner.run().await });
        tokio::time::timeout(Duration::from_secs(10), stack.wait_config_up())
            .await
            .unwrap();

        let state = Box::leak(Box::new(TcpClientState::<1, 4096, 4096>::new()));
        let mut pool = TcpClient::new(stack, state);
        pool.set_timeout(Some(embassy_time::Duration::from_secs(10)));
        let pool = Box::leak(Box::new(pool));
        let host_ip = HOST_IP.to_string();
        let connector = TcpConnector::new(stack, pool, &host_ip, sim.local_addr().port());

        let host_header = format!("localhost:{}", sim.local_addr().port());
        let anchors = [sim.ca_der()];
        let config = ClientConfig {
            credentials: Credentials::auth_token(sim.account_sid(), sim.auth_token()).unwrap(),
            http: HttpConfig::default().with_host(&host_header).unwrap(),
            tls: TlsSettings::new(
                "localhost",
                ServerVerification::anchors(TrustAnchors::new(&anchors)),
            ),
            from: "+15005550006",
            recipients: &[],
            retry: RetryPolicy::default(),
        };
        let mut buffers = Box::new(Buffers::new());
        let mut client: Client<'_, _, _, _> =
            Client::new(config, connector, OsRng, EmbassySleeper, &mut buffers);

        for body in ["over smoltcp", "same connection"] {
            let outcome = tokio::time::timeout(
                Duration::from_secs(30),
                client.send_sms("+14155550100", body),
            )
            .await
            .unwrap()
            .unwrap();
            assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
        }
        assert!(client.is_connected());
        let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
        assert_eq!(bodies, ["over smoltcp", "same connection"]);
        assert_eq!(sim.requests().len(), 2);
    });
}
