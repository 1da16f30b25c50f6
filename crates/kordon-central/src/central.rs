//! A server data directory: `server.key` (owner-only), `server.crt`,
//! `server.json` (settings) and `central.sqlite` (unless the records are
//! kept in PostgreSQL, as `server.json` says).

use crate::storage::Storage;
use crate::CentralError;
use kordon_model::{InspectionDoc, InspectionId, ModelError, NewAnnotation, NewReview, OfficerId};
use kordon_ports::ServerStore;
use kordon_record::{DeviceKey, PublicKey, SignedRecord};
use kordon_store::{IndexRow, Query};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Settings kept in `server.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerConfig {
    /// The address vehicles are told to reach (`host:port`), written into
    /// enrollment tokens.
    pub public_addr: String,
    /// More addresses of this server (another process of the centre,
    /// another network path), written into enrollment tokens after
    /// `public_addr`: a vehicle tries them in turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_addrs: Vec<String>,
    /// Where scan blobs are kept when not in the data folder's `blobs/`:
    /// S3-compatible object storage, `s3://BUCKET/PREFIX` (endpoint and
    /// credentials from the `AWS_*` environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobs: Option<String>,
    /// Where records, index, register and accounts are kept when not in
    /// the data folder's `central.sqlite`: PostgreSQL,
    /// `postgres://USER@HOST[:PORT]/DATABASE`. An address given to a
    /// command (`--store`, `KORDON_STORE`) wins over this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

#[derive(Debug)]
pub struct Central {
    pub(crate) dir: PathBuf,
    pub(crate) key: DeviceKey,
    pub(crate) cert_der: Vec<u8>,
    pub(crate) config: ServerConfig,
    pub(crate) store: Storage,
    /// Where scan blobs are kept (the folder, or object storage).
    pub(crate) blobs: std::sync::Arc<dyn kordon_blob::BlobPort>,
    pub(crate) keys: HashMap<PublicKey, ed25519_dalek::VerifyingKey>,
    /// Told about every blob that arrives whole, to build scan pyramids.
    pub(crate) pyramids: Option<crate::scans::PyramidBuilder>,
    /// The process's metrics (its own, unseen, until one is handed in).
    pub(crate) metrics: std::sync::Arc<crate::metrics::Metrics>,
}

/// The settings of the server in `dir`.
fn read_config(dir: &Path) -> Result<ServerConfig, CentralError> {
    if !dir.join("server.key").exists() {
        return Err(CentralError::NotInitialised(dir.display().to_string()));
    }
    let path = dir.join("server.json");
    serde_json::from_slice(&std::fs::read(&path).map_err(io(&path))?).map_err(|e| {
        CentralError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    })
}

/// Writes the settings of the server in `dir` (owner-only: a store's
/// address may hold its password).
fn write_config(dir: &Path, config: &ServerConfig) -> Result<(), CentralError> {
    let json =
        serde_json::to_vec_pretty(config).map_err(|e| CentralError::Invalid(e.to_string()))?;
    let path = dir.join("server.json");
    kordon_record::key::write_owner_only(&path, &json).map_err(io(&path))
}

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> CentralError + '_ {
    move |error| CentralError::Io {
        path: path.display().to_string(),
        error,
    }
}

impl Central {
    /// Creates a server data directory: key, certificate, settings, database.
    pub fn init(dir: &Path, public_addr: &str) -> Result<Self, CentralError> {
        Self::init_with(dir, &[public_addr.to_string()], None, None)
    }

