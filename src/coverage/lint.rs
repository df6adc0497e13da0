//! Lint: what a client sent wrong that the vendor tolerates or answers opaquely (docs/contract.md,
//! section 13). The answer never changes; the findings go to `X-Mock-Lint`, the journal entry, the
//! event stream and the coverage report. Each lint has a stable id, and `--lint-allow` silences any.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{Auth, Branch};
use crate::journal::FormRecord;
use crate::model::why::Why;

/// Every lint: its id and what it means.
pub const LINTS: [(&str, &str); 11] = [
    ("unknown-field", "A field the route does not know: the vendor ignores it (a typo of a field it knows?)."),
    ("repeated-field", "A field sent twice: the vendor reads the last one."),
    ("content-type", "A body whose Content-Type does not say what it is: the vendor reads it as a form anyway."),
    ("merged-fields", "A value that holds another field's `name=`: a missing `&` merged two fields."),
    ("ended-token", "A token used after its EndSession."),
    ("auth-scheme", "An Authorization scheme other than Basic: the vendor wants `Basic <token>`."),
    ("token-encoded-twice", "The token was base64-encoded again: send it as the login answered it."),
    ("lenient-token", "The token was accepted only through the vendor's lenient base64 decoding."),
    ("date-format", "A date not in the vendor's `yyyy-MM-dd HH:mm:ss`."),
    ("not-utf8", "A field name or value that is not UTF-8 once percent-decoded."),
    ("wrong-method", "A method other than POST: the vendor documents POST and answers 405."),
];

/// Cache-busters the vendor ignores (docs/contract.md, section 1): no lint for them.
const IGNORED: [&str; 2] = ["Aleatorio", "_"];

/// The routes that take their JSON in any one field, or as a bare body (docs/contract.md, section 5).
const JSON_BODIES: [&str; 4] = ["admin/addblack", "admin/addblackbulk", "admin/deleteblack", "admin/deleteblackbulk"];

/// A name as a lint quotes it: at most 64 bytes.
fn clipped(name: &str) -> &str {
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub id: &'static str,
    pub message: String,
}

/// Whether `id` names a lint.
pub fn known(id: &str) -> bool {
    LINTS.iter().any(|(known, _)| *known == id)
}

/// What a request sent wrong, from what the journal keeps of it and the branch it was answered.
pub struct Sent<'a> {
    pub route: &'a str,
    pub fields: &'a [(String, bool)],
    pub content_type: Option<&'a [u8]>,
    pub authorization: Option<&'a [u8]>,
    pub form: &'a FormRecord,
    pub branch: Option<Branch>,
    pub lenient: bool,
}

/// The findings of `sent`, each lint at most once.
pub fn check(sent: &Sent<'_>) -> Vec<Lint> {
    let mut found: Vec<Lint> = Vec::new();
    let mut add = |id: &'static str, message: String| {
        if !found.iter().any(|l| l.id == id) {
            found.push(Lint { id, message });
        }
    };
    form_lints(sent, &mut add);
    if let Some(value) = sent.authorization {
        // A token a session knows was not encoded twice: only a refused one is decoded to see.
        auth_lints(value, matches!(sent.branch, Some(Branch::Unauthorized(_))), &mut add);
    }
    if sent.lenient {
        add("lenient-token", "the token was accepted only once decoded leniently: send it as issued".into());
    }
    match sent.branch {
        Some(Branch::Unauthorized(Auth::Ended)) => {
            add("ended-token", "this token's session was ended by EndSession: log in again".into())
        }
        Some(Branch::Zero(Why::BadDate)) | Some(Branch::Invalid("schedule_format")) => {
            add("date-format", "a date is not in the vendor's yyyy-MM-dd HH:mm:ss".into())
        }
        _ => {}
    }
    found
}

