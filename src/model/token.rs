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
    masked(text, false)
}

/// A decoded form value with its tokens masked, also a token that was sent without encoding, so
/// that its `+` were read as spaces; everything else (every other space) stays as the client sent it.
pub fn mask_form_value(value: &str) -> Cow<'_, str> {
    masked(value, true)
}

/// The longest text taken for a token (a user name of about 700 characters).
const LONGEST_TOKEN: usize = 1024;

/// `text` with its tokens masked; with `spaced`, the spaces inside a run of base64 are taken as the
/// `+` they were sent as, where that makes a token of the words around them.
fn masked(text: &str, spaced: bool) -> Cow<'_, str> {
    let is_base64 =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_') || (spaced && b == b' ');
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !is_base64(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_base64(bytes[i]) {
            i += 1;
        }
        // The run's words (one when nothing is spaced), and the longest stretch of them that is a token
        // from each word on.
        let words: Vec<(usize, usize)> = text[start..i]
            .split(' ')
            .scan(start, |at, word| {
                let span = (*at, *at + word.len());
                *at = span.1 + 1;
                Some(span)
            })
            .collect();
        let mut w = 0;
        while w < words.len() {
            let from = words[w].0;
            let token = (w..words.len())
                .take_while(|&last| words[last].1 - from <= LONGEST_TOKEN)
                .filter(|&last| words[last].1 - from >= 52 && words[last].1 > words[last].0)
                .find_map(|last| {
                    let token = text[from..words[last].1].replace(' ', "+");
                    is_token(&token).then_some((last, token))
                });
            match token {
                Some((last, token)) => {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    out.push_str(&text[copied..from]);
                    out.push_str(&mask_token(&token));
                    copied = words[last].1;
                    w = last + 1;
                }
                None => w += 1,
            }
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

/// The token a credential stands for when it is decoded as the real server decodes it, if that is
/// not the credential as sent (docs/contract.md, section 2): Apache commons-codec's lenient
/// `Base64.decodeBase64`, which skips every character outside the base64 alphabets (quotes,
/// spaces, line breaks), takes the standard and the URL-safe alphabets alike, stops at the first
/// `=` and needs no padding, dropping bits that make no whole byte. The decoded bytes are encoded
/// again as tokens are issued (padded standard base64), so a live session is found by them. `None`
/// when the credential is already in that form, or decodes to nothing.
pub fn leniently_decoded(credential: &str) -> Option<String> {
    let mut kept: Vec<u8> = credential
        .bytes()
        .take_while(|&b| b != b'=')
        .filter_map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => Some(b),
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            _ => None,
        })
        .collect();
    // A lone character past the last whole group carries no whole byte.
    if kept.len() % 4 == 1 {
        kept.pop();
    }
    let decoded = LENIENT.decode(&kept).ok().filter(|d| !d.is_empty())?;
    let canonical = STANDARD.encode(decoded);
    (canonical != credential).then_some(canonical)
}

/// Standard base64 that takes any padding and ignores bits past the last whole byte.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Whether `text` is a token as `World::login` makes them, or one a lenient decoding accepts
/// ([`leniently_decoded`]: URL-safe letters, no padding).
fn is_token(text: &str) -> bool {
    let token = leniently_decoded(text);
    let Ok(decoded) = STANDARD.decode(token.as_deref().unwrap_or(text)) else { return false };
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
        // As a lenient decoding takes it: unpadded, URL-safe.
        let token = STANDARD.encode("Agente1:9835c525-3567-4b82-a0af-ccd23e08c707");
        let unpadded = token.trim_end_matches('=');
        assert_eq!(mask_tokens(&format!("Basic {unpadded}'")), format!("Basic {}'", mask_token(unpadded)));
        // Other base64 and plain text pass as they are.
        let other = STANDARD.encode("just some text that is long enough to be looked at");
        for text in [other.as_str(), "Basic", "", "campaign=Ventas->"] {
            assert!(matches!(mask_tokens(text), Cow::Borrowed(t) if t == text), "{text}");
        }
    }

    #[test]
    fn a_form_value_keeps_its_spaces_around_a_token_sent_unencoded() {
        let token = STANDARD.encode("ab~:9835c525-3567-4b82-a0af-ccd23e08c707");
        assert!(token.contains('+'), "{token}");
        let masked = mask_token(&token);
        // The server read the token's `+` as a space; the spaces of the words around it were spaces.
        let value = format!("a note, then  {} and more words", token.replace('+', " "));
        assert_eq!(mask_form_value(&value), format!("a note, then  {masked} and more words"));
        assert_eq!(mask_form_value(&token.replace('+', " ")), masked);
        assert!(matches!(mask_form_value("no token here at all"), Cow::Borrowed(_)));
        // Outside a form a space is a space.
        assert_eq!(mask_tokens(&token.replace('+', " ")), token.replace('+', " "));
    }

    #[test]
    fn a_credential_is_decoded_as_the_vendors_server_decodes_it() {
        let token = STANDARD.encode("Agente1:9835c525-3567-4b82-a0af-ccd23e08c707");
        assert!(token.ends_with('='), "a padded token: {token}");
        assert_eq!(leniently_decoded(&token), None, "a token as issued is itself");
        let url_safe = STANDARD.encode("ab~:9835c525-3567-4b82-a0af-ccd23e08c707");
        assert!(url_safe.contains('+'), "{url_safe}");
        for sent in [
            format!("{token}'"),
            format!("{token}\n"),
            format!(" {token} "),
            format!("\"{token}\""),
            token.trim_end_matches('=').to_string(),
            format!("{}\r\n{}", &token[..20], &token[20..]),
        ] {
            assert_eq!(leniently_decoded(&sent).as_deref(), Some(token.as_str()), "{sent:?}");
        }
        assert_eq!(leniently_decoded(&url_safe.replace('+', "-")).as_deref(), Some(url_safe.as_str()));
        // One character changed decodes to another token; nothing decodes to nothing.
        let changed = format!("{}B{}", &token[..30], &token[31..]);
        assert_ne!(leniently_decoded(&changed).as_deref(), Some(token.as_str()));
        assert_eq!(leniently_decoded("'\"' "), None);
    }
}
