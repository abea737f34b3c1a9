//! Resource status enums, exactly as the v2010 OpenAPI spec lists them, with an `Unknown` fallback.
//!
//! A status Twilio adds later parses as `Unknown` instead of failing the whole response.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

macro_rules! status_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know (or a missing field).
            #[default]
            Unknown,
        }

        impl $name {
            // Tables rather than a `match` on byte strings (on a Cortex-M0 every `match` arm
            // became its own comparison): the spellings as one NUL-terminated list, so the
            // table holds no 8-byte `&str` per entry, and the variants in the same order.
            const NAMES: &'static str = concat!($( $text, "\0", )*);
            const VARIANTS: &'static [$name] = &[ $( $name::$variant, )* ];

            /// Parses Twilio's spelling; anything unrecognised is `Unknown`.
            pub fn from_wire(text: &[u8]) -> Self {
                wire_index(Self::NAMES, text)
                    .and_then(|i| Self::VARIANTS.get(i))
                    .map_or(Self::Unknown, |&status| status)
            }

            /// Twilio's spelling, or `"unknown"` for `Unknown`.
            pub fn as_str(self) -> &'static str {
                Self::VARIANTS
                    .iter()
                    .position(|&status| status == self)
                    .and_then(|i| Self::NAMES.split('\0').nth(i))
                    .unwrap_or("unknown")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a status string")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v.as_bytes()))
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name::Unknown)
                    }
                    fn visit_none<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name::Unknown)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// Where `text` is in a NUL-terminated list of names: one loop that every status enum shares.
#[inline(never)]
fn wire_index(names: &str, text: &[u8]) -> Option<usize> {
    let names = names.as_bytes();
    let (mut index, mut start) = (0, 0);
    for (end, &b) in names.iter().enumerate() {
        if b == 0 {
            if names.get(start..end) == Some(text) {
                return Some(index);
            }
            index += 1;
            start = end + 1;
        }
    }
    None
}

status_enum! {
    /// `message_enum_status` from the v2010 spec.
    ///
    /// ```
    /// use twilio_core::response::MessageStatus;
    ///
    /// assert_eq!(MessageStatus::from_wire(b"partially_delivered"), MessageStatus::PartiallyDelivered);
    /// assert_eq!(MessageStatus::from_wire(b"teleported"), MessageStatus::Unknown);
    /// assert_eq!(MessageStatus::Queued.as_str(), "queued");
    /// ```
    MessageStatus {
        /// `queued`: waiting to be sent.
        Queued = "queued",
        /// `sending`: being handed to the carrier.
        Sending = "sending",
        /// `sent`: the carrier accepted it.
        Sent = "sent",
        /// `failed`: not sent (see `error_code`).
        Failed = "failed",
        /// `delivered`: the carrier confirmed delivery.
        Delivered = "delivered",
        /// `undelivered`: the carrier could not deliver it (see `error_code`).
        Undelivered = "undelivered",
        /// `receiving`: an inbound message being received.
        Receiving = "receiving",
        /// `received`: an inbound message was received.
        Received = "received",
        /// `accepted`: a Messaging Service accepted it.
        Accepted = "accepted",
        /// `scheduled`: scheduled for later.
        Scheduled = "scheduled",
        /// `read`: read by the recipient (channels that report it).
        Read = "read",
        /// `partially_delivered`: some segments were delivered.
        PartiallyDelivered = "partially_delivered",
        /// `canceled`: a scheduled message was canceled.
        Canceled = "canceled",
    }
}

status_enum! {
    /// `call_enum_status` from the v2010 spec.
    ///
    /// ```
    /// use twilio_core::response::CallStatus;
    ///
    /// assert_eq!(CallStatus::from_wire(b"no-answer"), CallStatus::NoAnswer);
    /// assert_eq!(CallStatus::InProgress.as_str(), "in-progress");
    /// ```
    CallStatus {
        /// `queued`: waiting to be placed.
        Queued = "queued",
        /// `ringing`: the callee's phone is ringing.
        Ringing = "ringing",
        /// `in-progress`: answered and ongoing.
        InProgress = "in-progress",
        /// `completed`: answered and ended normally.
        Completed = "completed",
        /// `busy`: the callee was busy.
        Busy = "busy",
        /// `failed`: the call could not be placed.
        Failed = "failed",
        /// `no-answer`: nobody answered.
        NoAnswer = "no-answer",
        /// `canceled`: canceled while queued or ringing.
        Canceled = "canceled",
    }
}

