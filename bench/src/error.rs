//! The one error type of the bench drivers: what went wrong and what was needed.

use std::time::Duration;

/// Why a benchmark or robustness run could not go on, or failed its checks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// An HTTP exchange with a component failed or answered unexpectedly.
    #[error("{what}: {reason}")]
    Http {
        /// Which request.
        what: String,
        /// What happened.
        reason: String,
    },
    /// Something did not happen in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        after: Duration,
    },
    /// A binary or tool the run needs is missing.
    #[error("{0}")]
    Setup(String),
    /// The run completed but a check failed (lost alerts, rate exceeded, ...).
    #[error("FAILED: {0}")]
    Failed(String),
}

impl BenchError {
    /// An [`BenchError::Io`] for `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }

    /// An [`BenchError::Http`] for `what`.
    pub fn http(what: impl Into<String>) -> impl FnOnce(reqwest::Error) -> Self {
        let what = what.into();
        move |e| Self::Http {
            what,
            reason: e.to_string(),
        }
    }
}

/// Results of the drivers.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;