fn form_lints(sent: &Sent<'_>, add: &mut impl FnMut(&'static str, String)) {
    let FormRecord::Raw { query, body, multipart } = sent.form else { return };
    let mut seen = std::collections::HashSet::new();
    let takes_json = JSON_BODIES.contains(&sent.route);
    for (raw_name, raw_value) in super::fields::raw_pairs(query.as_deref(), body, *multipart).take(super::fields::PAIRS)
    {
        let (Some(name), Some(value)) = (decoded(raw_name), decoded(raw_value)) else {
            add("not-utf8", "a field name or value is not UTF-8 once percent-decoded".into());
            continue;
        };
        let name = clipped(&name);
        if !seen.insert(name.to_string()) {
            add("repeated-field", format!("{name} is sent twice (the last one counts)"));
        }
        let json = value.starts_with('{') || value.starts_with('[') || name.starts_with('{') || name.starts_with('[');
        let ignored = IGNORED.contains(&name) || (takes_json && json);
        if !sent.fields.is_empty() && !ignored && !sent.fields.iter().any(|(f, _)| *f == name) {
            let known: Vec<&str> = sent.fields.iter().map(|(f, _)| f.as_str()).collect();
            let hint = super::report::Unknown::new(name.to_string(), 1, &known).closest;
            let hint = hint.map_or(String::new(), |c| format!(" (did you mean {c}?)"));
            add("unknown-field", format!("{name} is no field of {}{hint}", sent.route));
        }
        // An `=` as sent (not `%3D`) right after another field's name, itself at the value's start
        // or after a character that ends a word: `campaign=Ventas->number=1`, not `smartphone=`.
        let holds = |f: &str| {
            raw_value.windows(f.len() + 1).enumerate().any(|(i, w)| {
                w.starts_with(f.as_bytes())
                    && w[f.len()] == b'='
                    && (i == 0 || !(raw_value[i - 1].is_ascii_alphanumeric() || raw_value[i - 1] == b'_'))
            })
        };
        if let Some((other, _)) = sent.fields.iter().find(|(f, _)| *f != name && holds(f)) {
            add("merged-fields", format!("the value of {name} holds {other}=: is an & missing?"));
        }
    }
    let body = body.trim_ascii_start();
    if body.is_empty() || *multipart {
        return;
    }
    let label = sent.content_type.map(|v| String::from_utf8_lossy(v).to_ascii_lowercase());
    let json_body = body.first().is_some_and(|b| *b == b'{' || *b == b'[');
    match label {
        None => add("content-type", "a body without Content-Type (send application/x-www-form-urlencoded)".into()),
        Some(label) if label.contains("json") && !json_body => {
            add("content-type", format!("a form labelled {label}: send application/x-www-form-urlencoded"))
        }
        Some(label) if label.contains("x-www-form-urlencoded") && json_body && !takes_json => {
            add("content-type", "a JSON body labelled as a form: the vendor reads it as one".into())
        }
        Some(_) => {}
    }
}

fn auth_lints(value: &[u8], refused: bool, add: &mut impl FnMut(&'static str, String)) {
    let text = match std::str::from_utf8(value) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    };
    let Some((scheme, token)) = text.split_once(' ') else {
        add("auth-scheme", "Authorization has no scheme: send Basic <token>".into());
        return;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        add("auth-scheme", format!("Authorization: {scheme} ...: the vendor wants Basic <token>"));
        return;
    }
    if !refused {
        return;
    }
    // A token is base64 of `user:guid`; base64 of that again decodes to base64 text, not to `:`.
    let once = STANDARD.decode(token.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let twice = once.as_deref().and_then(|t| STANDARD.decode(t.trim()).ok()).and_then(|b| String::from_utf8(b).ok());
    if once.is_some_and(|t| !t.contains(':')) && twice.is_some_and(|t| t.contains(':')) {
        add("token-encoded-twice", "the token is base64 of the token: send it as the login answered it".into());
    }
}

/// Percent-decoded text (`+` a space); `None` when it is not UTF-8.
fn decoded(text: &[u8]) -> Option<Cow<'_, str>> {
    if !text.iter().any(|&b| b == b'%' || b == b'+') {
        return std::str::from_utf8(text).ok().map(Cow::Borrowed);
    }
    let spaced: Vec<u8> = text.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).ok().map(Cow::Owned)
}

