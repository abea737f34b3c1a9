//! `[opt_out]`: how alertd answers STOP / START / HELP texts.

use serde::Deserialize;

/// Twilio's default reply to an opt-out keyword.
pub(crate) const DEFAULT_STOP_REPLY: &str = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.";
/// Twilio's default reply to an opt-in keyword.
pub(crate) const DEFAULT_START_REPLY: &str = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.";
/// Twilio's default reply to a help keyword.
pub(crate) const DEFAULT_HELP_REPLY: &str = "Reply STOP to unsubscribe. Msg&Data Rates May Apply.";

/// How alertd answers opt-out keywords.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReplyMode {
    /// A TwiML `<Message>` in the webhook's answer (for numbers without Advanced Opt-Out).
    #[default]
    Twiml,
    /// An empty `<Response />`: Twilio (Advanced Opt-Out) replies itself.
    None,
}

/// `[opt_out]`: how STOP / START / HELP are answered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptOutConfig {
    /// `"twiml"` (default) or `"none"`.
    #[serde(default)]
    pub(crate) reply: ReplyMode,
    /// Reply to STOP and its synonyms.
    #[serde(default = "default_stop")]
    pub(crate) stop_reply: String,
    /// Reply to START, YES, UNSTOP.
    #[serde(default = "default_start")]
    pub(crate) start_reply: String,
    /// Reply to HELP, INFO.
    #[serde(default = "default_help")]
    pub(crate) help_reply: String,
}

fn default_stop() -> String {
    DEFAULT_STOP_REPLY.into()
}
fn default_start() -> String {
    DEFAULT_START_REPLY.into()
}
fn default_help() -> String {
    DEFAULT_HELP_REPLY.into()
}

impl Default for OptOutConfig {
    fn default() -> Self {
        Self {
            reply: ReplyMode::default(),
            stop_reply: default_stop(),
            start_reply: default_start(),
            help_reply: default_help(),
        }
    }
}
