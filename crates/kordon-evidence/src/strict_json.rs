//! Reading an export strictly (`docs/signed-records.md` §5): JSON with no
//! key twice at any depth, exact key sets, integers that are integers,
//! canonical base64 and hex. A lenient reader would let a file carry what
//! a verifier never looked at.

use base64::Engine;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// A JSON value read with duplicate keys refused.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = vec![];
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(v) = map.next_value()?;
            if out.insert(key.clone(), v).is_some() {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Parses JSON, refusing a key given twice in any object.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice::<Strict>(bytes)
        .map(|s| s.0)
        .map_err(|e| format!("not strict JSON: {e}"))
}

/// Problems with a file's form.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub Vec<String>);

impl Problems {
    /// `value` must be an object with exactly the keys `want`.
    pub(crate) fn keys(&mut self, value: &Value, want: &[&str], at: &str) {
        let Some(obj) = value.as_object() else {
            self.0.push(format!("{at}: not a JSON object"));
            return;
        };
        for k in obj.keys() {
            if !want.contains(&k.as_str()) {
                self.0.push(format!("{at}: unknown field {k:?}"));
            }
        }
        for k in want {
            if !obj.contains_key(*k) {
                self.0.push(format!("{at}: missing field {k:?}"));
            }
        }
    }

    /// `value[key]`, when present, must be an integer in the `i64` range
    /// (no fraction, no exponent).
    pub(crate) fn integer(&mut self, value: &Value, key: &str, at: &str) {
        if let Some(v) = value.get(key) {
            if !v.is_i64() {
                self.0
                    .push(format!("{at}: {key} is not an integer in the i64 range"));
            }
        }
    }
}

/// Base64 (standard alphabet, padded) that re-encodes to the same text.
pub(crate) fn base64_canonical(s: &str) -> Result<Vec<u8>, String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let bytes = engine.decode(s).map_err(|e| format!("not base64: {e}"))?;
    if engine.encode(&bytes) != s {
        return Err("base64 that is not in canonical form".into());
    }
    Ok(bytes)
}

/// Lower-case hex.
pub(crate) fn hex_canonical(s: &str) -> Result<Vec<u8>, String> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("hex that is not lower case".into());
    }
    hex::decode(s).map_err(|e| format!("not hex: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        assert!(parse(br#"{"a":1,"b":{"c":[{"d":1}]}}"#).is_ok());
        for bad in [
            &br#"{"a":1,"a":1}"#[..],
            br#"{"b":{"c":1,"c":2}}"#,
            br#"{"b":[{"d":1,"d":1}]}"#,
        ] {
            let e = parse(bad).expect_err("refused");
            assert!(e.contains("duplicate key"), "{e}");
        }
    }

    #[test]
    fn key_sets_and_integers_are_exact() {
        let v = parse(br#"{"a":1,"b":2.5,"x":null}"#).expect("json");
        let mut p = Problems::default();
        p.keys(&v, &["a", "b", "c"], "top");
        p.integer(&v, "a", "top");
        p.integer(&v, "b", "top");
        assert_eq!(
            p.0,
            vec![
                "top: unknown field \"x\"",
                "top: missing field \"c\"",
                "top: b is not an integer in the i64 range"
            ]
        );
    }

    #[test]
    fn a_float_reads_back_exactly_as_written() {
        // A camera confidence kept as f32 and written as f64: without exact
        // float parsing the view read back differs in the last digit, and
        // an honest export would fail to verify.
        for x in [f64::from(0.46f32), 44.334596009276964, 0.1 + 0.2] {
            let text = serde_json::to_string(&x).expect("json");
            let back = parse(text.as_bytes()).expect("parses");
            assert_eq!(back.as_f64(), Some(x), "{text}");
        }
    }

    #[test]
    fn base64_and_hex_must_be_canonical() {
        assert_eq!(base64_canonical("AAE="), Ok(vec![0, 1]));
        assert!(base64_canonical("AAF=").is_err(), "non-zero unused bits");
        assert!(base64_canonical("AAE").is_err(), "no padding");
        assert!(hex_canonical("0A").is_err());
        assert_eq!(hex_canonical("0a"), Ok(vec![10]));
    }
}
