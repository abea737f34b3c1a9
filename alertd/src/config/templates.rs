//! Notification text templates (minijinja) in `[[receivers]]` and `[[escalations]]`:
//! `sms_template` / `voice_template` (inline) or `sms_template_file` / `voice_template_file`,
//! how every template is compiled (one syntax for the defaults and the configured ones), and
//! the refusal of one that does not compile, with its key, line and reason.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::{Config, ConfigError, invalid};

/// Largest template file read (a template is a few lines; anything larger is a wrong path).
const MAX_TEMPLATE_FILE_BYTES: u64 = 64 * 1024;

/// Which text a template writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// The SMS text (alertd adds nothing to a group's; an escalation step adds the ACK line).
    Sms,
    /// What a call says.
    Voice,
}

impl TextKind {
    /// `sms` or `voice`, as in the keys and template names.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Voice => "voice",
        }
    }
}

/// Whose template it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner<'a> {
    /// A `[[receivers]]` entry.
    Receiver(&'a str),
    /// An `[[escalations]]` policy.
    Escalation(&'a str),
}

impl Owner<'_> {
    /// The name the template is compiled under (and counted by when it fails):
    /// `receiver/<name>/sms`, `escalation/<name>/voice`.
    pub(crate) fn template_name(self, kind: TextKind) -> String {
        match self {
            Self::Receiver(name) => format!("receiver/{name}/{}", kind.as_str()),
            Self::Escalation(name) => format!("escalation/{name}/{}", kind.as_str()),
        }
    }

    /// How a message names it: `receiver "oncall"`.
    pub(crate) fn describe(self) -> String {
        match self {
            Self::Receiver(name) => format!("receiver {name:?}"),
            Self::Escalation(name) => format!("escalation policy {name:?}"),
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Receiver(_) => "receivers",
            Self::Escalation(_) => "escalations",
        }
    }
}

/// The template keys a `[[receivers]]` entry or an `[[escalations]]` policy may set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TemplateKeys<'a> {
    /// `sms_template`.
    pub(crate) sms: Option<&'a str>,
    /// `sms_template_file`.
    pub(crate) sms_file: Option<&'a Path>,
    /// `voice_template`.
    pub(crate) voice: Option<&'a str>,
    /// `voice_template_file`.
    pub(crate) voice_file: Option<&'a Path>,
}

/// One configured template and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateSource {
    /// The name it is compiled under.
    pub(crate) name: String,
    /// Which text.
    pub(crate) kind: TextKind,
    /// The config key it was written in (`receivers.sms_template_file`, ...).
    pub(crate) key: &'static str,
    /// The template text.
    pub(crate) source: String,
}

/// The environment every template compiles in: no HTML escaping (the texts are plain text),
/// `trim_blocks` and `lstrip_blocks` (a `{% for %}` line leaves no blank line), lenient
/// undefined values (a missing label prints nothing).
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(false);
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    env
}

/// `line 3: syntax error: unexpected end of input`: where and why a template failed.
pub(crate) fn describe_error(e: &minijinja::Error) -> String {
    let reason = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    match e.line() {
        Some(line) => format!("line {line}: {reason}"),
        None => reason,
    }
}

/// The key `owner`'s `kind` template was written in.
fn key(owner: Owner<'_>, kind: TextKind, file: bool) -> &'static str {
    match (owner.table(), kind, file) {
        ("receivers", TextKind::Sms, false) => "receivers.sms_template",
        ("receivers", TextKind::Sms, true) => "receivers.sms_template_file",
        ("receivers", TextKind::Voice, false) => "receivers.voice_template",
        ("receivers", TextKind::Voice, true) => "receivers.voice_template_file",
        (_, TextKind::Sms, false) => "escalations.sms_template",
        (_, TextKind::Sms, true) => "escalations.sms_template_file",
        (_, TextKind::Voice, false) => "escalations.voice_template",
        (_, TextKind::Voice, true) => "escalations.voice_template_file",
    }
}

/// Every owner's template keys.
fn all_keys(cfg: &Config) -> Vec<(Owner<'_>, TemplateKeys<'_>)> {
    let receivers = cfg
        .receivers
        .iter()
        .map(|r| (Owner::Receiver(&r.name), r.template_keys()));
    let policies = cfg
        .escalations
        .iter()
        .map(|p| (Owner::Escalation(&p.name), p.template_keys()));
    receivers.chain(policies).collect()
}

/// Compiles `source` as `name`; a failure names the key, the owner, the line and the reason.
pub(crate) fn compile(
    env: &mut Environment<'static>,
    owner: Owner<'_>,
    template: &TemplateSource,
) -> Result<(), ConfigError> {
    env.add_template_owned(template.name.clone(), template.source.clone())
        .map_err(|e| {
            invalid(
                template.key,
                format!(
                    "{}: the template does not compile: {}",
                    owner.describe(),
                    describe_error(&e)
                ),
            )
        })
}

/// Reads a template file (relative paths were resolved against the config's folder).
fn read_file(path: &Path, owner: Owner<'_>, key: &'static str) -> Result<String, ConfigError> {
    let refuse = |why: String| {
        invalid(
            key,
            format!("{}: {}: {why}", owner.describe(), path.display()),
        )
    };
    let size = std::fs::metadata(path)
        .map_err(|e| refuse(e.to_string()))?
        .len();
    if size > MAX_TEMPLATE_FILE_BYTES {
        return Err(refuse(format!(
            "{size} bytes; a template may have at most {MAX_TEMPLATE_FILE_BYTES}"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| refuse(e.to_string()))
}

/// `owner`'s template for `kind`, if it has one: inline, or read from its file when
/// `read_files` (else a file template is skipped).
fn source(
    owner: Owner<'_>,
    kind: TextKind,
    inline: Option<&str>,
    file: Option<&Path>,
    read_files: bool,
) -> Result<Option<TemplateSource>, ConfigError> {
    let (source, from_file) = match (inline, file) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                key(owner, kind, true),
                format!(
                    "{}: set {} or {}, not both",
                    owner.describe(),
                    key(owner, kind, false),
                    key(owner, kind, true)
                ),
            ));
        }
        (Some(text), None) => (text.to_owned(), false),
        (None, Some(path)) if read_files => (read_file(path, owner, key(owner, kind, true))?, true),
        (None, _) => return Ok(None),
    };
    if source.trim().is_empty() {
        return Err(invalid(
            key(owner, kind, from_file),
            format!(
                "{}: the template is empty; remove the key to use the default text",
                owner.describe()
            ),
        ));
    }
    Ok(Some(TemplateSource {
        name: owner.template_name(kind),
        kind,
        key: key(owner, kind, from_file),
        source,
    }))
}