/// `wrong-method`: a request with `method` to a route the vendor documents as POST.
pub fn wrong_method(route: &str, method: &str) -> Lint {
    Lint {
        id: "wrong-method",
        message: format!("{} {route}: the vendor documents POST (answered 405)", clipped(method)),
    }
}

/// The header's text: each finding as `id: message`, joined by `; `.
pub fn header(lints: &[Lint]) -> String {
    lints.iter().map(|l| format!("{}: {}", l.id, l.message)).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lints(form: &str, content_type: Option<&str>, authorization: Option<&str>) -> Vec<&'static str> {
        answered(form, content_type, authorization, None)
    }

    fn answered(
        form: &str,
        content_type: Option<&str>,
        authorization: Option<&str>,
        branch: Option<Branch>,
    ) -> Vec<&'static str> {
        let fields = [("campaign".to_string(), true), ("number".to_string(), true)];
        let form = FormRecord::of(None, form.as_bytes(), false);
        let sent = Sent {
            route: "Dialers/RemoveContact",
            fields: &fields,
            content_type: content_type.map(str::as_bytes),
            authorization: authorization.map(str::as_bytes),
            form: &form,
            branch,
            lenient: false,
        };
        check(&sent).into_iter().map(|l| l.id).collect()
    }

    #[test]
    fn each_mistake_is_named_and_a_clean_request_is_not() {
        let form = Some("application/x-www-form-urlencoded");
        let basic = Some("Basic YWRtaW46OTgzNWM1MjUtMzU2Ny00YjgyLWEwYWYtY2NkMjNlMDhjNzA3");
        assert_eq!(lints("campaign=Ventas-%3E&number=1", form, basic), Vec::<&str>::new());
        assert_eq!(lints("campaing=Ventas&number=1", form, basic), ["unknown-field"]);
        assert_eq!(lints("campaign=a&campaign=b&number=1", form, basic), ["repeated-field"]);
        assert_eq!(lints("campaign=Ventas&numbr=1", form, basic), ["unknown-field"]);
        assert_eq!(lints("campaign=Ventas->number=1", form, basic), ["merged-fields"]);
        assert_eq!(lints("campaign=a&number=1", Some("application/json"), basic), ["content-type"]);
        assert_eq!(lints("campaign=a&number=1", None, basic), ["content-type"]);
        assert_eq!(lints("campaign=%FF&number=1", form, basic), ["not-utf8"]);
        // What correct clients send: cache-busters, an encoded `=`, a word ending in a field's name.
        assert_eq!(lints("campaign=a&number=1&Aleatorio=1&_=1700000000000", form, basic), Vec::<&str>::new());
        assert_eq!(lints("campaign=x%3Dnumber%3D1&number=1", form, basic), Vec::<&str>::new());
        assert_eq!(lints("campaign=my-smartnumber=1", form, basic), Vec::<&str>::new());
        let many: String = (0..1500).map(|i| format!("f{i}=1&")).collect();
        assert_eq!(lints(&many, form, basic), ["unknown-field"], "a form of many pairs is looked at up to its bound");
        assert_eq!(lints("campaign=a&number=1", form, Some("Bearer x")), ["auth-scheme"]);
        let twice = STANDARD.encode("YWRtaW46OTgzNWM1MjUtMzU2Ny00YjgyLWEwYWYtY2NkMjNlMDhjNzA3");
        let twice = format!("Basic {twice}");
        let refused = Some(Branch::Unauthorized(Auth::Unknown));
        assert_eq!(answered("campaign=a&number=1", form, Some(&twice), refused), ["token-encoded-twice"]);
        // A token a session accepted was not encoded twice: it is not decoded to see.
        assert_eq!(answered("campaign=a&number=1", form, Some(&twice), Some(Branch::Json)), Vec::<&str>::new());
    }

    #[test]
    fn every_lint_is_documented_in_the_contract() {
        let contract = include_str!("../../docs/contract.md");
        for (id, _) in LINTS {
            assert!(contract.contains(&format!("`{id}`")), "docs/contract.md names the lint {id}");
        }
    }
}
