//! The annotation layer: marks an officer draws on a scan.
//!
//! Schema of an entry of the root `annotations` list (append-only, like
//! decisions: a mark once made stays in the record):
//! ```text
//! map { id: str (UUID), scan: str (the scan's id), kind: str,
//!       shape: str ("rect" | "free"), coords: list<f64>,
//!       label: str, added_ms: int, added_by: str }
//! ```
//! `coords` are full-resolution pixels of the scan's primary image:
//! `[x, y, w, h]` for a rectangle, `[x0, y0, x1, y1, ...]` for a free-hand
//! outline. A flat list of numbers keeps a free-hand mark of 500 points one
//! small change.

use crate::doc::{commit, get_i64, get_str, invalid, obj_at, obj_in};
use crate::{InspectionDoc, ModelError, OfficerId};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use serde::{Deserialize, Serialize};

/// Most points in a free-hand outline.
pub const MAX_POINTS: usize = 2_000;
/// Largest coordinate (the largest image side, with room for marks that
/// reach past the edge).
const MAX_COORD: f64 = 2.0 * crate::scan::MAX_SIDE as f64;

/// What an officer marks on a scan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    Void,
    DoubleWall,
    DensityAnomaly,
    UndeclaredGoods,
    Other,
}

impl AnnotationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::Void => "void",
            AnnotationKind::DoubleWall => "double_wall",
            AnnotationKind::DensityAnomaly => "density_anomaly",
            AnnotationKind::UndeclaredGoods => "undeclared_goods",
            AnnotationKind::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "void" => AnnotationKind::Void,
            "double_wall" => AnnotationKind::DoubleWall,
            "density_anomaly" => AnnotationKind::DensityAnomaly,
            "undeclared_goods" => AnnotationKind::UndeclaredGoods,
            "other" => AnnotationKind::Other,
            _ => return None,
        })
    }
}

impl std::str::FromStr for AnnotationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AnnotationKind::parse(s).ok_or_else(|| {
            format!(
                "unknown mark kind {s:?}; expected void, double_wall, density_anomaly, undeclared_goods or other"
            )
        })
    }
}

/// Where a mark is, in full-resolution image pixels (x right, y down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64 },
    Free { points: Vec<(f64, f64)> },
}

impl Shape {
    fn name(&self) -> &'static str {
        match self {
            Shape::Rect { .. } => "rect",
            Shape::Free { .. } => "free",
        }
    }

    fn coords(&self) -> Vec<f64> {
        match self {
            Shape::Rect { x, y, w, h } => vec![*x, *y, *w, *h],
            Shape::Free { points } => points.iter().flat_map(|&(x, y)| [x, y]).collect(),
        }
    }

    fn from_coords(name: &str, c: &[f64]) -> Result<Shape, String> {
        let shape = match (name, c) {
            ("rect", &[x, y, w, h]) => Shape::Rect { x, y, w, h },
            ("free", c) if c.len() % 2 == 0 => Shape::Free {
                points: c.chunks_exact(2).map(|p| (p[0], p[1])).collect(),
            },
            _ => return Err(format!("{} coordinates do not make a {name:?}", c.len())),
        };
        shape.check()?;
        Ok(shape)
    }

    /// Checks the shape is drawable: finite, in range, not degenerate.
    pub fn check(&self) -> Result<(), String> {
        let coords = self.coords();
        if coords.iter().any(|v| !v.is_finite() || v.abs() > MAX_COORD) {
            return Err("a coordinate is not a finite pixel position".into());
        }
        match self {
            Shape::Rect { w, h, .. } if *w <= 0.0 || *h <= 0.0 => {
                Err("a rectangle needs a positive width and height".into())
            }
            Shape::Free { points } if points.len() < 2 => {
                Err("a free-hand mark needs at least 2 points".into())
            }
            Shape::Free { points } if points.len() > MAX_POINTS => Err(format!(
                "a free-hand mark has at most {MAX_POINTS} points, not {}",
                points.len()
            )),
            _ => Ok(()),
        }
    }
}

