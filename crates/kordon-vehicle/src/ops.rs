//! Inspections: create, decide, notes, annotations, alerts and their
//! responses, read corrections, read, vehicle history.

use crate::{Vehicle, VehicleError};
use kordon_model::{
    InspectionDoc, InspectionId, InspectionView, NewAlertResponse, NewAnnotation, NewDecision,
    NewInspection, OfficerId,
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
        self.raise_typed_alerts(id, &mut doc, officer, now_ms)?;
        Ok(doc.view()?)
    }

    /// Matches what the crew typed on the inspection against the hotlists
    /// and records new alerts (one signed record, if any).
    fn raise_typed_alerts(
        &mut self,
        id: InspectionId,
        doc: &mut InspectionDoc,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), VehicleError> {
        let alerts = self.typed_alerts(&doc.view()?, now_ms)?;
        if !alerts.is_empty() && doc.raise_alerts(&alerts, officer, now_ms)? > 0 {
            self.store
                .commit_local(id, doc, &self.key, officer.as_str(), now_ms)?;
        }
        Ok(())
    }

    /// Records the crew's response to an alert.
    pub fn respond_to_alert(
        &mut self,
        id: InspectionId,
        response: &NewAlertResponse,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.respond_to_alert(response, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    /// Corrects a read's text (a separate, attributed record); the
    /// corrected plate is matched against the hotlists like a typed one.
    pub fn correct_read(
        &mut self,
        id: InspectionId,
        read: &str,
        text: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.correct_read(read, text, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        self.raise_typed_alerts(id, &mut doc, officer, now_ms)?;
        Ok(doc.view()?)
    }

    /// Takes a read off an inspection it was wrongly attached to.
    pub fn detach_read(
        &mut self,
        id: InspectionId,
        read: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<InspectionView, VehicleError> {
        let mut doc = self.load(id)?;
        doc.detach_read(read, officer, now_ms)?;
        self.store
            .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        Ok(doc.view()?)
    }

    fn load(&mut self, id: InspectionId) -> Result<InspectionDoc, VehicleError> {
        self.store
            .load_doc(id)?
            .ok_or_else(|| VehicleError::NotFound(format!("inspection {id}")))
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

    /// Earlier inspections of the same vehicle: those sharing a plate (by
    /// match key, so any spelling; its plates and its reads') or a
    /// container code. Newest first, without `id` itself, at most `limit`.
    pub fn vehicle_history(
        &mut self,
        id: InspectionId,
        limit: usize,
    ) -> Result<Vec<IndexRow>, VehicleError> {
        let view = self.show(id)?;
        let mut queries = vec![];
        for key in kordon_store::plate_keys(&view) {
            queries.push(Query {
                plate_key: Some(key),
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
