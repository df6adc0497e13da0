//! Logins and tokens (docs/contract.md, section 2): `auth/getUserToken`, `auth/UserLogin`, `auth/EndSession`,
//! and the check every other route makes.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::World;
use super::error::{Failure, refuse, refused, require};
use crate::model::config::{Config, User};
use crate::model::token::leniently_decoded;
use crate::model::why::Why;
use crate::store::sessions;

/// The account `user` logs into with `password`, or why there is none.
pub fn account<'a>(config: &'a Config, user: &str, password: &str) -> Result<&'a User, Failure> {
    check_account(config.user(user), user, password)
}

/// The account `found` for `user` (if there is one) when `password` is its password, or why not.
pub fn check_account<'a>(found: Option<&'a User>, user: &str, password: &str) -> Result<&'a User, Failure> {
    require(&[("user", user), ("password", password)])?;
    found
        .filter(|u| u.username == user && u.password == password)
        .ok_or_else(|| refused(Why::BadCredentials)(format!("no user {user:?} with that password")))
}

/// The most sessions an instance keeps (live or ended): past it, the oldest are forgotten, so logins
/// with the demo's public credentials cannot grow its memory and database without end. A client
/// whose token is forgotten gets 401 and logs in again, as after a session expires.
pub const MAX_SESSIONS: usize = 10_000;

/// Logins between two prunings of the sessions past [`MAX_SESSIONS`].
const PRUNE_EVERY: u64 = 256;

/// How a credential was found to be a live token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// It is the token as issued.
    AsSent,
    /// Only once decoded leniently (a stray quote, a line break, missing padding, URL-safe letters).
    Leniently,
}

/// The tokens this process has seen live, and those it has seen end.
#[derive(Debug, Default)]
pub struct Tokens {
    live: HashMap<String, String>,
    ended: HashSet<String>,
    /// Logins so far (the sessions are pruned every [`PRUNE_EVERY`]).
    logins: u64,
}

impl World {
    /// Logs `user` in: the vendor's three-element array whose last element is a new token.
    pub async fn login(&self, user: &str, password: &str) -> Result<Value, Failure> {
        let account = account(self.config(), user, password)?;
        let token = STANDARD.encode(format!("{}:{}", account.username, self.token_entropy().guid()));
        sessions::insert(self.store().writer(), &token, &account.username, &self.clock().stamp()).await?;
        let prune = {
            let mut tokens = self.tokens();
            tokens.live.insert(token.clone(), account.username.clone());
            tokens.logins += 1;
            tokens.logins.is_multiple_of(PRUNE_EVERY)
        };
        if prune {
            // Housekeeping: the login is done whether or not it succeeds.
            let forgotten = match sessions::keep_newest(self.store().writer(), MAX_SESSIONS).await {
                Ok(forgotten) => forgotten,
                Err(e) => {
                    tracing::warn!(error = %e, "could not forget the oldest sessions");
                    Vec::new()
                }
            };
            let mut tokens = self.tokens();
            // Only a guard for reads in flight: the database says which sessions ended.
            if tokens.ended.len() > MAX_SESSIONS {
                tokens.ended.clear();
            }
            for gone in forgotten {
                tokens.live.remove(&gone);
                tokens.ended.insert(gone);
            }
        }
        let phone = match &account.phone {
            Some(phone) => {
                let tech = self.config().agent_by_phone(phone).map(|a| a.tech.as_str()).unwrap_or("SIP");
                json!({"phone": phone, "tech": tech, "md5secret": token})
            }
            None => json!({}),
        };
        Ok(json!([
            {"user": account.username, "name": account.name, "profile": account.profile},
            phone,
            token,
        ]))
    }

    /// The user a live token belongs to: every Integra request asks, so live tokens are kept in
    /// memory (the database, read on a miss, stays the truth across restarts).
    pub async fn token_user(&self, token: &str) -> Result<Option<String>, Failure> {
        if let Some(user) = self.tokens().live.get(token) {
            return Ok(Some(user.clone()));
        }
        let user = sessions::live_user(self.store().reader(), token).await?;
        if let Some(user) = &user {
            let mut tokens = self.tokens();
            // A session ended while we read it stays ended.
            if !tokens.ended.contains(token) {
                tokens.live.insert(token.to_string(), user.clone());
            }
        }
        Ok(user)
    }

    /// The user of the credential a client sent in `Authorization: Basic`: its live token as sent,
    /// else the token it stands for when decoded as the real server decodes it
    /// ([`leniently_decoded`]), with whether it took that decoding to find it.
    pub async fn credential_user(&self, credential: &str) -> Result<Option<(String, Decoded)>, Failure> {
        if let Some(user) = self.token_user(credential).await? {
            return Ok(Some((user, Decoded::AsSent)));
        }
        match leniently_decoded(credential) {
            Some(token) => Ok(self.token_user(&token).await?.map(|user| (user, Decoded::Leniently))),
            None => Ok(None),
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `token` (as sent, or as decoded leniently) is a session that ended: the 401 is the
    /// same as for a token never issued, the coverage report tells them apart.
    pub async fn token_ended(&self, credential: &str) -> Result<bool, Failure> {
        let tokens = [Some(credential.to_string()), leniently_decoded(credential)];
        for token in tokens.into_iter().flatten() {
            if self.tokens().ended.contains(&token) || sessions::ended(self.store().reader(), &token).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Ends `user`'s session `token`.
    pub async fn end_session(&self, user: &str, token: &str) -> Result<(), Failure> {
        require(&[("user", user), ("token", token)])?;
        if sessions::end(self.store().writer(), token, user, &self.clock().stamp()).await? {
            let mut tokens = self.tokens();
            tokens.live.remove(token);
            tokens.ended.insert(token.to_string());
            Ok(())
        } else {
            refuse(Why::NoSession, format!("no live session of {user:?} with that token"))
        }
    }
}
