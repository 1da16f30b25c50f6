//! A trainee's attempt at a training exercise: one document, made by the
//! trainee's device when the exercise starts, with one append-only entry
//! per image answered. It travels to the centre like an inspection, signed
//! by the device, so trainers see every trainee's results; it is never an
//! inspection and never a finding. Its id is a UUID of version 6
//! ([`DocKind::of`](crate::DocKind::of)).
//!
//! Schema (root map):
//! ```text
//! schema      int 1
//! id          str
//! unit        str
//! created_ms  int
//! created_by  str    the trainee
//! name        str    the exercise's name
//! exercise    str    the exercise as JSON, ground truth included (fixed at creation)
//! answers     list<map { image, decision: "suspect"|"clear", marks: str (JSON [[x, y, w, h], ...]),
//!                        time_ms, answered_ms, by }>   append-only
//! ```
//! The model keeps the exercise as text: what it holds (images, their
//! scans, where items were put) is `kordon-training`'s to read and score.
//! The receivers' schema rules hold `exercise` fixed and `answers`
//! append-only, and only a device writes such a document.

use crate::doc::{commit, get_i64, get_str, invalid, obj_at, obj_in};
use crate::{InspectionDoc, ModelError, OfficerId};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

pub const TRAINING_SCHEMA: i64 = 1;
/// Largest exercise text a document carries.
pub const MAX_EXERCISE_BYTES: usize = 256 * 1024;
/// Largest change a receiver takes into an attempt: its start, with the
/// exercise, and room to spare.
pub const MAX_CHANGE_BYTES: usize = MAX_EXERCISE_BYTES + 64 * 1024;
/// Most marks on one answer.
pub const MAX_MARKS: usize = 32;
/// Longest time an answer may say was spent on an image (a day); longer
/// is taken as this.
pub const MAX_TIME_MS: u64 = 24 * 3600 * 1000;

/// A training document's id: a random UUID of version 6.
pub fn new_training_id() -> uuid::Uuid {
    let mut b = *uuid::Uuid::new_v4().as_bytes();
    b[6] = (b[6] & 0x0f) | 0x60;
    uuid::Uuid::from_bytes(b)
}

/// What a trainee called an image.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrainingDecision {
    Clear,
    Suspect,
}

impl TrainingDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingDecision::Clear => "clear",
            TrainingDecision::Suspect => "suspect",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "clear" => Some(TrainingDecision::Clear),
            "suspect" => Some(TrainingDecision::Suspect),
            _ => None,
        }
    }
}

/// One answer as the trainee gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTrainingAnswer {
    pub image: String,
    pub decision: TrainingDecision,
    /// Marked areas, `[x, y, w, h]` in image pixels.
    pub marks: Vec<[f64; 4]>,
    /// Time from the image being shown to the answer.
    pub time_ms: u64,
}

/// One answer as the document holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingAnswer {
    pub image: String,
    pub decision: TrainingDecision,
    pub marks: Vec<[f64; 4]>,
    pub time_ms: u64,
    pub answered_ms: i64,
    pub by: String,
}

/// The document as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingView {
    pub id: String,
    pub unit: String,
    pub trainee: String,
    pub created_ms: i64,
    pub name: String,
    /// The exercise as JSON, as given at the start.
    pub exercise: String,
    /// In the order they were made; an image answered twice counts the
    /// first made.
    pub answers: Vec<TrainingAnswer>,
}

impl TrainingView {
    /// The answer that counts for `image`, if any.
    pub fn answer(&self, image: &str) -> Option<&TrainingAnswer> {
        self.answers.iter().find(|a| a.image == image)
    }
}

/// One attempt, edited as the trainee's device.
#[derive(Debug)]
pub struct TrainingDoc {
    doc: AutoCommit,
}

impl From<InspectionDoc> for TrainingDoc {
    /// The store loads every document untyped; an attempt reads the same bytes.
    fn from(d: InspectionDoc) -> Self {
        TrainingDoc { doc: d.doc }
    }
}

impl From<TrainingDoc> for InspectionDoc {
    fn from(d: TrainingDoc) -> Self {
        InspectionDoc { doc: d.doc }
    }
}

