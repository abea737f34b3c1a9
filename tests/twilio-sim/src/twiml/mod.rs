//! A TwiML reader: the verbs a call (or an inbound-SMS answer) runs, parsed from a `<Response>`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Deepest element nesting accepted; TwiML needs three levels.
const MAX_DEPTH: usize = 16;

/// Why a TwiML document could not be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TwimlError {
    /// Not well-formed XML.
    Xml { reason: String },
    /// The root element is not `<Response>`.
    NotResponse { root: String },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for TwimlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Xml { reason } => write!(f, "invalid XML: {reason}"),
            Self::NotResponse { root } => {
                write!(f, "root element is <{root}>, expected <Response>")
            }
            Self::TooDeep => write!(f, "elements nested deeper than {MAX_DEPTH}"),
        }
    }
}

/// One TwiML verb with the attributes the simulator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verb {
    Say { text: String, repeat: u32 },
    Play { url: String },
    Pause { seconds: u32 },
    Gather(Gather),
    Redirect { url: String, method: String },
    Hangup,
    Reject,
    Dial { number: String },
    Message { body: String },
    Unsupported { verb: String },
}

/// `<Gather>` and the verbs nested in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gather {
    pub(crate) action: Option<String>,
    pub(crate) method: String,
    pub(crate) num_digits: Option<usize>,
    pub(crate) finish_on_key: String,
    pub(crate) timeout_secs: u32,
    pub(crate) action_on_empty_result: bool,
    pub(crate) children: Vec<Verb>,
}

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        self.text.trim().to_owned()
    }
}

fn xml_err(e: impl std::fmt::Display) -> TwimlError {
    TwimlError::Xml {
        reason: e.to_string(),
    }
}

fn element(start: &BytesStart<'_>) -> Result<Element, TwimlError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(xml_err)?;
        let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
        let value = attr.unescape_value().map_err(xml_err)?.into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Parses the document into an element tree and returns the root.
fn tree(xml: &str) -> Result<Element, TwimlError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(TwimlError::TooDeep);
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let el = element(&start)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(xml_err("unbalanced end tag"));
                }
                if let Some(done) = stack.pop()
                    && let Some(parent) = stack.last_mut()
                {
                    parent.children.push(done);
                }
            }
            Event::Text(text) => {
                let text = text.xml_content().map_err(xml_err)?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                let text = data.xml_content().map_err(xml_err)?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                let c = match reference.resolve_char_ref().map_err(xml_err)? {
                    Some(c) => Some(c),
                    None => entity(&reference.decode().map_err(xml_err)?),
                };
                let c = c.ok_or_else(|| xml_err("unknown entity"))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(xml_err("unclosed element"));
    }
    let mut document = stack.pop().unwrap_or_default();
    let root = document
        .children
        .pop()
        .ok_or_else(|| xml_err("empty document"))?;
    Ok(root)
}

fn method(el: &Element) -> String {
    match el.attr("method") {
        Some(m) if m.eq_ignore_ascii_case("GET") => "GET".to_owned(),
        _ => "POST".to_owned(),
    }
}

fn verb(el: &Element) -> Verb {
    match el.name.as_str() {
        "Say" => Verb::Say {
            text: el.text(),
            repeat: el
                .attr("loop")
                .and_then(|l| l.parse().ok())
                .unwrap_or(1)
                .clamp(1, 10),
        },
        "Play" => Verb::Play { url: el.text() },
        "Pause" => Verb::Pause {
            seconds: el.attr("length").and_then(|l| l.parse().ok()).unwrap_or(1),
        },
        "Gather" => Verb::Gather(Gather {
            action: el.attr("action").map(str::to_owned),
            method: method(el),
            num_digits: el.attr("numDigits").and_then(|n| n.parse().ok()),
            finish_on_key: el.attr("finishOnKey").unwrap_or("#").to_owned(),
            timeout_secs: el.attr("timeout").and_then(|n| n.parse().ok()).unwrap_or(5),
            action_on_empty_result: el.attr("actionOnEmptyResult") == Some("true"),
            children: el.children.iter().map(verb).collect(),
        }),
        "Redirect" => Verb::Redirect {
            url: el.text(),
            method: method(el),
        },
        "Hangup" => Verb::Hangup,
        "Reject" => Verb::Reject,
        "Dial" => {
            let nested = el
                .children
                .iter()
                .map(Element::text)
                .collect::<Vec<_>>()
                .join(",");
            Verb::Dial {
                number: if nested.is_empty() { el.text() } else { nested },
            }
        }
        "Message" | "Sms" => {
            let body = el
                .children
                .iter()
                .find(|c| c.name == "Body")
                .map_or_else(|| el.text(), Element::text);
            Verb::Message { body }
        }
        other => Verb::Unsupported {
            verb: other.to_owned(),
        },
    }
}

/// Parses a TwiML document into its verbs.
pub(crate) fn parse(xml: &str) -> Result<Vec<Verb>, TwimlError> {
    let root = tree(xml)?;
    if root.name != "Response" {
        return Err(TwimlError::NotResponse { root: root.name });
    }
    Ok(root.children.iter().map(verb).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_alerting_verbs() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say voice="alice" loop="2">Temperature &amp; humidity &#x26; more</Say>
  <Gather numDigits="1" action="/ack" method="GET"><Say>Press 1</Say><Pause length="2"/></Gather>
  <Redirect>https://example.com/next</Redirect>
  <Hangup/>
  <Record/>
</Response>"#;
        let verbs = parse(xml).unwrap();
        assert_eq!(
            verbs[0],
            Verb::Say {
                text: "Temperature & humidity & more".into(),
                repeat: 2
            }
        );
        let Verb::Gather(g) = &verbs[1] else {
            panic!("{:?}", verbs[1])
        };
        assert_eq!(g.action.as_deref(), Some("/ack"));
        assert_eq!(g.method, "GET");
        assert_eq!(g.num_digits, Some(1));
        assert_eq!(
            g.children,
            [
                Verb::Say {
                    text: "Press 1".into(),
                    repeat: 1
                },
                Verb::Pause { seconds: 2 }
            ]
        );
        assert_eq!(
            verbs[2],
            Verb::Redirect {
                url: "https://example.com/next".into(),
                method: "POST".into()
            }
        );
        assert_eq!(verbs[3], Verb::Hangup);
        assert_eq!(
            verbs[4],
            Verb::Unsupported {
                verb: "Record".into()
            }
        );
    }

    #[test]
    fn message_replies_and_cdata() {
        let verbs = parse("<Response><Message><Body><![CDATA[a < b]]></Body></Message><Message>ok</Message></Response>").unwrap();
        assert_eq!(
            verbs,
            [
                Verb::Message {
                    body: "a < b".into()
                },
                Verb::Message { body: "ok".into() }
            ]
        );
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(matches!(
            parse("<Response><Say>x</Response>"),
            Err(TwimlError::Xml { .. })
        ));
        assert!(matches!(
            parse("<Foo/>"),
            Err(TwimlError::NotResponse { .. })
        ));
        assert!(matches!(parse(""), Err(TwimlError::Xml { .. })));
        assert!(matches!(
            parse("<Response>&bogus;</Response>"),
            Err(TwimlError::Xml { .. })
        ));
        let deep = format!(
            "<Response>{}{}</Response>",
            "<a>".repeat(40),
            "</a>".repeat(40)
        );
        assert_eq!(parse(&deep), Err(TwimlError::TooDeep));
        assert_eq!(parse("<Response/>"), Ok(vec![]));
    }
}
