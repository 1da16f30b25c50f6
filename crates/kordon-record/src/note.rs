//! The signed-note layout the server's texts share (checkpoints,
//! record-set statements, register entries), in the manner of the C2SP
//! signed-note format: body lines each ended by `\n`, a blank line, and
//! `— kordon/<server key> <signature>`. The body's first line is
//! `kordon/<server key>`. Parsing is strict; each kind checks its own
//! lines and its own signature (by its domain tag).

use crate::PublicKey;

/// `kordon/<key, 64 lower-case hex>`: the first line, and the signer's
/// name on the signature line.
pub(crate) fn origin(server: &PublicKey) -> String {
    format!("kordon/{}", hex::encode(server.as_bytes()))
}

/// The whole text: `body` (its lines each ended by `\n`), a blank line,
/// the signature line.
pub(crate) fn signed_text(body: &str, server: &PublicKey, signature: &[u8; 64]) -> String {
    format!("{body}\n— {} {}\n", origin(server), hex::encode(signature))
}

/// A note's body lines (the first is `kordon/<key>`), its key and its
/// signature, not yet checked.
pub(crate) struct Note<'a> {
    pub server: PublicKey,
    pub lines: Vec<&'a str>,
    pub signature: [u8; 64],
}

/// Splits and reads the layout; the reason when it is not one.
pub(crate) fn parse(text: &str) -> Result<Note<'_>, String> {
    let lines: Vec<&str> = text.split('\n').collect();
    // Body lines, a blank line, the signature line, "" after its newline.
    let n = lines.len();
    if n < 4 || !lines[n - 1].is_empty() || !lines[n - 3].is_empty() {
        return Err(
            "expected lines, a blank line and one signature line, each ended by a newline".into(),
        );
    }
    let body = &lines[..n - 3];
    if body.iter().any(|l| l.is_empty()) {
        return Err("an empty line before the signature".into());
    }
    let key = body[0]
        .strip_prefix("kordon/")
        .ok_or("the first line is not kordon/<server key>")?;
    let server = PublicKey(hex_exact::<32>(key, "the server key")?);
    let sig_line = lines[n - 2]
        .strip_prefix("— ")
        .ok_or("the signature line does not start with \"— \"")?;
    let (name, sig) = sig_line
        .split_once(' ')
        .ok_or("the signature line has no signature")?;
    if name != body[0] {
        return Err("the signature line names another server than the first line".into());
    }
    Ok(Note {
        server,
        lines: body.to_vec(),
        signature: hex_exact::<64>(sig, "the signature")?,
    })
}

/// A decimal with no leading zeros (and no `+`).
pub(crate) fn decimal<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    let canonical = !s.is_empty()
        && s.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        && (s == "0" || !(s.starts_with('0') || s.starts_with("-0")));
    if !canonical {
        return Err(format!("{what} {s:?} is not a canonical decimal"));
    }
    s.parse()
        .map_err(|_| format!("{what} {s:?} is out of range"))
}

/// Exactly `N` bytes as lower-case hex.
pub(crate) fn hex_exact<const N: usize>(s: &str, what: &str) -> Result<[u8; N], String> {
    if s.len() != 2 * N || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("{what} is not {} lower-case hex digits", 2 * N));
    }
    let v = hex::decode(s).map_err(|_| format!("{what} is not hex"))?;
    <[u8; N]>::try_from(v.as_slice()).map_err(|_| format!("{what}: wrong length"))
}