fn line(field: &'static str, s: &str, max: usize) -> Result<String, ModelError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("must be 1 to {max} characters, with no control characters"),
        ));
    }
    Ok(t.to_string())
}

fn check_marks(marks: &[[f64; 4]]) -> Result<(), ModelError> {
    if marks.len() > MAX_MARKS {
        return Err(invalid("marks", format!("more than {MAX_MARKS}")));
    }
    for m in marks {
        if !m.iter().all(|v| v.is_finite() && *v >= 0.0 && *v <= 1e6) || m[2] <= 0.0 || m[3] <= 0.0
        {
            return Err(invalid(
                "marks",
                "a mark is not a box [x, y, w, h] with a positive width and height",
            ));
        }
    }
    Ok(())
}

impl TrainingDoc {
    /// Starts an attempt: `exercise` is the exercise as JSON (checked to be
    /// JSON and within [`MAX_EXERCISE_BYTES`]; what it holds is the
    /// caller's).
    pub fn create(
        actor: &[u8],
        id: uuid::Uuid,
        unit: &str,
        name: &str,
        exercise: &str,
        trainee: &OfficerId,
        now_ms: i64,
    ) -> Result<Self, ModelError> {
        let unit = line("unit", unit, 64)?;
        let name = line("name", name, 200)?;
        if exercise.len() > MAX_EXERCISE_BYTES {
            return Err(invalid(
                "exercise",
                format!("larger than {MAX_EXERCISE_BYTES} bytes"),
            ));
        }
        if serde_json::from_str::<serde_json::Value>(exercise).is_err() {
            return Err(invalid("exercise", "is not JSON"));
        }
        let mut doc = AutoCommit::new().with_actor(ActorId::from(actor));
        doc.put(ROOT, "schema", TRAINING_SCHEMA)?;
        doc.put(ROOT, "id", id.to_string())?;
        doc.put(ROOT, "unit", unit.as_str())?;
        doc.put(ROOT, "created_ms", now_ms)?;
        doc.put(ROOT, "created_by", trainee.as_str())?;
        doc.put(ROOT, "name", name.as_str())?;
        doc.put(ROOT, "exercise", exercise)?;
        doc.put_object(ROOT, "answers", ObjType::List)?;
        commit(&mut doc, trainee, "training_start", now_ms);
        Ok(TrainingDoc { doc })
    }

    /// Appends an answer. The image must not be answered already (the
    /// caller checks it names an image of the exercise).
    pub fn answer(
        &mut self,
        answer: &NewTrainingAnswer,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        let image = line("image", &answer.image, 200)?;
        check_marks(&answer.marks)?;
        let view = self.view()?;
        if view.answer(&image).is_some() {
            return Err(invalid("image", format!("{image} is answered already")));
        }
        let list = obj_in(&self.doc, &ROOT, "answers")
            .ok_or_else(|| invalid("answers", "the document has no answers list"))?;
        let marks =
            serde_json::to_string(&answer.marks).map_err(|e| invalid("marks", e.to_string()))?;
        let at = self.doc.length(&list);
        let entry = self.doc.insert_object(&list, at, ObjType::Map)?;
        self.doc.put(&entry, "image", image.as_str())?;
        self.doc.put(&entry, "decision", answer.decision.as_str())?;
        self.doc.put(&entry, "marks", marks)?;
        self.doc.put(
            &entry,
            "time_ms",
            i64::try_from(answer.time_ms.min(MAX_TIME_MS)).unwrap_or(0),
        )?;
        self.doc.put(&entry, "answered_ms", now_ms)?;
        self.doc.put(&entry, "by", officer.as_str())?;
        commit(&mut self.doc, officer, "training_answer", now_ms);
        Ok(())
    }

    /// The raw bytes of the change the last operation committed.
    pub fn last_change(&mut self) -> Option<Vec<u8>> {
        self.doc
            .get_last_local_change()
            .map(|c| c.raw_bytes().to_vec())
    }

    pub fn view(&self) -> Result<TrainingView, ModelError> {
        view_of(&self.doc)
    }
}

/// An attempt's view from an untyped document, if it is one.
pub fn training_view(doc: &InspectionDoc) -> Result<TrainingView, ModelError> {
    view_of(&doc.doc)
}

