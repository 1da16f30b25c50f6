//! HTTP digest authentication (RFC 7616, MD5, `qop=auth`) for cameras
//! configured to use it, which many are by default.
//!
//! Nonces carry no state on the server: a nonce is the time it was made
//! and an MD5 of that time with a secret drawn at start-up, so a nonce is
//! accepted only if this process made it within the last five minutes.

use md5::{Digest as _, Md5};

/// The realm cameras are told.
pub const REALM: &str = "kordon-anpr";
/// How long a nonce stays good.
pub const NONCE_MS: i64 = 5 * 60 * 1000;

fn md5_hex(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes and checks nonces.
#[derive(Debug, Clone)]
pub struct Nonces {
    secret: String,
}

impl Default for Nonces {
    fn default() -> Self {
        let bytes: [u8; 16] = rand::random();
        Nonces {
            secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

impl Nonces {
    pub fn make(&self, now_ms: i64) -> String {
        let t = format!("{now_ms:x}");
        format!("{t}.{}", md5_hex(&[&self.secret, &t]))
    }

    pub fn valid(&self, nonce: &str, now_ms: i64) -> bool {
        let Some((t, mac)) = nonce.split_once('.') else {
            return false;
        };
        let Ok(made) = i64::from_str_radix(t, 16) else {
            return false;
        };
        crate::ingest::same(md5_hex(&[&self.secret, t]).as_bytes(), mac.as_bytes())
            && (0..=NONCE_MS).contains(&(now_ms - made))
    }

    /// The `WWW-Authenticate` challenge.
    pub fn challenge(&self, now_ms: i64) -> String {
        format!(
            "Digest realm=\"{REALM}\", qop=\"auth\", algorithm=MD5, nonce=\"{}\"",
            self.make(now_ms)
        )
    }
}

/// The fields of an `Authorization: Digest ...` header.
pub fn fields(value: &str) -> Option<Vec<(String, String)>> {
    let rest = value.trim().strip_prefix("Digest")?.trim_start();
    let mut out = vec![];
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => break,
                    _ => {
                        val.push(c);
                        escaped = false;
                    }
                }
            }
        } else {
            val = chars
                .by_ref()
                .take_while(|c| *c != ',')
                .collect::<String>()
                .trim()
                .to_string();
        }
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() || out.len() > 16 {
            return None;
        }
        out.push((key, val));
    }
    Some(out)
}

/// Whether `value` proves `user:password` for a `method` on `uri`.
pub fn verify(
    value: &str,
    method: &str,
    uri: &str,
    user: &str,
    password: &str,
    nonces: &Nonces,
    now_ms: i64,
) -> bool {
    let Some(f) = fields(value) else {
        return false;
    };
    let get = |k: &str| f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let (Some(username), Some(realm), Some(nonce), Some(duri), Some(response)) = (
        get("username"),
        get("realm"),
        get("nonce"),
        get("uri"),
        get("response"),
    ) else {
        return false;
    };
    if username != user || realm != REALM || duri != uri || !nonces.valid(nonce, now_ms) {
        return false;
    }
    let ha1 = md5_hex(&[user, REALM, password]);
    let ha2 = md5_hex(&[method, uri]);
    let expected = match get("qop") {
        Some("auth") => {
            let (Some(nc), Some(cnonce)) = (get("nc"), get("cnonce")) else {
                return false;
            };
            md5_hex(&[&ha1, nonce, nc, cnonce, "auth", &ha2])
        }
        Some(_) => return false,
        None => md5_hex(&[&ha1, nonce, &ha2]),
    };
    crate::ingest::same(
        expected.as_bytes(),
        response.to_ascii_lowercase().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client's answer, as a camera computes it.
    fn answer(nonce: &str, uri: &str, password: &str) -> String {
        let ha1 = md5_hex(&["admin", REALM, password]);
        let ha2 = md5_hex(&["POST", uri]);
        let response = md5_hex(&[&ha1, nonce, "00000001", "0a4f113b", "auth", &ha2]);
        format!(
            "Digest username=\"admin\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"{response}\", algorithm=MD5"
        )
    }

    #[test]
    fn the_rfc_example_hash() {
        // RFC 2617 §3.5: Mufasa / Circle Of Life.
        let ha1 = md5_hex(&["Mufasa", "testrealm@host.com", "Circle Of Life"]);
        let ha2 = md5_hex(&["GET", "/dir/index.html"]);
        let r = md5_hex(&[
            &ha1,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            "00000001",
            "0a4f113b",
            "auth",
            &ha2,
        ]);
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn a_camera_with_the_password_passes_and_others_do_not() {
        let n = Nonces::default();
        let nonce = n.make(1_000);
        let ok = answer(&nonce, "/anpr", "s3cret");
        assert!(verify(&ok, "POST", "/anpr", "admin", "s3cret", &n, 2_000));
        assert!(!verify(
            &answer(&nonce, "/anpr", "wrong"),
            "POST",
            "/anpr",
            "admin",
            "s3cret",
            &n,
            2_000
        ));
        assert!(
            !verify(&ok, "POST", "/other", "admin", "s3cret", &n, 2_000),
            "another uri"
        );
        assert!(
            !verify(
                &ok,
                "POST",
                "/anpr",
                "admin",
                "s3cret",
                &n,
                1_000 + NONCE_MS + 1
            ),
            "stale nonce"
        );
        let other = Nonces::default();
        assert!(
            !verify(&ok, "POST", "/anpr", "admin", "s3cret", &other, 2_000),
            "not our nonce"
        );
    }

    proptest! {
        #[test]
        fn any_header_is_parsed_or_refused_without_panic(h in "\\PC{0,200}") {
            let _ = fields(&format!("Digest {h}"));
            let _ = verify(&h, "POST", "/", "u", "p", &Nonces::default(), 0);
        }
    }
}
