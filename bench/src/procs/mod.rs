//! Child processes the drivers start (alertd, twilio-sim, Alertmanager): located in the target
//! dir, logged to files, killed when dropped so no run leaves a process behind.

pub mod alertd;
pub mod alertmanager;
pub mod sim;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{BenchError, Result};

/// How both systems group alerts: the same `group_by`, `group_wait` and `group_interval`.
#[derive(Debug, Clone)]
pub struct Grouping {
    /// Label names; `["..."]` makes every alert its own group.
    pub group_by: Vec<String>,
    /// `group_wait`, e.g. `"1s"`.
    pub group_wait: String,
    /// `group_interval`, e.g. `"5s"`.
    pub group_interval: String,
    /// alertd's SMS template, when a driver reads its texts (Alertmanager has no such text).
    pub sms_template: Option<String>,
}

impl Grouping {
    /// Every alert its own group, notified after `group_wait`; the next flush a minute later.
    ///
    /// ```
    /// let g = alertd_bench::procs::Grouping::per_alert("0s");
    /// assert_eq!(g.group_by, ["..."]);
    /// ```
    pub fn per_alert(group_wait: &str) -> Self {
        Self {
            group_by: vec!["...".into()],
            group_wait: group_wait.into(),
            group_interval: "1m".into(),
            sms_template: None,
        }
    }

    /// `group_by` as a quoted list, the same in TOML and YAML flow style.
    ///
    /// ```
    /// let g = alertd_bench::procs::Grouping { group_by: vec!["site".into()], group_wait: "1s".into(), group_interval: "5s".into(), sms_template: None };
    /// assert_eq!(g.group_by_list(), r#"["site"]"#);
    /// ```
    pub fn group_by_list(&self) -> String {
        let names: Vec<String> = self.group_by.iter().map(|n| format!("{n:?}")).collect();
        format!("[{}]", names.join(", "))
    }
}

/// A running child process, killed (SIGKILL) and reaped on drop.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: Child,
}

impl ChildGuard {
    /// Starts `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Result<Self> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(BenchError::io(format!("open log {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(BenchError::io("duplicate log handle"))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(BenchError::io(format!("start {name}")))?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9` and reap: nothing gets to run a shutdown path.
    pub fn kill9(&mut self) -> Result<()> {
        // On Unix `Child::kill` is SIGKILL.
        self.child
            .kill()
            .map_err(BenchError::io(format!("kill -9 {}", self.name)))?;
        self.child
            .wait()
            .map_err(BenchError::io(format!("reap {}", self.name)))?;
        Ok(())
    }

    /// Fails when the process has exited (it should be serving).
    pub fn check_alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(BenchError::Setup(format!(
                "{} exited early ({status}); see its log",
                self.name
            ))),
            Err(e) => Err(BenchError::Io {
                what: format!("poll {}", self.name),
                source: e,
            }),
        }
    }

    /// Peak resident set size (VmHWM) in KiB, from /proc.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        status_field(self.pid(), "VmHWM:")
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A numeric field (in kB) of /proc/PID/status.
fn status_field(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The workspace's target dir: `CARGO_TARGET_DIR`, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}

/// `given`, else the release build of `name` in the target dir; an error says how to build it.
pub fn binary(given: Option<&Path>, name: &str) -> Result<PathBuf> {
    let path = given.map_or_else(
        || target_dir().join("release").join(name),
        Path::to_path_buf,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(BenchError::Setup(format!(
            "{} not found: run `cargo build --release -p alertd -p twilio-sim` (CARGO_TARGET_DIR is honoured) or pass its path",
            path.display()
        )))
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(BenchError::io("bind a free loopback port"))?;
    Ok(listener
        .local_addr()
        .map_err(BenchError::io("read the bound port"))?
        .port())
}

/// Polls `probe` every 50 ms until it returns true or `timeout` passes.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if probe().await {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(BenchError::Timeout {
                what: what.to_owned(),
                after: timeout,
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
