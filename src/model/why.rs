//! Why a route answered the vendor's opaque `0`: every reason declared once, here, with a stable id.
//! The code that refuses names its reason ([`Refusal`]); the answer's `X-Mock-Reason` says the
//! detail, and the coverage report counts the reason by its id (docs/contract.md, section 13).

/// Declares [`Why`]: each reason's variant, its id, and what it means (its doc comment).
macro_rules! reasons {
    ($( $(#[doc = $doc:literal])+ $name:ident = $id:literal, )+) => {
        /// Why a route answered `0`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Why {
            $( $(#[doc = $doc])+ $name, )+
        }

        impl Why {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Why] = &[$(Why::$name),+];

            /// The stable id (`unknown-campaign`): the coverage report's and the docs' name.
            pub fn id(self) -> &'static str {
                match self {
                    $(Why::$name => $id,)+
                }
            }

            /// What the reason means, in a line.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Why::$name => concat!($($doc),+).trim_start(),)+
                }
            }
        }
    };
}

reasons! {
    /// A required field is missing or empty.
    MissingField = "missing-field",
    /// A field that carries JSON is not valid JSON.
    NotJson = "not-json",
    /// JSON of the wrong shape: not an object, not an array, not text where text goes.
    JsonShape = "json-shape",
    /// A value out of its form: not a whole number, out of range, not true or false, not `HH:mm-HH:mm`.
    BadValue = "bad-value",
    /// A date not in the vendor's `yyyy-MM-dd HH:mm:ss`.
    BadDate = "bad-date",
    /// `from` is after `to`.
    DatesReversed = "dates-reversed",
    /// The campaign (or `outqueue`) is not one the contact center has.
    UnknownCampaign = "unknown-campaign",
    /// The agent (by name or phone) is not one the contact center has.
    UnknownAgent = "unknown-agent",
    /// The user does not exist, or the password is not theirs.
    BadCredentials = "bad-credentials",
    /// `EndSession` of a token that is not a live session of that user.
    NoSession = "no-session",
    /// The agent's phone is already in a call.
    PhoneBusy = "phone-busy",
    /// `HangupPhone` of a phone that is not in a call.
    PhoneIdle = "phone-idle",
    /// A list task of a progressive campaign without an agent.
    NeedsAgent = "needs-agent",
    /// `fileb64` is not base64.
    NotBase64 = "not-base64",
    /// A time zone that is not an IANA name.
    UnknownTimezone = "unknown-timezone",
    /// No answered call has the guid, so there is no recording.
    NoRecording = "no-recording",
    /// The recording is not stored on this host or in this folder.
    RecordingElsewhere = "recording-elsewhere",
    /// A guid that cannot name a file.
    BadGuid = "bad-guid",
    /// The agent cannot do that in its state (control API: log in, pause, a status code).
    AgentState = "agent-state",
    /// The clock cannot move that way (control API).
    Clock = "clock",
    /// The simulation lost track of the call it was placing.
    Engine = "engine",
}

/// A `0`: its reason, and the detail `X-Mock-Reason` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub why: Why,
    pub text: String,
}

impl Refusal {
    pub fn new(why: Why, text: impl Into<String>) -> Self {
        Self { why, text: text.into() }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::Why;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for why in Why::ALL {
            assert!(seen.insert(why.id()), "{} twice", why.id());
            assert!(
                why.id().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                why.id()
            );
            assert!(why.doc().ends_with('.') && !why.doc().starts_with(' '), "{:?}", why.doc());
        }
    }
}