    /// As [`init`](Self::init), with the addresses vehicles are told to
    /// try in turn (the first one first), and scan blobs kept at `blobs`
    /// (`s3://BUCKET/PREFIX`) rather than in the data folder, and records
    /// in PostgreSQL at `store` (`postgres://…`, its schema applied by
    /// `kordon-server migrate --to`) rather than in `central.sqlite`
    /// (`server.json` keeps the address without its password). The
    /// storage is reached before anything is written.
    pub fn init_with(
        dir: &Path,
        public_addrs: &[String],
        blobs: Option<&str>,
        store: Option<&str>,
    ) -> Result<Self, CentralError> {
        if dir.join("server.key").exists() {
            return Err(CentralError::AlreadyInitialised(dir.display().to_string()));
        }
        let (public_addr, also_addrs) = crate::register::checked_addrs(public_addrs)?;
        if let Some(url) = blobs {
            crate::blobs::open_port(dir, Some(url))?.ready()?;
        }
        if let Some(url) = store {
            crate::storage::check_address(url)?;
            let db = kordon_postgres::PgStore::open(url).map_err(|e| {
                CentralError::Storage(kordon_ports::PortError::Backend(e.to_string()))
            })?;
            // A new server's key must not sign on another's log: a second
            // process of a centre copies the first one's folder instead.
            if !kordon_ports::dump::DumpSink::is_empty(&db)? {
                return Err(CentralError::Invalid(format!(
                    "{} holds a server's records already: a new server starts on an empty \
                     database (another process of that server copies its data folder)",
                    db.address()
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let key = DeviceKey::load_or_create(&dir.join("server.key"))?;
        let cert = kordon_transport::self_signed_cert(&key, kordon_transport::SERVER_NAME)?;
        kordon_record::key::write_owner_only(&dir.join("server.crt"), &cert).map_err(io(dir))?;
        let config = ServerConfig {
            public_addr,
            also_addrs,
            blobs: blobs.map(str::to_string),
            store: store.map(crate::storage::without_password),
        };
        write_config(dir, &config)?;
        // With the address as given: `server.json` holds it without its
        // password.
        Self::open_with(dir, store)
    }

    /// Keeps the scan blobs of the server in `dir` at `url` (`s3://…`)
    /// from now on, as `server.json` records, so every command that opens
    /// the folder finds them. The same address again changes nothing; a
    /// folder whose scans are already kept elsewhere (another address, or
    /// its own `blobs/` holding any) is refused, since its scans would be
    /// lost from sight. `store` is the records' address given to the
    /// command, if any (with its password).
    pub fn keep_blobs_at(dir: &Path, url: &str, store: Option<&str>) -> Result<(), CentralError> {
        let mut config = read_config(dir)?;
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        match config.blobs.as_deref() {
            Some(kept) if same(kept, url) => return Ok(()),
            Some(kept) => {
                return Err(CentralError::Invalid(format!(
                    "this server keeps its scans at {kept}, not {url}"
                )))
            }
            None => {}
        }
        // Any scan registered, held or arriving in the folder would be
        // lost from sight.
        let registered = Central::open_with(dir, store)?.blobs()?.len();
        let local = kordon_blob::BlobStore::open(&dir.join("blobs"))?;
        let held = local.list()?.len();
        let arriving = std::fs::read_dir(dir.join("blobs/partial"))
            .map(|d| d.count())
            .unwrap_or(0);
        if registered + held + arriving > 0 {
            return Err(CentralError::Invalid(format!(
                "{} holds scans ({registered} registered, {held} files, {arriving} partial files): \
                 they would be lost from sight at {url}",
                dir.join("blobs").display()
            )));
        }
        crate::blobs::open_port(dir, Some(url))?.ready()?;
        config.blobs = Some(url.to_string());
        write_config(dir, &config)
    }

    /// Keeps the records of the server in `dir` in PostgreSQL at `url`
    /// from now on, as `server.json` records (without the password: that
    /// comes with `--store` or `KORDON_STORE` to each command), so every
    /// command that opens the folder reaches them. The address it records
    /// already changes nothing; another is refused (the folder's other
    /// commands would reach the one it names); a folder whose SQLite file
    /// holds anything (records, devices, enrollments, accounts) is refused: its contents move with
    /// `kordon-server migrate --from DIR --to ADDRESS`, which records the
    /// address itself once they are moved and checked.
    pub fn keep_store_at(dir: &Path, url: &str) -> Result<(), CentralError> {
        let config = read_config(dir)?;
        crate::storage::check_address(url)?;
        match config.store.as_deref() {
            Some(kept)
                if crate::storage::without_password(kept.trim())
                    == crate::storage::without_password(url.trim()) =>
            {
                // A folder that kept a password (an older Kordon) keeps
                // it no more.
                if crate::storage::without_password(kept) != kept {
                    return Self::record_store(dir, kept);
                }
                return Ok(());
            }
            // Its other commands would reach the one it names.
            Some(_) => {
                return Err(CentralError::Invalid(format!(
                    "{} names another PostgreSQL address than the one given: to move the \
                     server, change store in it",
                    dir.join("server.json").display()
                )))
            }
            None => {}
        }
        let local = Central::open_local(dir)?;
        let (records, devices) = (local.store.log_size()?, local.store.devices()?.len());
        let accounts = local.store.users()?.len();
        let waiting = local.store.enrollments_pending(i64::MIN)?.len();
        if records + devices as u64 + accounts as u64 + waiting as u64 > 0 {
            return Err(CentralError::Invalid(format!(
                "{} holds {records} log entries, {devices} devices, {waiting} enrollments and \
                 {accounts} accounts: move them first with kordon-server migrate --from {} --to ADDRESS",
                dir.join("central.sqlite").display(),
                dir.display()
            )));
        }
        drop(local);
        Central::open_with(dir, Some(url))?;
        Self::record_store(dir, url)
    }

    /// Records in `server.json` that the records of the server in `dir`
    /// are at `url` (after they were moved there), without its password.
    pub fn record_store(dir: &Path, url: &str) -> Result<(), CentralError> {
        crate::storage::check_address(url)?;
        let mut config = read_config(dir)?;
        config.store = Some(crate::storage::without_password(url));
        write_config(dir, &config)
    }

    /// Where the records of this server are: the database's address
    /// (without its password), or the SQLite file.
    pub fn store_location(&self) -> String {
        match &self.store {
            Storage::Sqlite(_) => self.dir.join("central.sqlite").display().to_string(),
            Storage::Postgres(pg) => pg.address().to_string(),
        }
    }

    /// Opens an initialised server data directory, its records where
    /// `server.json` says.
    pub fn open(dir: &Path) -> Result<Self, CentralError> {
        Self::open_with(dir, None)
    }

    /// As [`open`](Self::open), with the records in PostgreSQL at `store`
    /// when one is given (whatever `server.json` says).
    pub fn open_with(dir: &Path, store: Option<&str>) -> Result<Self, CentralError> {
        Self::open_at(
            dir,
            |config| store.or(config.store.as_deref()).map(str::to_string),
            None,
        )
    }

    /// As [`open`](Self::open), with the records of the folder's own
    /// SQLite file whatever `server.json` says: what a move into
    /// PostgreSQL reads from, and checks against afterwards.
    pub fn open_local(dir: &Path) -> Result<Self, CentralError> {
        Self::open_at(dir, |_| None, None)
    }

    /// Opens the folder with its records at the address `store` picks
    /// from its settings, or on `opened` (a handle of the same storage).
    fn open_at(
        dir: &Path,
        store: impl FnOnce(&ServerConfig) -> Option<String>,
        opened: Option<Storage>,
    ) -> Result<Self, CentralError> {
        let key_path = dir.join("server.key");
        if !key_path.exists() {
            return Err(CentralError::NotInitialised(dir.display().to_string()));
        }
        let key = DeviceKey::load_or_create(&key_path)?;
        let cert_path = dir.join("server.crt");
        let cert_der = std::fs::read(&cert_path).map_err(io(&cert_path))?;
        let config = read_config(dir)?;
        let store = match opened {
            Some(storage) => storage,
            None => Storage::open(dir, key.public(), store(&config).as_deref())?,
        };
        let blobs = crate::blobs::open_port(dir, config.blobs.as_deref())?;

        let mut central = Central {
            dir: dir.to_path_buf(),
            key,
            cert_der,
            config,
            store,
            blobs,
            keys: HashMap::new(),
            pyramids: None,
            metrics: Default::default(),
        };
        // Catch up on anything appended but not projected before a crash.
        central.store.project(crate::now_ms())?;
        Ok(central)
    }

    /// The same server opened again, on the same storage (one PostgreSQL
    /// pool for the process), with the same metrics and pyramid builder:
    /// another handle for another thread.
    pub fn reopen(&self) -> Result<Self, CentralError> {
        let shared = self.store.reopen(self.key.public())?;
        let mut again = Self::open_at(&self.dir, |_| None, Some(shared))?;
        again.metrics = self.metrics.clone();
        again.pyramids = self.pyramids.clone();
        Ok(again)
    }

    /// Counts into the process's shared metrics from now on.
    pub fn set_metrics(&mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) {
        self.metrics = metrics;
    }

    pub fn metrics(&self) -> &std::sync::Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// The metrics as text, with the projection's lag read from the store
    /// now.
    pub fn metrics_text(&self, now_ms: i64) -> Result<String, CentralError> {
        let (records, oldest_ms) = self.store.projection_lag()?;
        self.metrics
            .set_projection_lag(records, oldest_ms.map_or(0, |t| now_ms.saturating_sub(t)));
        Ok(self.metrics.render())
    }

    /// Hands every blob that arrives whole from now on to `builder`.
    pub fn set_pyramid_builder(&mut self, builder: crate::scans::PyramidBuilder) {
        self.pyramids = Some(builder);
    }

    pub fn pyramid_builder(&self) -> Option<&crate::scans::PyramidBuilder> {
        self.pyramids.as_ref()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn public_key(&self) -> PublicKey {
        self.key.public()
    }
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }
    /// SHA-256 of the server certificate: what vehicles pin.
    pub fn fingerprint(&self) -> [u8; 32] {
        kordon_transport::certificate_fingerprint(&self.cert_der)
    }
    pub(crate) fn key(&self) -> &DeviceKey {
        &self.key
    }
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }
    /// The storage, through its ports.
    pub fn store(&self) -> &dyn ServerStore {
        &*self.store
    }

    /// Which backend keeps the records (for what only one of them has).
    pub fn storage(&self) -> &Storage {
        &self.store
    }

    /// Inspections in the central index, after projecting anything stored
    /// but not yet applied (so a query never misses a received record).
    pub fn inspections(&mut self, q: &Query) -> Result<Vec<IndexRow>, CentralError> {
        self.store.project(crate::now_ms())?;
        Ok(self.store.query(q)?)
    }

    /// The statistics of a period, after projecting anything stored but
    /// not yet applied.
    pub fn statistics(
        &mut self,
        q: &kordon_store::StatsQuery,
    ) -> Result<kordon_store::Statistics, CentralError> {
        self.store.project(crate::now_ms())?;
        Ok(self.store.statistics(q)?)
    }

    /// Training attempts matching `q` (newest first), after projecting
    /// anything stored but not yet applied, each with the unit of the
    /// device that started it: the unit it belongs to, whatever the
    /// document says.
    pub fn training_attempts(
        &mut self,
        q: &kordon_store::TrainingQuery,
    ) -> Result<Vec<(kordon_model::TrainingView, Option<String>)>, CentralError> {
        self.store.project(crate::now_ms())?;
        let rows = self.store.training_attempts(q)?;
        rows.into_iter()
            .map(|view| {
                let unit = self.starter_unit(&view.id)?;
                Ok((view, unit))
            })
            .collect()
    }

    /// One training attempt, as [`training_attempts`](Self::training_attempts).
    pub fn training_attempt(
        &mut self,
        id: &uuid::Uuid,
    ) -> Result<Option<(kordon_model::TrainingView, Option<String>)>, CentralError> {
        self.store.project(crate::now_ms())?;
        match self.store.training_attempt(id.as_bytes())? {
            Some(view) => {
                let unit = self.starter_unit(&view.id)?;
                Ok(Some((view, unit)))
            }
            None => Ok(None),
        }
    }

    /// The unit of the device that signed a document's first record.
    fn starter_unit(&self, id: &str) -> Result<Option<String>, CentralError> {
        let Ok(id) = uuid::Uuid::parse_str(id) else {
            return Ok(None);
        };
        match self.store.doc_starter(id.as_bytes())? {
            Some(starter) => Ok(self.store.device_unit(&starter)?),
            None => Ok(None),
        }
    }

    /// The whole document as JSON, and its heads (for comparisons).
    pub fn document(
        &mut self,
        id: InspectionId,
    ) -> Result<(serde_json::Value, Vec<String>), CentralError> {
        let mut doc = self
            .load_document(id.as_bytes())?
            .ok_or_else(|| kordon_store::StoreError::NotFound(id.to_string()))?;
        Ok((doc.to_json(), doc.heads()))
    }

    /// A supervisor's review, signed with the server key and stored; it
    /// flows down to the vehicle on its next sync.
    pub fn review(
        &mut self,
        id: InspectionId,
        review: &NewReview,
        supervisor: &OfficerId,
        now_ms: i64,
    ) -> Result<SignedRecord, CentralError> {
        self.commit_as_server(id, supervisor, now_ms, |doc| {
            doc.review(review, supervisor, now_ms)
        })
    }

    /// A supervisor's mark on a scan of the inspection, signed with the
    /// server key; it flows down like a review.
    pub fn annotate(
        &mut self,
        id: InspectionId,
        mark: &NewAnnotation,
        supervisor: &OfficerId,
        now_ms: i64,
    ) -> Result<SignedRecord, CentralError> {
        self.commit_as_server(id, supervisor, now_ms, |doc| {
            doc.annotate(mark, supervisor, now_ms).map(|_| ())
        })
    }

    /// Makes one change to an inspection as the server, attributed to
    /// `supervisor`, and stores its signed record.
    fn commit_as_server(
        &mut self,
        id: InspectionId,
        supervisor: &OfficerId,
        now_ms: i64,
        change: impl FnOnce(&mut InspectionDoc) -> Result<(), ModelError>,
    ) -> Result<SignedRecord, CentralError> {
        if kordon_model::DocKind::of(id.as_bytes()) != kordon_model::DocKind::Inspection {
            return Err(kordon_store::StoreError::NotFound(format!("inspection {id}")).into());
        }
        self.store.project(now_ms)?;
        let mut doc = self
            .load_document(id.as_bytes())?
            .ok_or_else(|| kordon_store::StoreError::NotFound(id.to_string()))?;
        change(&mut doc).map_err(kordon_store::StoreError::from)?;
        let change = doc
            .last_change()
            .ok_or(kordon_store::StoreError::NothingToCommit)?;
        let record = self.store.commit_own(
            *id.as_bytes(),
            &change,
            &self.key,
            supervisor.as_str(),
            now_ms,
        )?;
        self.project_after_commit(now_ms);
        Ok(record)
    }

    /// [`record_set_facts`](Self::record_set_facts) for each of `docs`, in
    /// their order, the records of all of them read at once.
    pub(crate) fn records_set_facts(
        &mut self,
        docs: &[[u8; 16]],
    ) -> Result<Vec<Option<kordon_store::RecordSetFacts>>, CentralError> {
        if let Storage::Sqlite(_) = &self.store {
            return docs.iter().map(|d| self.record_set_facts(d)).collect();
        }
        let mut held = self.store.docs_records(docs)?;
        let actor = self.key.public();
        Ok(docs
            .iter()
            .map(|doc| {
                let records = held.remove(doc)?;
                let mut d = kordon_ports::document_of(doc, records, &actor)?;
                let count = d.change_count() as u64;
                (count > 0).then(|| kordon_store::RecordSetFacts {
                    count,
                    heads: d.head_hashes(),
                })
            })
            .collect())
    }

    /// The record count and heads of a document as held now (for the
    /// server's record-set statement): `None` if no record of it is held.
    pub(crate) fn record_set_facts(
        &mut self,
        doc: &[u8; 16],
    ) -> Result<Option<kordon_store::RecordSetFacts>, CentralError> {
        if let Storage::Sqlite(store) = &mut self.store {
            // Its snapshots spare the replay.
            return Ok(store.record_set_facts(doc)?);
        }
        Ok(self
            .records_set_facts(std::slice::from_ref(doc))?
            .pop()
            .flatten())
    }

    /// Brings the index up to date after a change the server kept: the
    /// change is stored whatever happens here (the next projection takes
    /// it), so a failure is logged, not handed to the caller (who would
    /// make the change twice).
    pub(crate) fn project_after_commit(&mut self, now_ms: i64) {
        if let Err(e) = self.store.project(now_ms) {
            tracing::warn!(error = %e, "the index is behind a change just kept; the next projection takes it");
        }
    }

    /// The unit of an enrolled (or revoked) device.
    pub fn unit_of(&self, device: &PublicKey) -> Result<Option<String>, CentralError> {
        Ok(self.store.device_unit(device)?)
    }

    pub fn store_mut(&mut self) -> &mut dyn ServerStore {
        &mut *self.store
    }

    /// A document as its held records make it, to be read or changed by
    /// the server.
    pub(crate) fn load_document(
        &self,
        id: &[u8; 16],
    ) -> Result<Option<kordon_model::InspectionDoc>, CentralError> {
        Ok(kordon_ports::load_document(
            &*self.store,
            id,
            &self.key.public(),
        )?)
    }
}
