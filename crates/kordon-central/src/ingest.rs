//! Authorising devices, accepting their records, serving records down.

use crate::{Central, CentralError};
use kordon_proto::{RecordResult, RefusalCode, RejectCode};
use kordon_record::{verify_all, PublicKey, Receipt, SignedRecord};
use kordon_store::{IngestOutcome, Origin, Standing};

/// A device allowed to sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    pub unit: String,
    /// True if this connection redeemed an enrollment secret.
    pub newly_enrolled: bool,
}

/// Why a device is turned away (sent to it, and logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub reason: String,
}

/// The refusal's code as the metrics name it.
fn refusal_name(code: RefusalCode) -> &'static str {
    match code {
        RefusalCode::NotEnrolled => "not_enrolled",
        RefusalCode::Revoked => "revoked",
        RefusalCode::BadToken => "bad_token",
        RefusalCode::Version => "version",
        RefusalCode::Unavailable => "unavailable",
        RefusalCode::Wipe => "wipe",
    }
}

/// Most records served down in one message.
pub const DOWN_PAGE: usize = 512;

impl Central {
    /// Decides whether `device` (its key proven by TLS) may sync; an
    /// accepted device's sync session starts now.
    pub fn authorize(
        &mut self,
        device: &PublicKey,
        enroll_secret: Option<&[u8]>,
        peer: &str,
        now_ms: i64,
    ) -> Result<Result<Authorized, Refusal>, CentralError> {
        self.authorize_contact(device, enroll_secret, peer, now_ms, true)
    }

    /// Decides whether `device` may send scans on a blob stream. The
    /// device is seen, but the state of its sync session stays the record
    /// session's (a blob stream opened after the session finished does not
    /// make that session look interrupted).
    pub fn authorize_blob_stream(
        &mut self,
        device: &PublicKey,
        peer: &str,
        now_ms: i64,
    ) -> Result<Result<Authorized, Refusal>, CentralError> {
        self.authorize_contact(device, None, peer, now_ms, false)
    }

