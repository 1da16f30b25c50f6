//! `multipart/form-data` bodies as cameras send them, parsed from bytes
//! already on disk (the spool), tolerant of the line endings and header
//! spellings firmware uses, and never panicking.

use crate::Refused;

/// Most parts a push may carry.
pub const MAX_PARTS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Part {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

fn malformed(detail: impl Into<String>) -> Refused {
    Refused::Malformed {
        format: "multipart",
        detail: detail.into(),
    }
}

/// The `boundary` parameter of a `Content-Type` header.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A header parameter such as `name="x"` in `Content-Disposition`.
fn param(value: &str, key: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Splits a multipart body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, Refused> {
    let b = boundary(content_type).ok_or_else(|| malformed("no boundary in the Content-Type"))?;
    let delimiter = format!("--{b}").into_bytes();
    let mut at =
        find(body, &delimiter, 0).ok_or_else(|| malformed("the boundary never appears"))?;
    let mut parts = vec![];
    loop {
        at += delimiter.len();
        if body.get(at..at + 2) == Some(b"--") {
            break;
        }
        // The rest of the delimiter line.
        let line_end =
            find(body, b"\n", at).ok_or_else(|| malformed("a part ends after its boundary"))?;
        let head_start = line_end + 1;
        let (head_end, body_start) = match (
            find(body, b"\r\n\r\n", head_start),
            find(body, b"\n\n", head_start),
        ) {
            (Some(a), Some(b)) if b < a => (b, b + 2),
            (Some(a), _) => (a, a + 4),
            (None, Some(b)) => (b, b + 2),
            (None, None) => return Err(malformed("a part has no blank line after its headers")),
        };
        let next = find(body, &delimiter, body_start)
            .ok_or_else(|| malformed("the closing boundary is missing"))?;
        let mut end = next;
        if end > body_start && body.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > body_start && body.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        let mut part = Part {
            body: body[body_start..end.max(body_start)].to_vec(),
            ..Part::default()
        };
        for line in String::from_utf8_lossy(&body[head_start..head_end]).lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            if k.eq_ignore_ascii_case("content-disposition") {
                part.name = param(v, "name");
                part.filename = param(v, "filename");
            } else if k.eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.to_string());
            }
        }
        parts.push(part);
        if parts.len() > MAX_PARTS {
            return Err(malformed(format!("more than {MAX_PARTS} parts")));
        }
        at = next;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parts_with_crlf_and_bare_lf() {
        for nl in ["\r\n", "\n"] {
            let body = format!(
                "--XyZ{nl}Content-Disposition: form-data; name=\"anpr.xml\"; filename=\"anpr.xml\"{nl}Content-Type: text/xml{nl}{nl}<a/>{nl}--XyZ{nl}content-disposition: form-data; name=\"licensePlatePicture.jpg\"{nl}content-type: image/jpeg{nl}{nl}\u{ff}JPEG{nl}--XyZ--{nl}"
            );
            let parts =
                parse("multipart/form-data; boundary=\"XyZ\"", body.as_bytes()).expect("parsed");
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].name.as_deref(), Some("anpr.xml"));
            assert_eq!(parts[0].body, b"<a/>");
            assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
            assert_eq!(parts[1].body, "\u{ff}JPEG".as_bytes());
        }
    }

    #[test]
    fn broken_bodies_are_refused() {
        assert!(parse("multipart/form-data", b"--a\r\n").is_err());
        assert!(parse("multipart/form-data; boundary=a", b"nothing").is_err());
        assert!(parse(
            "multipart/form-data; boundary=a",
            b"--a\r\nX: y\r\n\r\nbody"
        )
        .is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_are_refused(body in proptest::collection::vec(any::<u8>(), 0..400), b in "[a-z]{1,8}") {
            let _ = parse(&format!("multipart/form-data; boundary={b}"), &body);
        }
    }
}