/// A mark to add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(rename = "NewAnnotationInput")]
pub struct NewAnnotation {
    /// The scan's id (its primary image's blob hash).
    pub scan: String,
    pub kind: AnnotationKind,
    pub shape: Shape,
    /// Free text beside the kind; may be empty.
    pub label: String,
}

/// One entry of the annotation layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Annotation {
    /// UUID.
    pub id: String,
    pub scan: String,
    pub kind: AnnotationKind,
    pub shape: Shape,
    pub label: String,
    #[ts(type = "number")]
    pub added_ms: i64,
    pub added_by: String,
}

impl InspectionDoc {
    /// Appends a mark to the annotation layer; returns its id. The scan must
    /// be attached to this inspection.
    pub fn annotate(
        &mut self,
        a: &NewAnnotation,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<String, ModelError> {
        a.shape.check().map_err(|e| invalid("annotation", e))?;
        crate::doc::check_len("label", &a.label, 500)?;
        let mut ignored = vec![];
        if !crate::scan::read_scans(&self.doc, &mut ignored)
            .iter()
            .any(|s| s.id == a.scan)
        {
            return Err(invalid(
                "annotation",
                format!("scan {:.12} is not attached to this inspection", a.scan),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let d = &mut self.doc;
        let list = match obj_in(d, &ROOT, "annotations") {
            Some(l) => l,
            None => d.put_object(ROOT, "annotations", ObjType::List)?,
        };
        let at = d.length(&list);
        let entry = d.insert_object(&list, at, ObjType::Map)?;
        d.put(&entry, "id", id.as_str())?;
        d.put(&entry, "scan", a.scan.as_str())?;
        d.put(&entry, "kind", a.kind.as_str())?;
        d.put(&entry, "shape", a.shape.name())?;
        let coords = d.put_object(&entry, "coords", ObjType::List)?;
        for (i, v) in a.shape.coords().into_iter().enumerate() {
            d.insert(&coords, i, v)?;
        }
        d.put(&entry, "label", a.label.as_str())?;
        d.put(&entry, "added_ms", now_ms)?;
        d.put(&entry, "added_by", officer.as_str())?;
        commit(d, officer, "annotate", now_ms);
        Ok(id)
    }
}

fn f64_list(d: &AutoCommit, list: &automerge::ObjId) -> Result<Vec<f64>, String> {
    (0..d.length(list))
        .map(|i| match d.get(list, i) {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::F64(v) => Ok(*v),
                ScalarValue::Int(v) => Ok(*v as f64),
                ScalarValue::Uint(v) => Ok(*v as f64),
                _ => Err(format!("coordinate {i} is not a number")),
            },
            _ => Err(format!("coordinate {i} is missing")),
        })
        .collect()
}

/// Reads the annotation layer; entries that do not follow the schema are
/// left out and described in `problems`.
pub(crate) fn read_annotations(d: &AutoCommit, problems: &mut Vec<String>) -> Vec<Annotation> {
    let Some(list) = obj_in(d, &ROOT, "annotations") else {
        return vec![];
    };
    let mut out = vec![];
    for n in 0..d.length(&list) {
        let read = || -> Result<Annotation, String> {
            let entry = obj_at(d, &list, n).ok_or("not a map")?;
            let kind = get_str(d, &entry, "kind")
                .and_then(|k| AnnotationKind::parse(&k))
                .ok_or("unknown kind")?;
            let coords = obj_in(d, &entry, "coords").ok_or("no coordinates")?;
            let shape_name = get_str(d, &entry, "shape").unwrap_or_default();
            let shape = Shape::from_coords(&shape_name, &f64_list(d, &coords)?)?;
            Ok(Annotation {
                id: get_str(d, &entry, "id").unwrap_or_default(),
                scan: get_str(d, &entry, "scan").unwrap_or_default(),
                kind,
                shape,
                label: get_str(d, &entry, "label").unwrap_or_default(),
                added_ms: get_i64(d, &entry, "added_ms").unwrap_or(0),
                added_by: get_str(d, &entry, "added_by").unwrap_or_default(),
            })
        };
        match read() {
            Ok(a) => out.push(a),
            Err(e) => problems.push(format!("annotation {n} left out: {e}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Energy, InspectionId, NewInspection, NewScan, ScanImage};

    fn officer() -> OfficerId {
        OfficerId::new("OF-1").expect("test")
    }

    fn doc_with_scan() -> (InspectionDoc, String) {
        let input = NewInspection {
            tractor_plate: "AA1234BB".into(),
            unit: "MOBILE-7".into(),
            ..NewInspection::default()
        };
        let mut doc =
            InspectionDoc::create(&[1; 32], InspectionId::random(), &input, &officer(), 1_000)
                .expect("create");
        let blob = "ab".repeat(32);
        let scan = NewScan {
            images: vec![ScanImage {
                blob: blob.clone(),
                size: 10,
                width: 4096,
                height: 2048,
                bits: 16,
                channels: 1,
                format: "tiff".into(),
                energy: Energy::Single,
            }],
            ..NewScan::default()
        };
        doc.add_scan(&scan, &officer(), 2_000).expect("scan");
        (doc, blob)
    }

    #[test]
    fn marks_round_trip_through_the_document() {
        let (mut doc, scan) = doc_with_scan();
        let rect = NewAnnotation {
            scan: scan.clone(),
            kind: AnnotationKind::DoubleWall,
            shape: Shape::Rect {
                x: 10.5,
                y: 20.0,
                w: 300.0,
                h: 40.0,
            },
            label: "front wall 30 cm thick".into(),
        };
        let free = NewAnnotation {
            scan: scan.clone(),
            kind: AnnotationKind::Void,
            shape: Shape::Free {
                points: vec![(1.0, 2.0), (3.0, 4.0), (5.0, 1.0)],
            },
            label: String::new(),
        };
        let a = doc.annotate(&rect, &officer(), 3_000).expect("rect");
        doc.annotate(&free, &officer(), 4_000).expect("free");
        let saved = doc.doc.save();
        let back = InspectionDoc::load(&saved, &[2; 32]).expect("load");
        let view = back.view().expect("view");
        assert!(view.problems.is_empty(), "{:?}", view.problems);
        assert_eq!(view.annotations.len(), 2);
        assert_eq!(view.annotations[0].id, a);
        assert_eq!(view.annotations[0].shape, rect.shape);
        assert_eq!(view.annotations[0].kind, AnnotationKind::DoubleWall);
        assert_eq!(view.annotations[0].added_by, "OF-1");
        assert_eq!(view.annotations[1].shape, free.shape);
        assert_eq!(view.annotations[1].added_ms, 4_000);
    }

    #[test]
    fn bad_marks_are_refused() {
        let (mut doc, scan) = doc_with_scan();
        let mut a = NewAnnotation {
            scan: "cd".repeat(32),
            kind: AnnotationKind::Other,
            shape: Shape::Rect {
                x: 0.0,
                y: 0.0,
                w: 5.0,
                h: 5.0,
            },
            label: String::new(),
        };
        let err = doc.annotate(&a, &officer(), 1).expect_err("unknown scan");
        assert!(err.to_string().contains("not attached"), "{err}");
        a.scan = scan;
        for shape in [
            Shape::Rect {
                x: f64::NAN,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            },
            Shape::Rect {
                x: 0.0,
                y: 0.0,
                w: -1.0,
                h: 1.0,
            },
            Shape::Free {
                points: vec![(0.0, 0.0)],
            },
            Shape::Free {
                points: vec![(0.0, 0.0); MAX_POINTS + 1],
            },
        ] {
            a.shape = shape;
            assert!(doc.annotate(&a, &officer(), 1).is_err(), "{:?}", a.shape);
        }
        assert!(doc.view().expect("view").annotations.is_empty());
    }

    #[test]
    fn a_malformed_entry_is_reported_not_fatal() {
        let (mut doc, _) = doc_with_scan();
        let list = obj_in(&doc.doc, &ROOT, "annotations").expect("list");
        let entry = doc
            .doc
            .insert_object(&list, 0, ObjType::Map)
            .expect("insert");
        doc.doc.put(&entry, "kind", "banana").expect("put");
        let view = doc.view().expect("view");
        assert!(view.annotations.is_empty());
        assert_eq!(view.problems.len(), 1, "{:?}", view.problems);
    }
}
