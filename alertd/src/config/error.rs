//! What is wrong with a config.

/// A config that could not be read, parsed or validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The TOML is malformed, has an unknown key or a value of the wrong type.
    #[error("config is not valid: {reason}")]
    Parse {
        /// What the TOML parser said, with the line.
        reason: String,
    },
    /// A value is well-formed TOML but not acceptable.
    #[error("config field `{field}`: {reason}")]
    Invalid {
        /// Dotted path of the field.
        field: &'static str,
        /// What was wrong and what is needed.
        reason: String,
    },
    /// A `*_file` secret could not be read.
    #[error("cannot read secret `{field}` from {path}: {reason}")]
    SecretFile {
        /// Which secret.
        field: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
}