    fn authorize_contact(
        &mut self,
        device: &PublicKey,
        enroll_secret: Option<&[u8]>,
        peer: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<Result<Authorized, Refusal>, CentralError> {
        let outcome = match self.store.device_standing(device)? {
            Standing::Enrolled { unit } => Ok(Authorized { unit, newly_enrolled: false }),
            // The vehicle is told the administrator's reason as it was
            // given; its app puts it in words around it.
            Standing::Revoked { reason, wipe, .. } => Err(Refusal {
                code: if wipe {
                    RefusalCode::Wipe
                } else {
                    RefusalCode::Revoked
                },
                reason,
            }),
            Standing::Unknown => match enroll_secret.map(crate::register::secret_hash) {
                Some(hash) => match self.store.enrollment_redeem(&hash, device, now_ms)? {
                    Some(unit) => Ok(Authorized { unit, newly_enrolled: true }),
                    None => match self.store.device_standing(device)? {
                        // The same vehicle's other connection (one cut and
                        // made again, to another process or handle) used
                        // the secret a moment before: it is enrolled.
                        Standing::Enrolled { unit } => Ok(Authorized { unit, newly_enrolled: false }),
                        _ => Err(Refusal {
                            code: RefusalCode::BadToken,
                            reason: format!("device {} is not enrolled and its enrollment token is unknown, already used or expired", device.short()),
                        }),
                    },
                },
                None => Err(Refusal {
                    code: RefusalCode::NotEnrolled,
                    reason: format!("device {} is not enrolled on this server", device.short()),
                }),
            },
        };
        match &outcome {
            Ok(_) => self.note_seen(device, peer, now_ms, starts_session)?,
            Err(r) => {
                let logged = match r.code {
                    RefusalCode::Revoked => format!("revoked device: {}", r.reason),
                    RefusalCode::Wipe => format!("revoked device told to wipe: {}", r.reason),
                    _ => r.reason.clone(),
                };
                self.store
                    .refuse(None, Some(device), Some(peer), &logged, now_ms)?;
                self.note_refused(device, now_ms)?;
                self.metrics.connection_refused(refusal_name(r.code));
            }
        }
        Ok(outcome)
    }

    /// Verifies, stores and receipts a batch uploaded by `uploader`, one
    /// signed receipt per record (vehicles that said the older Hello).
    /// Every record gets a result; a bad record never sinks its neighbours.
    pub fn accept_records(
        &mut self,
        uploader: &PublicKey,
        raw: Vec<Vec<u8>>,
        now_ms: i64,
    ) -> Result<Vec<RecordResult>, CentralError> {
        self.accept_counted(uploader, raw, now_ms, false)
    }

    /// Accepts a batch and counts it in the metrics.
    fn accept_counted(
        &mut self,
        uploader: &PublicKey,
        raw: Vec<Vec<u8>>,
        now_ms: i64,
        on_log: bool,
    ) -> Result<Vec<RecordResult>, CentralError> {
        let started = std::time::Instant::now();
        let results = self.accept(uploader, raw, now_ms, on_log)?;
        let refused = results.iter().filter_map(|r| match r {
            RecordResult::Rejected { code, .. } => Some(code.as_str()),
            _ => None,
        });
        let accepted = results
            .iter()
            .filter(|r| !matches!(r, RecordResult::Rejected { .. }))
            .count() as u64;
        self.metrics
            .ingested(accepted, refused, started.elapsed().as_secs_f64());
        Ok(results)
    }

    /// As [`accept_records`](Self::accept_records), but each accepted
    /// record is answered with its leaf in the log, which the checkpoint
    /// at the end of the session signs: no signature per record.
    pub fn accept_records_on_log(
        &mut self,
        uploader: &PublicKey,
        raw: Vec<Vec<u8>>,
        now_ms: i64,
    ) -> Result<Vec<RecordResult>, CentralError> {
        self.accept_counted(uploader, raw, now_ms, true)
    }

    fn accept(
        &mut self,
        uploader: &PublicKey,
        raw: Vec<Vec<u8>>,
        now_ms: i64,
        on_log: bool,
    ) -> Result<Vec<RecordResult>, CentralError> {
        let mut results: Vec<Option<RecordResult>> = vec![None; raw.len()];
        let mut candidates: Vec<(usize, SignedRecord)> = vec![];
        for (i, bytes) in raw.into_iter().enumerate() {
            match SignedRecord::parse(bytes) {
                Ok(r) => candidates.push((i, r)),
                Err(e) => results[i] = Some(reject(vec![], RejectCode::Malformed, e.to_string())),
            }
        }

        // The signer must be enrolled and not revoked (or be this server).
        let mut signed: Vec<(usize, SignedRecord, ed25519_dalek::VerifyingKey)> = vec![];
        // One register look-up per distinct signer in the batch.
        let mut standing = std::collections::HashMap::new();
        for (i, r) in candidates {
            let verdict = match standing.get(&r.signer()) {
                Some(v) => v,
                None => standing
                    .entry(r.signer())
                    .or_insert(self.signer_key(&r.signer())?),
            };
            match verdict {
                Ok(vk) => signed.push((i, r, *vk)),
                Err((code, reason)) => {
                    results[i] = Some(reject(r.id().0.to_vec(), *code, reason.clone()))
                }
            }
        }

        let refs: Vec<&SignedRecord> = signed.iter().map(|(_, r, _)| r).collect();
        let keys: Vec<ed25519_dalek::VerifyingKey> = signed.iter().map(|(_, _, k)| *k).collect();
        let verdicts = on_two_cores(refs.len(), |range| {
            verify_all(&refs[range.clone()], &keys[range])
        });
        let mut verified: Vec<(usize, SignedRecord)> = vec![];
        for ((i, r, _), v) in signed.into_iter().zip(verdicts) {
            match v {
                Ok(()) => verified.push((i, r)),
                Err(e) => {
                    results[i] = Some(reject(
                        r.id().0.to_vec(),
                        RejectCode::BadSignature,
                        e.to_string(),
                    ))
                }
            }
        }

        let verified = self.permitted(uploader, verified, &mut results)?;
        let records: Vec<SignedRecord> = verified.iter().map(|(_, r)| r.clone()).collect();
        // The uploader follows the documents it writes to (records for them
        // flow down to it), recorded in the same transaction as the records.
        let outcomes = self
            .store
            .append(&records, Origin::Remote, now_ms, Some(uploader))?;
        let mut to_sign: Vec<(usize, kordon_record::RecordId, u64, i64)> = vec![];
        // Records stored before the log existed have no leaf: those get a
        // signed receipt, as before.
        let mut unlogged = vec![];
        for ((i, r), outcome) in verified.into_iter().zip(outcomes) {
            match outcome {
                IngestOutcome::Stored {
                    leaf: Some(entry), ..
                } if on_log => {
                    results[i] = Some(RecordResult::Logged {
                        record_id: r.id().0,
                        leaf_index: entry.index,
                        leaf: entry.data,
                    })
                }
                IngestOutcome::Stored {
                    seq, received_ms, ..
                }
                | IngestOutcome::Duplicate { seq, received_ms } => {
                    let entry = (i, r.id(), seq as u64, received_ms);
                    if on_log {
                        unlogged.push(entry)
                    } else {
                        to_sign.push(entry)
                    }
                }
                IngestOutcome::Invalid(reason) => {
                    results[i] = Some(reject(r.id().0.to_vec(), RejectCode::InvalidChange, reason))
                }
                IngestOutcome::BreaksRules(reason) => {
                    results[i] = Some(reject(r.id().0.to_vec(), RejectCode::BreaksRules, reason))
                }
            }
        }
        // A record sent again: answered with the leaf it got when it came.
        for (i, id, seq, at) in unlogged {
            match self.store.log_entry_of(&id.0)? {
                Some(entry) => {
                    results[i] = Some(RecordResult::Logged {
                        record_id: id.0,
                        leaf_index: entry.index,
                        leaf: entry.data,
                    })
                }
                None => to_sign.push((i, id, seq, at)),
            }
        }
        let key = self.key();
        let receipts = on_two_cores(to_sign.len(), |range| {
            to_sign[range]
                .iter()
                .map(|(_, id, seq, at)| Receipt::sign(key, *id, *seq, *at).to_bytes())
                .collect()
        });
        for ((i, ..), receipt) in to_sign.iter().zip(receipts) {
            results[*i] = Some(RecordResult::Accepted { receipt });
        }

        let mut out = Vec::with_capacity(results.len());
        for r in results {
            let r =
                r.unwrap_or_else(|| reject(vec![], RejectCode::Malformed, "not processed".into()));
            if let RecordResult::Rejected {
                record_id,
                code,
                reason,
            } = &r
            {
                let id = <[u8; 32]>::try_from(record_id.as_slice())
                    .ok()
                    .map(kordon_record::RecordId);
                tracing::warn!(device = %uploader.short(), record = ?id, code = code.as_str(), %reason, "record rejected");
                if !matches!(code, RejectCode::InvalidChange | RejectCode::BreaksRules) {
                    // Invalid changes were logged by the store already.
                    self.store.refuse(
                        id.as_ref(),
                        Some(uploader),
                        None,
                        &format!("{}: {reason}", code.as_str()),
                        now_ms,
                    )?;
                }
            }
            out.push(r);
        }
        Ok(out)
    }

    /// Keeps the records their signer and uploader may write: an inspection
    /// belongs to the unit whose device signed its first record; devices of
    /// that unit may write to it (and so follow it), and the server may
    /// write to any (supervisors' reviews). A training attempt is written
    /// only by the device that signed its first record, never the server.
    /// Others get `not_permitted`.
    fn permitted(
        &self,
        uploader: &PublicKey,
        verified: Vec<(usize, SignedRecord)>,
        results: &mut [Option<RecordResult>],
    ) -> Result<Vec<(usize, SignedRecord)>, CentralError> {
        let store = &self.store;
        let server = self.public_key();
        let uploader_unit = store.device_unit(uploader)?;
        let mut owners: std::collections::HashMap<[u8; 16], Option<String>> = Default::default();
        // Each document's first signer held, read once for the batch.
        let mut docs: Vec<[u8; 16]> = verified.iter().map(|(_, r)| r.doc_id()).collect();
        docs.sort_unstable();
        docs.dedup();
        let held_starters = store.doc_starters(&docs)?;
        let mut starters: std::collections::HashMap<[u8; 16], PublicKey> = Default::default();
        let mut units: std::collections::HashMap<PublicKey, Option<String>> = Default::default();
        let mut kept = Vec::with_capacity(verified.len());
        for (i, r) in verified {
            let signer_unit = if r.signer() == server {
                None
            } else if let Some(unit) = units.get(&r.signer()) {
                unit.clone()
            } else {
                let unit = store.device_unit(&r.signer())?;
                units.insert(r.signer(), unit.clone());
                unit
            };
            let owner = match owners.get(&r.doc_id()) {
                Some(o) => o.clone(),
                None => {
                    // Stored owner, or (a new inspection) this record's signer.
                    let o = match held_starters.get(&r.doc_id()).copied() {
                        Some(genesis) if genesis == server => None,
                        Some(genesis) => store.device_unit(&genesis)?,
                        None => signer_unit.clone(),
                    };
                    owners.insert(r.doc_id(), o.clone());
                    o
                }
            };
            let kind = kordon_model::DocKind::of(&r.doc_id());
            let hotlist = kind == kordon_model::DocKind::Hotlist;
            // A training attempt is written by the device it was started
            // on, alone: only that device holds its images.
            let starter = match starters.get(&r.doc_id()) {
                Some(s) => *s,
                None => {
                    let s = held_starters
                        .get(&r.doc_id())
                        .copied()
                        .unwrap_or(r.signer());
                    starters.insert(r.doc_id(), s);
                    s
                }
            };
            let training = kind == kordon_model::DocKind::Training;
            let signer_ok = (r.signer() == server && !training)
                || (!hotlist
                    && owner.is_some()
                    && signer_unit == owner
                    && (!training || r.signer() == starter));
            let uploader_ok = *uploader == server || (owner.is_some() && uploader_unit == owner);
            if signer_ok && uploader_ok {
                kept.push((i, r));
            } else {
                let reason = if hotlist {
                    "hotlists are written by the server only".to_string()
                } else if training {
                    format!(
                        "training attempt {} is written by the device it was started on only",
                        uuid::Uuid::from_bytes(r.doc_id())
                    )
                } else {
                    format!(
                        "inspection {} belongs to unit {}",
                        kordon_model::InspectionId::from_bytes(r.doc_id()),
                        owner.as_deref().unwrap_or("(server)")
                    )
                };
                results[i] = Some(reject(r.id().0.to_vec(), RejectCode::NotPermitted, reason));
            }
        }
        Ok(kept)
    }

    /// The decoded key of an authorised signer, or why it is not one.
    fn signer_key(
        &mut self,
        signer: &PublicKey,
    ) -> Result<Result<ed25519_dalek::VerifyingKey, (RejectCode, String)>, CentralError> {
        if signer != &self.public_key() {
            match self.store.device_standing(signer)? {
                Standing::Enrolled { .. } => {}
                Standing::Revoked { unit, .. } => {
                    return Ok(Err((
                        RejectCode::RevokedSigner,
                        format!("signer {} (unit {unit}) is revoked", signer.short()),
                    )))
                }
                Standing::Unknown => {
                    return Ok(Err((
                        RejectCode::UnknownSigner,
                        format!("signer {} is not an enrolled device", signer.short()),
                    )))
                }
            }
        }
        if let Some(vk) = self.keys.get(signer) {
            return Ok(Ok(*vk));
        }
        match signer.verifying_key() {
            Ok(vk) => {
                self.keys.insert(*signer, vk);
                Ok(Ok(vk))
            }
            Err(e) => Ok(Err((RejectCode::BadSignature, e.to_string()))),
        }
    }

    /// Why `device` may no longer sync (revoked: the administrator's
    /// reason; `Wipe` when its data is to be destroyed), or None while it
    /// may. A wipe is noted as told: the caller tells the vehicle now.
    pub fn revocation(
        &self,
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<Option<(RefusalCode, String)>, CentralError> {
        Ok(match self.store.device_standing(device)? {
            Standing::Revoked { reason, wipe, .. } => {
                if wipe {
                    // Told in the middle of a session: the backlog is the
                    // one stated at its start (what it delivered since is
                    // here anyway).
                    let backlog = self.store.device_backlog(device)?;
                    self.note_wipe_told(device, backlog, now_ms)?;
                    Some((RefusalCode::Wipe, reason))
                } else {
                    Some((RefusalCode::Revoked, reason))
                }
            }
            Standing::Enrolled { .. } => None,
            Standing::Unknown => Some((RefusalCode::Revoked, String::new())),
        })
    }

    /// Notes that `device` was refused with a wipe order, with the backlog
    /// it stated in its Hello (taken into the register first).
    pub fn note_wipe_told_with(
        &self,
        device: &PublicKey,
        backlog: Option<kordon_proto::Backlog>,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        self.note_wipe_told(device, backlog.map(|b| (b.records, b.scan_bytes)), now_ms)
    }

    /// Brings documents and the index up to date with appended records.
    pub fn project(&mut self, now_ms: i64) -> Result<usize, CentralError> {
        Ok(self.store.project(now_ms)?)
    }

    /// Records for the documents `device` follows, and for the hotlists
    /// that go to its unit, stored after `cursor` and not signed by it:
    /// `(records, new cursor, more to come)`.
    pub fn down(
        &mut self,
        device: &PublicKey,
        cursor: u64,
    ) -> Result<(Vec<Vec<u8>>, u64, bool), CentralError> {
        // What goes down to a vehicle is what the index has seen (which
        // vehicles read a hotlist is its row): bring it up to date, unless
        // another session of this centre is doing that already (then the
        // page stops where its projection has got to, and the rest goes
        // down at the next sync).
        self.store.project_unless_busy(crate::now_ms())?;
        let page = self
            .store
            .records_down(device, cursor, DOWN_PAGE, kordon_proto::BATCH_BYTES)?;
        Ok((page.records, page.cursor, page.more))
    }
}

/// Runs `f` over the two halves of `0..len` on two threads and
/// concatenates the results in order. Small inputs stay on this thread.
fn on_two_cores<R: Send>(
    len: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<R> + Sync,
) -> Vec<R> {
    if len < 64 {
        return f(0..len);
    }
    let mid = len / 2;
    std::thread::scope(|scope| {
        let f = &f;
        let first = scope.spawn(move || f(0..mid));
        let second = f(mid..len);
        // A panic in the helper thread is a bug; redo its half here so the
        // server answers rather than dying.
        let mut out = first.join().unwrap_or_else(|_| f(0..mid));
        out.extend(second);
        out
    })
}

fn reject(record_id: Vec<u8>, code: RejectCode, reason: String) -> RecordResult {
    RecordResult::Rejected {
        record_id,
        code,
        reason,
    }
}
