//! Who is calling: the session cookie, the CSRF checks on state-changing
//! requests, throttling of failed logins per client address, and the
//! audit entry for every refusal.
//!
//! A state-changing request is refused unless it carries the session's
//! CSRF token in `X-Kordon-CSRF` *and* does not come from another site
//! (`Origin` other than this host, or `Sec-Fetch-Site: cross-site`). The
//! cookie itself is `HttpOnly; SameSite=Strict` (and `Secure` under TLS).

use crate::error::HttpError;
use axum::http::{header, HeaderMap};
use kordon_api::ApiError;
use kordon_central::accounts::{Actor, SESSION_MAX_MS};
use kordon_central::Central;
use kordon_store::NewAuditEntry;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The session cookie's name.
pub const COOKIE: &str = "kordon_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-kordon-csrf";

/// What a request says about its caller, read before any work is done.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: Option<String>,
    pub csrf: Option<String>,
    /// The request names another site as its origin.
    pub cross_site: bool,
    pub peer: IpAddr,
}

impl Caller {
    pub fn from_headers(headers: &HeaderMap, peer: IpAddr) -> Self {
        let token = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map(|(_, value)| value.to_string());
        let csrf = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_elsewhere = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(|origin| {
                let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
                Some(origin_host) != host
            })
            .unwrap_or(false);
        let fetch_cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        Caller {
            token,
            csrf,
            cross_site: origin_elsewhere || fetch_cross_site,
            peer,
        }
    }

    pub fn peer_text(&self) -> String {
        self.peer.to_string()
    }

    /// Fails with `csrf` if a state-changing request may be forged.
    pub fn check_same_site(&self) -> Result<(), ApiError> {
        if self.cross_site {
            return Err(ApiError::new(
                "csrf",
                "a state-changing request from another site was refused",
            ));
        }
        Ok(())
    }

    /// The signed-in actor, or `unauthenticated`; for a state-changing
    /// request also checks the CSRF token and the origin. Refusals are
    /// audited.
    pub fn actor(
        &self,
        c: &Central,
        route: &str,
        changes_state: bool,
        now_ms: i64,
    ) -> Result<Actor, HttpError> {
        let actor = match &self.token {
            Some(token) => c.session(token, now_ms).map_err(ApiError::from)?,
            None => None,
        };
        let Some(actor) = actor else {
            let why = if self.token.is_some() {
                "session expired or unknown"
            } else {
                "not signed in"
            };
            self.refused(c, None, route, why, now_ms);
            return Err(HttpError(ApiError::new(
                "unauthenticated",
                format!("{why}: sign in first"),
            )));
        };
        if changes_state {
            let forged = self.check_same_site().err().or_else(|| {
                (self.csrf.as_deref() != Some(actor.csrf.as_str()))
                    .then(|| ApiError::new("csrf", "the request lacks this session's CSRF token"))
            });
            if let Some(e) = forged {
                self.refused(c, Some(&actor), route, &e.message, now_ms);
                return Err(HttpError(e));
            }
        }
        Ok(actor)
    }

    /// Writes a refusal to the audit trail (a failure to write is logged,
    /// not added to the caller's error).
    pub fn refused(&self, c: &Central, actor: Option<&Actor>, route: &str, why: &str, now_ms: i64) {
        let peer = self.peer_text();
        let entry = NewAuditEntry {
            actor: actor.map(|a| a.name.as_str()),
            role: actor.map(|a| a.role.as_str()),
            action: "refused",
            target: Some(route),
            refused: true,
            detail: why,
            peer: Some(&peer),
        };
        if let Err(e) = c.audit(&entry, now_ms) {
            tracing::error!(error = %e, "audit entry not written");
        }
    }
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_MAX_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Failed logins from one address allowed per window, whatever the names.
const PEER_FAILURES: u32 = 20;
const PEER_WINDOW_MS: i64 = 5 * 60 * 1000;

/// Failed logins per client address (beside the per-account spacing the
/// server keeps in its store), so guessing across many names is slowed too.
#[derive(Debug, Default)]
pub struct PeerThrottle(Mutex<HashMap<IpAddr, (u32, i64)>>);

impl PeerThrottle {
    /// Fails with `throttled` while `peer` has failed too often lately.
    pub fn check(&self, peer: IpAddr, now_ms: i64) -> Result<(), ApiError> {
        let Ok(map) = self.0.lock() else {
            return Ok(());
        };
        match map.get(&peer) {
            Some((n, since)) if *n >= PEER_FAILURES && now_ms - since < PEER_WINDOW_MS => {
                let wait_s = ((PEER_WINDOW_MS - (now_ms - since)) as u64).div_ceil(1000);
                Err(ApiError::new(
                    "throttled",
                    format!("too many failed logins from this address: try again in {wait_s} s"),
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, peer: IpAddr, now_ms: i64) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 100_000 {
                map.retain(|_, (_, since)| now_ms - *since < PEER_WINDOW_MS);
            }
            let entry = map.entry(peer).or_insert((0, now_ms));
            if now_ms - entry.1 >= PEER_WINDOW_MS {
                *entry = (0, now_ms);
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, peer: IpAddr) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&peer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn the_cookie_and_origin_are_read_from_the_headers() {
        let peer: IpAddr = [127, 0, 0, 1].into();
        let c = Caller::from_headers(
            &headers(&[
                ("cookie", "theme=dark; kordon_session=abc"),
                ("host", "console.example:8080"),
                ("origin", "https://console.example:8080"),
                ("x-kordon-csrf", "t"),
            ]),
            peer,
        );
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.csrf.as_deref(), Some("t"));
        assert!(!c.cross_site);
        let c = Caller::from_headers(
            &headers(&[
                ("host", "console.example:8080"),
                ("origin", "https://evil.example"),
            ]),
            peer,
        );
        assert!(c.cross_site);
        let c = Caller::from_headers(&headers(&[("sec-fetch-site", "cross-site")]), peer);
        assert!(c.cross_site);
    }

    #[test]
    fn an_address_that_fails_too_often_waits() {
        let t = PeerThrottle::default();
        let peer: IpAddr = [10, 0, 0, 9].into();
        for i in 0..PEER_FAILURES {
            t.check(peer, i as i64).expect("not yet");
            t.failed(peer, i as i64);
        }
        assert_eq!(t.check(peer, 100).expect_err("throttled").code, "throttled");
        t.check(peer, PEER_WINDOW_MS + 1).expect("window over");
    }

    #[test]
    fn cookies_are_strict_and_secure_under_tls() {
        let c = session_cookie("tok", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("tok", false).contains("Secure"));
    }
}
