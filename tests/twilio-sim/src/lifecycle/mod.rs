//! What happens after a resource is created: message delivery, call progress and TwiML, and the
//! signed callbacks that report them. Behaviour per number is scripted by tests (`script`).

pub(crate) mod call;
pub(crate) mod message;
pub(crate) mod webhook;