fn view_of(d: &AutoCommit) -> Result<TrainingView, ModelError> {
    if get_i64(d, &ROOT, "schema") != Some(TRAINING_SCHEMA) {
        return Err(invalid("schema", "not a training document"));
    }
    let field = |k: &'static str| get_str(d, &ROOT, k).ok_or_else(|| invalid(k, "is missing"));
    // Entries in the order they were made (their operation's counter; an
    // attempt has one author), not their place in the list: an answer
    // inserted before an earlier one does not replace it.
    let mut made: Vec<(u64, TrainingAnswer)> = vec![];
    if let Some(list) = obj_in(d, &ROOT, "answers") {
        for i in 0..d.length(&list) {
            let Some(entry) = obj_at(d, &list, i) else {
                continue;
            };
            let automerge::ObjId::Id(counter, _, _) = entry else {
                continue;
            };
            let (Some(image), Some(decision)) = (
                get_str(d, &entry, "image"),
                get_str(d, &entry, "decision").and_then(|s| TrainingDecision::parse(&s)),
            ) else {
                continue;
            };
            let marks: Vec<[f64; 4]> = get_str(d, &entry, "marks")
                .and_then(|m| serde_json::from_str(&m).ok())
                .filter(|m: &Vec<[f64; 4]>| check_marks(m).is_ok())
                .unwrap_or_default();
            made.push((
                counter,
                TrainingAnswer {
                    image,
                    decision,
                    marks,
                    time_ms: get_i64(d, &entry, "time_ms")
                        .and_then(|t| u64::try_from(t).ok())
                        .unwrap_or(0)
                        .min(MAX_TIME_MS),
                    answered_ms: get_i64(d, &entry, "answered_ms").unwrap_or(0),
                    by: get_str(d, &entry, "by").unwrap_or_default(),
                },
            ));
        }
    }
    made.sort_by_key(|(counter, _)| *counter);
    let mut answers: Vec<TrainingAnswer> = vec![];
    for (_, a) in made {
        if !answers.iter().any(|held| held.image == a.image) {
            answers.push(a);
        }
    }
    Ok(TrainingView {
        id: field("id")?,
        unit: field("unit")?,
        trainee: field("created_by")?,
        created_ms: get_i64(d, &ROOT, "created_ms").unwrap_or(0),
        name: field("name")?,
        exercise: field("exercise")?,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ChangeOps, Outline, RuleBroken, Writer};

    fn officer() -> OfficerId {
        OfficerId::new("OF-1742").expect("officer")
    }

    fn answer(image: &str) -> NewTrainingAnswer {
        NewTrainingAnswer {
            image: image.into(),
            decision: TrainingDecision::Suspect,
            marks: vec![[10.0, 20.0, 30.0, 40.0]],
            time_ms: 4_200,
        }
    }

    fn started() -> TrainingDoc {
        TrainingDoc::create(
            &[7u8; 32],
            new_training_id(),
            "MOBILE-1",
            "Week 1",
            r#"{"images":[]}"#,
            &officer(),
            1_000,
        )
        .expect("create")
    }

    #[test]
    fn its_id_says_what_it_is() {
        assert_eq!(
            crate::DocKind::of(new_training_id().as_bytes()),
            crate::DocKind::Training
        );
    }

    #[test]
    fn answers_are_appended_and_an_image_is_answered_once() {
        let mut doc = started();
        doc.answer(&answer("TIP_0001"), &officer(), 2_000)
            .expect("first");
        let again = doc.answer(&answer("TIP_0001"), &officer(), 3_000);
        assert!(again.is_err(), "a second answer to one image is refused");
        doc.answer(
            &NewTrainingAnswer {
                decision: TrainingDecision::Clear,
                marks: vec![],
                ..answer("TIP_0002")
            },
            &officer(),
            4_000,
        )
        .expect("second image");
        let v = doc.view().expect("view");
        assert_eq!(v.trainee, "OF-1742");
        assert_eq!(v.name, "Week 1");
        assert_eq!(v.answers.len(), 2);
        assert_eq!(v.answers[0].marks, vec![[10.0, 20.0, 30.0, 40.0]]);
        assert_eq!(v.answers[0].time_ms, 4_200);
        assert_eq!(v.answers[1].decision, TrainingDecision::Clear);
        assert_eq!(v.answers[1].answered_ms, 4_000);
    }

    #[test]
    fn bad_input_is_refused() {
        let bad_json = TrainingDoc::create(
            &[7u8; 32],
            new_training_id(),
            "MOBILE-1",
            "x",
            "not json",
            &officer(),
            1,
        );
        assert!(bad_json.is_err());
        let mut doc = started();
        for marks in [
            vec![[f64::NAN, 0.0, 1.0, 1.0]],
            vec![[0.0, 0.0, 0.0, 1.0]],
            vec![[0.0, 0.0, 1.0, 1.0]; MAX_MARKS + 1],
        ] {
            let a = NewTrainingAnswer {
                marks,
                ..answer("TIP_0001")
            };
            assert!(doc.answer(&a, &officer(), 2).is_err());
        }
    }

    /// An answer inserted before an earlier one (the rules let a change
    /// insert anywhere in an append-only list) does not replace it.
    #[test]
    fn the_first_answer_made_counts_wherever_it_stands() {
        let mut doc = started();
        doc.answer(
            &NewTrainingAnswer {
                decision: TrainingDecision::Clear,
                marks: vec![],
                ..answer("TIP_0001")
            },
            &officer(),
            2_000,
        )
        .expect("answer");
        let list = obj_in(&doc.doc, &ROOT, "answers").expect("list");
        let entry = doc
            .doc
            .insert_object(&list, 0, ObjType::Map)
            .expect("insert");
        doc.doc.put(&entry, "image", "TIP_0001").expect("put");
        doc.doc.put(&entry, "decision", "suspect").expect("put");
        doc.doc.put(&entry, "time_ms", 5_i64).expect("put");
        commit(&mut doc.doc, &officer(), "tamper", 3_000);
        let v = doc.view().expect("view");
        assert_eq!(v.answers.len(), 1);
        assert_eq!(v.answers[0].decision, TrainingDecision::Clear);
        assert_eq!(v.answers[0].time_ms, 4_200);
    }

    /// The receivers' rules: answers only added, the exercise fixed.
    #[test]
    fn the_rules_keep_answers_and_the_exercise() {
        let actor = [7u8; 32];
        let mut doc = started();
        let genesis = doc.last_change().expect("genesis");
        let mut outline = Outline::new();
        let ops = |bytes: &[u8]| -> ChangeOps { ChangeOps::decode(bytes).expect("ops") };
        let g = ops(&genesis);
        outline.check(&g, Writer::Device).expect("genesis passes");
        outline.fold(&g);
        doc.answer(&answer("TIP_0001"), &officer(), 2_000)
            .expect("answer");
        let a = ops(&doc.last_change().expect("answer change"));
        outline.check(&a, Writer::Device).expect("an answer passes");
        assert!(
            outline.check(&a, Writer::Server).is_err(),
            "the server's key adds no answers"
        );
        outline.fold(&a);

        // Rewriting the exercise is refused.
        let mut tampered = TrainingDoc {
            doc: doc.doc.fork().with_actor(ActorId::from(&actor[..])),
        };
        tampered.doc.put(ROOT, "exercise", "{}").expect("put");
        commit(&mut tampered.doc, &officer(), "tamper", 3_000);
        let t = ops(&tampered.last_change().expect("tampered"));
        assert_eq!(
            outline.check(&t, Writer::Device),
            Err(RuleBroken::FixedField { field: "exercise" })
        );

        // Deleting an answer is refused.
        let mut deleting = TrainingDoc {
            doc: doc.doc.fork().with_actor(ActorId::from(&actor[..])),
        };
        let list = obj_in(&deleting.doc, &ROOT, "answers").expect("list");
        deleting.doc.delete(&list, 0).expect("delete");
        commit(&mut deleting.doc, &officer(), "tamper", 3_000);
        let t = ops(&deleting.last_change().expect("deleting"));
        assert!(matches!(
            outline.check(&t, Writer::Device),
            Err(RuleBroken::EntryRemoved {
                list: "answers",
                ..
            })
        ));
    }
}
