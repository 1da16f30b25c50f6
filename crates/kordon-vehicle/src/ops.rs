//! Inspections: create, decide, notes, annotations, read, vehicle history.

use crate::{Vehicle, VehicleError};
use kordon_model::{
    InspectionDoc, InspectionId, InspectionView, NewAnnotation, NewDecision, NewInspection,
    OfficerId,
};
use kordon_store::{IndexRow, Query};

impl Vehicle {
    /// Opens a new inspection; returns its view. One signed record.
    pub fn create_inspection(
        &mut self,
        input: &NewInspection,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let id = InspectionId::random();
        let mut doc =
            InspectionDoc::create(self.key.public().as_bytes(), id, input, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    fn load(&mut self, id: InspectionId) -> Result<InspectionDoc, VehicleError> {
        self.store
            .load_doc(id)?
            .ok_or_else(|| VehicleError::NotFound(id.to_string()))
    }

    /// Appends a decision; returns the updated view. One signed record.
    pub fn decide(
        &mut self,
        id: InspectionId,
        decision: &NewDecision,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.decide(decision, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    /// Replaces the notes (merged character-wise with concurrent edits).
    pub fn set_notes(
        &mut self,
        id: InspectionId,
        text: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.set_notes(text, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    /// Appends a mark to the annotation layer; returns the updated view.
    /// One signed record.
    pub fn annotate(
        &mut self,
        id: InspectionId,
        mark: &NewAnnotation,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.annotate(mark, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    /// Earlier inspections of the same vehicle: those sharing the tractor or
    /// trailer plate (by key, so any spelling) or a container code. Newest
    /// first, without `id` itself, at most `limit`.
    pub fn vehicle_history(
        &mut self,
        id: InspectionId,
        limit: usize,
    ) -> Result<Vec<IndexRow>, VehicleError> {
        let view = self.show(id)?;
        let mut queries = vec![];
        for plate in [&view.tractor_plate, &view.trailer_plate]
            .into_iter()
            .flatten()
        {
            queries.push(Query {
                plate: Some(plate.canonical.clone()),
                limit: Some(limit + 1),
                ..Query::default()
            });
        }
        for c in &view.containers {
            queries.push(Query {
                container: Some(c.as_str().to_string()),
                limit: Some(limit + 1),
                ..Query::default()
            });
        }
        let mut rows: Vec<IndexRow> = vec![];
        for q in &queries {
            for row in self.store.query(q)? {
                if row.view.id != id && !rows.iter().any(|r| r.view.id == row.view.id) {
                    rows.push(row);
                }
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.view.created_ms));
        rows.truncate(limit);
        Ok(rows)
    }

    /// The inspection as the document says now.
    pub fn show(&mut self, id: InspectionId) -> Result<InspectionView, VehicleError> {
        Ok(self.load(id)?.view()?)
    }

    /// The whole document as JSON, and its heads (for comparisons).
    pub fn document(
        &mut self,
        id: InspectionId,
    ) -> Result<(serde_json::Value, Vec<String>), VehicleError> {
        let mut doc = self.load(id)?;
        Ok((doc.to_json(), doc.heads()))
    }

    /// Inspections matching `q`, from the index (no document is loaded).
    pub fn list(&self, q: &Query) -> Result<Vec<IndexRow>, VehicleError> {
        Ok(self.store.query(q)?)
    }
}
