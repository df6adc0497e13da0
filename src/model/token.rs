//! Tokens as the control API shows them: a token is base64 of `<user>:<uuid>`
//! (docs/contract.md, section 2); `state/sessions` and the journal show it masked.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A token as the control API shows it (`state/sessions`, the journal): its first 8 characters
/// (the start of the user's name) and its last 4, enough to tell tokens apart and too few to use one.
pub fn mask_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 16 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

/// `text` with every token in it masked by [`mask_token`]: an `Authorization` header, a form's
/// `token`, a login's answer. A token is base64 of `<user>:<uuid>`, at least 52 characters.
pub fn mask_tokens(text: &str) -> Cow<'_, str> {
    let is_base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !is_base64(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_base64(bytes[i]) {
            i += 1;
        }
        let run = &text[start..i];
        if run.len() >= 52 && is_token(run) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..start]);
            out.push_str(&mask_token(run));
            copied = i;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Whether `text` is a token as `World::login` makes them.
fn is_token(text: &str) -> bool {
    let Ok(decoded) = STANDARD.decode(text) else { return false };
    let Ok(decoded) = String::from_utf8(decoded) else { return false };
    decoded.rsplit_once(':').is_some_and(|(user, id)| !user.is_empty() && uuid::Uuid::try_parse(id).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_wherever_they_stand() {
        let token = STANDARD.encode("admin:9835c525-3567-4b82-a0af-ccd23e08c707");
        let masked = mask_token(&token);
        assert_eq!(masked, format!("{}...{}", &token[..8], &token[token.len() - 4..]));
        let answer = format!(r#"[{{"user":"admin"}},{{"md5secret":"{token}"}},"{token}"]"#);
        assert_eq!(mask_tokens(&answer), format!(r#"[{{"user":"admin"}},{{"md5secret":"{masked}"}},"{masked}"]"#));
        assert_eq!(mask_tokens(&format!("Basic {token}")), format!("Basic {masked}"));
        // Other base64 and plain text pass as they are.
        let other = STANDARD.encode("just some text that is long enough to be looked at");
        for text in [other.as_str(), "Basic", "", "campaign=Ventas->"] {
            assert!(matches!(mask_tokens(text), Cow::Borrowed(t) if t == text), "{text}");
        }
    }
}
