//! SMS opt-out: STOP / START / HELP replies (Twilio's default keywords, [`crate::domain::opt_out`]) recorded
//! in the store's `opt_outs` table. The outbox worker does not send SMS to an opted-out number
//! (the row ends `opted_out`); calls still go out, since STOP is a messaging keyword and an
//! escalation call must still wake people. Twilio error 21610 on a send also opts the number
//! out (recorded by the store with the attempt).
//!
//! Replies: on a number without Advanced Opt-Out, Twilio does not answer these keywords for
//! an application that handles the webhook, so alertd replies itself with TwiML `<Message>`
//! (the default, `reply = "twiml"`). Where Twilio already answers (Advanced Opt-Out, or a
//! Messaging Service with opt-out handling on), set `reply = "none"` so people do not get two
//! answers; the store is updated either way.

use crate::config::opt_out::{OptOutConfig, ReplyMode};
use crate::domain::opt_out::Keyword;
use crate::domain::time::Timestamp;
use crate::store::{OptOutStore, StoreError};

/// What applying a keyword did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The keyword.
    pub(crate) keyword: Keyword,
    /// Whether the number's opt-out state changed.
    pub changed: bool,
    /// The text to reply with, if alertd replies.
    pub reply: Option<String>,
}

/// Records what `keyword` from `number` means and says what to reply. `Other` changes
/// nothing and has no reply (the caller may handle it, e.g. an ACK).
///
/// ```
/// use alertd::config::opt_out::OptOutConfig;
/// use alertd::domain::opt_out::Keyword;
/// use alertd::optout::apply;
/// use alertd::store::{OptOutStore, sqlite::SqliteStore};
/// use alertd::domain::time::Timestamp;
/// let store = SqliteStore::open_in_memory().unwrap();
/// let cfg = OptOutConfig::default();
/// let a = apply(&store, &cfg, "+15551230001", Keyword::Stop, Timestamp(1)).unwrap();
/// assert!(a.changed && a.reply.unwrap().contains("unsubscribed"));
/// assert!(store.is_opted_out("+15551230001").unwrap());
/// apply(&store, &cfg, "+15551230001", Keyword::Start, Timestamp(2)).unwrap();
/// assert!(!store.is_opted_out("+15551230001").unwrap());
/// ```
pub fn apply(
    store: &dyn OptOutStore,
    cfg: &OptOutConfig,
    number: &str,
    keyword: Keyword,
    now: Timestamp,
) -> Result<Applied, StoreError> {
    let (changed, text) = match keyword {
        Keyword::Stop => (store.opt_out(number, "stop", now)?, &cfg.stop_reply),
        Keyword::Start => (store.opt_in(number)?, &cfg.start_reply),
        Keyword::Help => (false, &cfg.help_reply),
        Keyword::Other => {
            return Ok(Applied {
                keyword,
                changed: false,
                reply: None,
            });
        }
    };
    let reply = (cfg.reply == ReplyMode::Twiml && !text.trim().is_empty()).then(|| text.clone());
    Ok(Applied {
        keyword,
        changed,
        reply,
    })
}

/// The webhook answer: `<Message>` with `reply`, or an empty `<Response />` (the same SMS
/// replies the escalation's ACK handling writes).
///
/// ```
/// let xml = alertd::optout::twiml_reply(Some("A & <B>"));
/// assert!(xml.ends_with("<Response><Message>A &amp; &lt;B&gt;</Message></Response>"));
/// assert!(alertd::optout::twiml_reply(None).ends_with("<Response />"));
/// ```
pub fn twiml_reply(reply: Option<&str>) -> String {
    reply.map_or_else(
        crate::escalation::twiml::empty,
        crate::escalation::twiml::message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::opt_out::{DEFAULT_HELP_REPLY, DEFAULT_STOP_REPLY};
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn stop_start_help_and_reply_modes() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cfg = OptOutConfig::default();
        let n = "+15551230001";
        let stop = apply(&store, &cfg, n, Keyword::Stop, Timestamp(5)).unwrap();
        assert_eq!(stop.reply.as_deref(), Some(DEFAULT_STOP_REPLY));
        assert!(stop.changed);
        let again = apply(&store, &cfg, n, Keyword::Stop, Timestamp(6)).unwrap();
        assert!(!again.changed, "already opted out");
        assert_eq!(store.opt_outs().unwrap()[0].since, Timestamp(5));
        let help = apply(&store, &cfg, n, Keyword::Help, Timestamp(7)).unwrap();
        assert_eq!(help.reply.as_deref(), Some(DEFAULT_HELP_REPLY));
        assert!(store.is_opted_out(n).unwrap(), "HELP changes nothing");
        let other = apply(&store, &cfg, n, Keyword::Other, Timestamp(7)).unwrap();
        assert_eq!((other.changed, other.reply), (false, None));
        let quiet = OptOutConfig {
            reply: ReplyMode::None,
            ..OptOutConfig::default()
        };
        let start = apply(&store, &quiet, n, Keyword::Start, Timestamp(8)).unwrap();
        assert_eq!((start.changed, start.reply), (true, None));
        assert!(!store.is_opted_out(n).unwrap());
    }

    #[test]
    fn config_parses_and_refuses_unknown_modes() {
        let cfg: OptOutConfig =
            toml::from_str("reply = \"none\"\nhelp_reply = \"Ops line\"").unwrap();
        assert_eq!(cfg.reply, ReplyMode::None);
        assert_eq!(cfg.help_reply, "Ops line");
        assert_eq!(cfg.stop_reply, DEFAULT_STOP_REPLY);
        assert!(toml::from_str::<OptOutConfig>("reply = \"sms\"").is_err());
        assert!(toml::from_str::<OptOutConfig>("replies = \"none\"").is_err());
    }
}