status_enum! {
    /// `AnsweredBy` from answering machine detection.
    ///
    /// ```
    /// use twilio_core::response::AnsweredBy;
    ///
    /// assert_eq!(AnsweredBy::from_wire(b"machine_end_beep"), AnsweredBy::MachineEndBeep);
    /// ```
    AnsweredBy {
        /// `human`.
        Human = "human",
        /// `machine_start` (`MachineDetection=Enable`).
        MachineStart = "machine_start",
        /// `machine_end_beep` (`DetectMessageEnd`).
        MachineEndBeep = "machine_end_beep",
        /// `machine_end_silence` (`DetectMessageEnd`).
        MachineEndSilence = "machine_end_silence",
        /// `machine_end_other` (`DetectMessageEnd`).
        MachineEndOther = "machine_end_other",
        /// `fax`.
        Fax = "fax",
    }
}

impl MessageStatus {
    /// True for statuses after which the message's state no longer changes.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Read | Self::Canceled
        )
    }
}

impl CallStatus {
    /// True once the call has ended, for whatever reason.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::Failed | Self::NoAnswer | Self::Canceled
        )
    }
}

status_enum! {
    /// A verification's `status` (Verify v2).
    ///
    /// ```
    /// use twilio_core::response::VerificationStatus;
    ///
    /// assert_eq!(VerificationStatus::from_wire(b"max_attempts_reached"), VerificationStatus::MaxAttemptsReached);
    /// assert_eq!(VerificationStatus::Approved.as_str(), "approved");
    /// ```
    VerificationStatus {
        /// `pending`: a code was sent and not yet matched (also the answer to a wrong code).
        Pending = "pending",
        /// `approved`: the code matched.
        Approved = "approved",
        /// `canceled`: canceled before it was approved.
        Canceled = "canceled",
        /// `max_attempts_reached`: too many wrong codes or sends.
        MaxAttemptsReached = "max_attempts_reached",
        /// `deleted`: removed.
        Deleted = "deleted",
        /// `failed`: the code could not be delivered.
        Failed = "failed",
        /// `expired`: not approved in time (10 minutes by default).
        Expired = "expired",
    }
}

status_enum! {
    /// A number's line type from Lookup v2's line type intelligence.
    ///
    /// ```
    /// use twilio_core::response::LineType;
    ///
    /// assert_eq!(LineType::from_wire(b"nonFixedVoip"), LineType::NonFixedVoip);
    /// assert!(!LineType::Landline.receives_sms());
    /// assert!(LineType::Mobile.receives_sms());
    /// ```
    LineType {
        /// `mobile`.
        Mobile = "mobile",
        /// `landline`: calls only.
        Landline = "landline",
        /// `fixedVoip`: VoIP tied to an address.
        FixedVoip = "fixedVoip",
        /// `nonFixedVoip`: VoIP not tied to an address (Google Voice ...).
        NonFixedVoip = "nonFixedVoip",
        /// `tollFree`.
        TollFree = "tollFree",
        /// `personal`.
        Personal = "personal",
        /// `premium`: premium rate.
        Premium = "premium",
        /// `sharedCost`.
        SharedCost = "sharedCost",
        /// `uan`: universal access number.
        Uan = "uan",
        /// `voicemail`.
        Voicemail = "voicemail",
        /// `pager`.
        Pager = "pager",
    }
}

impl VerificationStatus {
    /// True once the verification can no longer be approved.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Unknown)
    }
}

impl LineType {
    /// False for lines that cannot receive a text message (landlines, toll-free, premium,
    /// shared-cost, UAN and voicemail numbers); true for mobile, VoIP, personal numbers and
    /// pagers, and for an unknown type (the send then shows).
    pub fn receives_sms(self) -> bool {
        !matches!(
            self,
            Self::Landline
                | Self::TollFree
                | Self::Premium
                | Self::SharedCost
                | Self::Uan
                | Self::Voicemail
        )
    }
}
