//! Reading a map or a list of a document in one pass.
//!
//! Automerge 0.12 finds a key of a map by seeking through the document's
//! columns, which for the small maps of an inspection costs about as much
//! as reading the whole map: a view that reads a dozen fields of an object
//! one by one pays a dozen times. [`Fields`] reads an object's visible
//! values once; [`list_items`] does the same for a list. The values are
//! the ones `ReadDoc::get` returns (the visible winner of each key), and
//! they are read as the single-key accessors in [`crate::doc`] read them.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};

/// The visible value of each key of one map, read in one pass.
pub(crate) struct Fields(Vec<(String, Value<'static>, ObjId)>);

impl Fields {
    /// The map `obj` of `d` (nothing if it is not a map).
    pub(crate) fn of(d: &AutoCommit, obj: &ObjId) -> Fields {
        Fields(
            d.map_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    (item.key.into_owned(), item.value.into_value(), id)
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<(&Value<'static>, &ObjId)> {
        self.0
            .iter()
            .find(|(k, ..)| k == key)
            .map(|(_, value, id)| (value, id))
    }

    /// The object at `key`, if the value there is one.
    pub(crate) fn obj(&self, key: &str) -> Option<ObjId> {
        match self.get(key)? {
            (Value::Object(_), id) => Some(id.clone()),
            _ => None,
        }
    }

    pub(crate) fn str(&self, key: &str) -> Option<String> {
        str_of(self.get(key)?.0)
    }

    pub(crate) fn i64(&self, key: &str) -> Option<i64> {
        i64_of(self.get(key)?.0)
    }

    pub(crate) fn f64(&self, key: &str) -> Option<f64> {
        f64_of(self.get(key)?.0)
    }
}

/// The visible values of the list `list` of `d`, in order, each with its
/// id (an object's id where the value is one), read in one pass. A map
/// where a list belongs has no items (as reading it by index gives none);
/// a text is read by index, a character at a time, as before.
pub(crate) fn list_items(d: &AutoCommit, list: &ObjId) -> Vec<(Value<'static>, ObjId)> {
    match d.object_type(list) {
        Ok(ObjType::List) => d
            .list_range(list, ..)
            .map(|item| {
                let id = item.id();
                (item.value.into_value(), id)
            })
            .collect(),
        Ok(ObjType::Text) => (0..d.length(list))
            .filter_map(|i| match d.get(list, i) {
                Ok(Some((value, id))) => Some((value.to_owned(), id)),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// The objects of a list, in order; `None` where an item is not one.
pub(crate) fn list_objects(d: &AutoCommit, list: &ObjId) -> Vec<Option<ObjId>> {
    list_items(d, list)
        .into_iter()
        .map(|(value, id)| matches!(value, Value::Object(_)).then_some(id))
        .collect()
}

/// A string value (`None` for any other kind).
pub(crate) fn str_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// An integer or a timestamp; an unsigned integer that fits.
pub(crate) fn i64_of(value: &Value<'_>) -> Option<i64> {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// A float, or an integer as one.
pub(crate) fn f64_of(value: &Value<'_>) -> Option<f64> {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::F64(f) => Some(*f),
            ScalarValue::Int(i) => Some(*i as f64),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT};
    use proptest::prelude::*;

    /// Each key of `obj` as `get` reads it and as `Fields` reads it.
    fn agree(d: &AutoCommit, obj: &ObjId, keys: &[&str]) {
        let fields = Fields::of(d, obj);
        for key in keys {
            let one = d.get(obj, *key).expect("get");
            let (value, id) = match fields.get(key) {
                Some((v, id)) => (Some(v.clone()), Some(id.clone())),
                None => (None, None),
            };
            assert_eq!(one.clone().map(|(v, _)| v), value, "value of {key}");
            assert_eq!(one.map(|(_, i)| i), id, "id of {key}");
        }
    }

    proptest! {
        /// Two devices write the same keys concurrently (a conflict on
        /// each), some keys deleted, some holding objects: one pass reads
        /// what a seek per key reads, for every key.
        #[test]
        fn one_pass_reads_what_a_seek_per_key_reads(
            writes in proptest::collection::vec((0usize..6, 0u8..4, any::<i64>(), any::<bool>()), 1..40),
        ) {
            const KEYS: [&str; 6] = ["a", "b", "created_ms", "outcome", "x", "zz"];
            let mut one = AutoCommit::new().with_actor(ActorId::from([1u8; 32].as_slice()));
            let mut two = one.fork().with_actor(ActorId::from([2u8; 32].as_slice()));
            for (i, (key, kind, n, second)) in writes.iter().enumerate() {
                let d = if *second { &mut two } else { &mut one };
                let key = KEYS[*key];
                match kind {
                    0 => { d.put(&ROOT, key, *n).expect("put"); }
                    1 => { d.put(&ROOT, key, format!("s{n}")).expect("put"); }
                    2 => { d.put_object(&ROOT, key, ObjType::Map).expect("put"); }
                    _ => { let _ = d.delete(&ROOT, key); }
                }
                if i % 7 == 3 {
                    one.merge(&mut two).expect("merge");
                }
            }
            one.merge(&mut two).expect("merge");
            agree(&one, &ROOT, &KEYS);
        }
    }

    /// Where a list belongs, a map or a text is read as a seek per index
    /// reads it: a map has no items, a text its characters.
    #[test]
    fn a_map_or_a_text_where_a_list_belongs_reads_as_by_index() {
        let mut d = AutoCommit::new();
        let map = d.put_object(&ROOT, "crew", ObjType::Map).expect("map");
        d.put(&map, "a", "OF-1").expect("put");
        d.put(&map, "b", "OF-2").expect("put");
        assert!(list_items(&d, &map).is_empty());
        let text = d.put_object(&ROOT, "t", ObjType::Text).expect("text");
        d.splice_text(&text, 0, 0, "ab").expect("splice");
        let by_index: Vec<_> = (0..d.length(&text))
            .map(|i| d.get(&text, i).expect("get").map(|(v, _)| v.to_owned()))
            .collect();
        let items: Vec<_> = list_items(&d, &text)
            .into_iter()
            .map(|(v, _)| Some(v))
            .collect();
        assert_eq!(items, by_index);
    }

    #[test]
    fn a_list_is_read_in_order_with_its_objects() {
        let mut d = AutoCommit::new();
        let list = d.put_object(&ROOT, "l", ObjType::List).expect("list");
        d.insert(&list, 0, "first").expect("insert");
        let map = d.insert_object(&list, 1, ObjType::Map).expect("map");
        d.insert(&list, 2, 7i64).expect("insert");
        d.delete(&list, 0).expect("delete");
        let items = list_items(&d, &list);
        assert_eq!(items.len(), 2);
        assert_eq!(list_objects(&d, &list), vec![Some(map), None]);
        assert_eq!(i64_of(&items[1].0), Some(7));
        assert_eq!(str_of(&items[1].0), None);
    }
}