/// Every configured template, files read.
pub(crate) fn sources(cfg: &Config) -> Result<Vec<(Owner<'_>, TemplateSource)>, ConfigError> {
    collect(cfg, true)
}

fn collect(
    cfg: &Config,
    read_files: bool,
) -> Result<Vec<(Owner<'_>, TemplateSource)>, ConfigError> {
    let mut out = Vec::new();
    for (owner, keys) in all_keys(cfg) {
        for (kind, inline, file) in [
            (TextKind::Sms, keys.sms, keys.sms_file),
            (TextKind::Voice, keys.voice, keys.voice_file),
        ] {
            if let Some(template) = source(owner, kind, inline, file, read_files)? {
                out.push((owner, template));
            }
        }
    }
    Ok(out)
}

/// Checks the inline templates: each compiles, none is also given as a file.
pub(crate) fn validate(cfg: &Config) -> Result<(), ConfigError> {
    let mut env = environment();
    for (owner, template) in collect(cfg, false)? {
        compile(&mut env, owner, &template)?;
    }
    Ok(())
}

/// Checks the file templates too: each can be read and compiles.
pub(crate) fn validate_files(cfg: &Config) -> Result<(), ConfigError> {
    let mut env = environment();
    for (owner, template) in sources(cfg)? {
        compile(&mut env, owner, &template)?;
    }
    Ok(())
}

/// Resolves a relative template file path against the config's folder.
pub(crate) fn resolve(path: &mut Option<PathBuf>, dir: &Path) {
    if let Some(p) = path
        && p.is_relative()
    {
        *p = dir.join(&*p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_receiver(keys: &str) -> String {
        format!("[[receivers]]\nname = \"oncall\"\n{keys}\n[route]\nreceiver = \"oncall\"\n")
    }

    fn refusal(text: &str) -> (&'static str, String) {
        match Config::parse(text) {
            Err(ConfigError::Invalid { field, reason }) => (field, reason),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_template_that_does_not_compile_is_refused_with_key_line_and_reason() {
        let (field, reason) = refusal(&with_receiver(
            "sms_template = \"\"\"\n{{ status }}\n{% for a in alerts %}\n- {{ a.labels.alertname }}\n\"\"\"",
        ));
        assert_eq!(field, "receivers.sms_template");
        assert!(reason.starts_with("receiver \"oncall\""), "{reason}");
        assert!(reason.contains("line 3: syntax error"), "{reason}");
        assert!(reason.contains("end of input"), "{reason}");
        let (field, reason) = refusal(
            "[[escalations]]\nname = \"p\"\nvoice_template = \"{{ firing | }}\"\nsteps = [{channel = \"voice\", to = \"+15551230001\", after = \"0s\"}]\n[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n",
        );
        assert_eq!(field, "escalations.voice_template");
        assert!(reason.contains("escalation policy \"p\""), "{reason}");
        assert!(reason.contains("line 1: syntax error"), "{reason}");
    }

    #[test]
    fn inline_and_file_together_or_an_empty_template_are_refused() {
        let (field, reason) = refusal(&with_receiver(
            "sms_template = \"x\"\nsms_template_file = \"sms.j2\"",
        ));
        assert_eq!(field, "receivers.sms_template_file");
        assert!(reason.contains("not both"), "{reason}");
        let (field, reason) = refusal(&with_receiver("voice_template = \"  \""));
        assert_eq!(field, "receivers.voice_template");
        assert!(reason.contains("empty"), "{reason}");
    }

    #[test]
    fn file_templates_are_read_next_to_the_config_and_compiled_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alertd.toml");
        std::fs::write(&path, with_receiver("sms_template_file = \"sms.j2\"")).unwrap();
        let missing = Config::load(&path).unwrap_err().to_string();
        assert!(missing.contains("receivers.sms_template_file"), "{missing}");
        assert!(missing.contains("sms.j2"), "{missing}");
        std::fs::write(dir.path().join("sms.j2"), "ok\n{% if %}\n").unwrap();
        let broken = Config::load(&path).unwrap_err().to_string();
        assert!(broken.contains("line 2: syntax error"), "{broken}");
        std::fs::write(dir.path().join("sms.j2"), "{{ firing | length }} firing\n").unwrap();
        let cfg = Config::load(&path).unwrap();
        let sources = sources(&cfg).unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].1.name, "receiver/oncall/sms");
        assert_eq!(sources[0].1.source, "{{ firing | length }} firing\n");
    }
}
