//! The senders behind the outbox's [`crate::outbox::Sender`] port: [`twilio::TwilioSender`]
//! sends over HTTPS with twilio-core's requests, [`dry_run::DryRunSender`] logs what it would
//! send.

pub mod dry_run;
pub mod twilio;
