//! The TwiML verbs alerting needs, as borrowed, `Copy` values built with `const fn`s.
//!
//! Attributes are written in alphabetical order and empty elements as `<Verb />`, as the
//! official helper libraries write them, so output can be compared byte for byte.

/// HTTP method Twilio uses for an `action` or redirect URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What `<Gather>` listens for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Input {
    /// Keypresses.
    Dtmf,
    /// Speech.
    Speech,
    /// Either.
    DtmfSpeech,
}

impl Input {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Input::Dtmf => "dtmf",
            Input::Speech => "speech",
            Input::DtmfSpeech => "dtmf speech",
        }
    }
}

/// `<Say>`: text to speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Say<'a> {
    /// What to say.
    pub text: &'a str,
    /// Voice, e.g. `"alice"` or `"Polly.Joanna"`.
    pub voice: Option<&'a str>,
    /// Language, e.g. `"en-US"`.
    pub language: Option<&'a str>,
    /// Times to repeat (0 repeats until the call ends).
    pub loop_count: Option<u32>,
}

impl<'a> Say<'a> {
    /// Say `text` with Twilio's default voice.
    pub const fn new(text: &'a str) -> Self {
        Self {
            text,
            voice: None,
            language: None,
            loop_count: None,
        }
    }

    /// With a voice.
    #[must_use]
    pub const fn voice(mut self, voice: &'a str) -> Self {
        self.voice = Some(voice);
        self
    }

    /// With a language.
    #[must_use]
    pub const fn language(mut self, language: &'a str) -> Self {
        self.language = Some(language);
        self
    }

    /// Repeated `count` times.
    #[must_use]
    pub const fn loop_count(mut self, count: u32) -> Self {
        self.loop_count = Some(count);
        self
    }
}

/// `<Play>`: an audio file, or DTMF digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Play<'a> {
    /// URL of the audio (may be empty when only `digits` are played).
    pub url: &'a str,
    /// Times to repeat.
    pub loop_count: Option<u32>,
    /// DTMF digits to play (`w` waits half a second).
    pub digits: Option<&'a str>,
}

impl<'a> Play<'a> {
    /// Play the audio at `url`.
    pub const fn new(url: &'a str) -> Self {
        Self {
            url,
            loop_count: None,
            digits: None,
        }
    }

    /// Repeated `count` times.
    #[must_use]
    pub const fn loop_count(mut self, count: u32) -> Self {
        self.loop_count = Some(count);
        self
    }

    /// Play DTMF `digits`.
    #[must_use]
    pub const fn digits(mut self, digits: &'a str) -> Self {
        self.digits = Some(digits);
        self
    }
}

/// `<Pause>`: silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pause {
    /// Seconds (Twilio's default is 1).
    pub length: Option<u32>,
}

impl Pause {
    /// Pause for `seconds`.
    pub const fn seconds(seconds: u32) -> Self {
        Self {
            length: Some(seconds),
        }
    }
}

/// What `<Gather>` says or plays while it listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Prompt<'a> {
    /// `<Say>` inside `<Gather>`.
    Say(Say<'a>),
    /// `<Play>` inside `<Gather>`.
    Play(Play<'a>),
    /// `<Pause>` inside `<Gather>`.
    Pause(Pause),
}

/// `<Gather>`: collect keypresses or speech, then request `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Gather<'a> {
    /// Nested prompts, in order.
    pub prompts: &'a [Prompt<'a>],
    /// `dtmf`, `speech` or both.
    pub input: Option<Input>,
    /// Stop after this many digits.
    pub num_digits: Option<u32>,
    /// Seconds of silence before giving up.
    pub timeout: Option<u32>,
    /// URL Twilio requests with the result.
    pub action: Option<&'a str>,
    /// Method for `action`.
    pub method: Option<Method>,
    /// Key that ends input (`""` disables it).
    pub finish_on_key: Option<&'a str>,
}

impl<'a> Gather<'a> {
    /// Gather while playing `prompts`.
    pub const fn new(prompts: &'a [Prompt<'a>]) -> Self {
        Self {
            prompts,
            input: None,
            num_digits: None,
            timeout: None,
            action: None,
            method: None,
            finish_on_key: None,
        }
    }

    /// Listen for `input`.
    #[must_use]
    pub const fn input(mut self, input: Input) -> Self {
        self.input = Some(input);
        self
    }

    /// Stop after `n` digits.
    #[must_use]
    pub const fn num_digits(mut self, n: u32) -> Self {
        self.num_digits = Some(n);
        self
    }

    /// Give up after `seconds` of silence.
    #[must_use]
    pub const fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }

    /// Send the result to `url` with `method`.
    #[must_use]
    pub const fn action(mut self, url: &'a str, method: Method) -> Self {
        self.action = Some(url);
        self.method = Some(method);
        self
    }

    /// End input on `key`.
    #[must_use]
    pub const fn finish_on_key(mut self, key: &'a str) -> Self {
        self.finish_on_key = Some(key);
        self
    }
}

/// `<Dial>`: connect the call to a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dial<'a> {
    /// E.164 number (or SIP URI) to dial.
    pub number: &'a str,
    /// Caller ID shown to the callee.
    pub caller_id: Option<&'a str>,
    /// Seconds to ring.
    pub timeout: Option<u32>,
}

impl<'a> Dial<'a> {
    /// Dial `number`.
    pub const fn new(number: &'a str) -> Self {
        Self {
            number,
            caller_id: None,
            timeout: None,
        }
    }

    /// Show `caller_id` to the callee.
    #[must_use]
    pub const fn caller_id(mut self, caller_id: &'a str) -> Self {
        self.caller_id = Some(caller_id);
        self
    }

    /// Ring for `seconds`.
    #[must_use]
    pub const fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }
}

/// `<Redirect>`: continue with the TwiML at a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Redirect<'a> {
    /// The URL.
    pub url: &'a str,
    /// Method for the URL.
    pub method: Option<Method>,
}

impl<'a> Redirect<'a> {
    /// Redirect to `url`.
    pub const fn new(url: &'a str) -> Self {
        Self { url, method: None }
    }

    /// With `method`.
    #[must_use]
    pub const fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }
}

/// One verb of a `<Response>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Verb<'a> {
    /// `<Say>`
    Say(Say<'a>),
    /// `<Play>`
    Play(Play<'a>),
    /// `<Pause>`
    Pause(Pause),
    /// `<Gather>`
    Gather(Gather<'a>),
    /// `<Dial>`
    Dial(Dial<'a>),
    /// `<Redirect>`
    Redirect(Redirect<'a>),
    /// `<Hangup />`
    Hangup,
}
