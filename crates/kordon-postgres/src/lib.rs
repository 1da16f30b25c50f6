//! The storage ports on PostgreSQL, for a centre of several server
//! processes sharing one database (which the operator runs, replicates
//! and backs up as any other).
//!
//! - One pool of connections (`deadpool-postgres` over `tokio-postgres`)
//!   per process; the ports' calls block, each running on this crate's
//!   own small runtime, so a caller needs no async runtime and cannot
//!   panic one.
//! - The schema is versioned ([`MIGRATIONS`]): [`migrate`] applies what a
//!   database lacks, each version in its own transaction, under an
//!   advisory lock so two processes migrating at once take turns.
//!   [`PgStore::open`] refuses a database that is behind (run the
//!   migration) or ahead (a newer Kordon made it).
//! - What must not change does not, in the database itself: triggers
//!   refuse every UPDATE, DELETE and TRUNCATE of the audit trail.
//!
//! Implemented so far: [`kordon_ports::AccountStore`] (console accounts,
//! sessions, the audit trail), [`kordon_ports::RecordLog`] (the records
//! accepted and the transparency log; `records.rs` says how several
//! processes share one order) and [`kordon_ports::Register`] (devices,
//! enrollment, what goes down to each vehicle, scans received) and
//! [`kordon_ports::Index`] (the projection into the derived index, which
//! `projection.rs` says how processes share; the console's queue,
//! searches, hotlists, training attempts, referenced blobs, statistics)
//! and [`kordon_ports::trail::Trail`] (the audit trail's sources).
//! Each passes the port's conformance suite against a real PostgreSQL in
//! this crate's tests.

mod accounts;
mod dump;
mod index;
mod projection;
mod records;
mod register;
mod schema;
mod trail;

pub use schema::{migrate, schema_version, MIGRATIONS};

use deadpool_postgres::{Pool, Runtime as PoolRuntime};
use kordon_ports::PortError;
use std::future::Future;
use std::sync::Arc;

/// What went wrong opening or migrating a database.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url}: the database's schema is version {found}, this Kordon's is {known}: {what}")]
    Schema {
        url: String,
        found: i32,
        known: i32,
        what: &'static str,
    },
}

/// A PostgreSQL database as the storage ports see it.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
    /// The server's key: changes it signs are held to the server's role.
    server: Option<kordon_record::PublicKey>,
}

struct Inner {
    pool: Pool,
    /// Outlines of documents the record log checks changes against.
    outlines: Arc<records::Outlines>,
    /// The address without its password, for messages.
    shown: String,
    runtime: Runtime,
}

/// The runtime the client's futures run on; shut down without waiting
/// when the store is dropped (from any context, async or not).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.inner.shown)
            .finish()
    }
}

/// The address as messages show it: user, host(s), port(s) and database
/// from the parsed settings, never a password.
fn shown(config: &tokio_postgres::Config) -> String {
    // One port given applies to every host; else each host has its own.
    let ports = config.get_ports();
    let port_of = |i: usize| match ports {
        [one] => *one,
        many => many.get(i).copied().unwrap_or(5432),
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| (h, port_of(i)))
        .map(|(h, port)| match h {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
            tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
        })
        .collect();
    format!(
        "postgres://{}@{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// How long a connection may take to open, and a caller may wait for a
/// free one, before the operation fails (a silent host, a full pool).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Connections per process: each server process holds at most this many,
/// so a centre of up to seven processes stays under PostgreSQL's default
/// limit of 100 (raise `max_connections` for more).
const POOL_SIZE: usize = 12;

/// Text as PostgreSQL keeps it: it refuses NUL in `text`, which SQLite
/// keeps ([`kordon_ports::stored_text`]).
pub(crate) use kordon_ports::stored_text as text;

/// A client error with its causes, as one line.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://USER[:PASSWORD]@HOST
    /// [:PORT]/DB`), checking that its schema is this Kordon's.
    pub fn open(url: &str) -> Result<PgStore, PgError> {
        let store = Self::connect(url)?;
        let unreachable = |e: PortError| PgError::Unreachable {
            url: store.inner.shown.clone(),
            reason: e.to_string(),
        };
        let encoding = store
            .run(|pool| async move { schema::encoding(&pool).await })
            .and_then(|r| r)
            .map_err(unreachable)?;
        if encoding != "UTF8" {
            return Err(unreachable(PortError::Backend(format!(
                "the database's encoding is {encoding}: Kordon keeps names in any script, and needs UTF8 \
                 (CREATE DATABASE ... ENCODING 'UTF8')"
            ))));
        }
        let found = store
            .run(|pool| async move { schema::version(&pool).await })
            .and_then(|r| r)
            .map_err(unreachable)?;
        let known = schema::VERSION;
        if found != known {
            return Err(PgError::Schema {
                url: store.inner.shown.clone(),
                found,
                known,
                what: if found < known {
                    "apply the schema first: kordon-server migrate --to ADDRESS"
                } else {
                    "a newer Kordon made it"
                },
            });
        }
        Ok(store)
    }

    /// The database's address as shown to people: without its password.
    pub fn address(&self) -> &str {
        &self.inner.shown
    }

    /// A pool for `url`, before any check.
    pub(crate) fn connect(url: &str) -> Result<PgStore, PgError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| PgError::Unreachable {
            // Not parsed: nothing of it is shown (it may hold a password).
            url: "the PostgreSQL address".into(),
            reason: format!("not a postgres://USER@HOST[:PORT]/DATABASE address: {e}"),
        })?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(std::time::Duration::from_secs(30))
            .tcp_user_timeout(std::time::Duration::from_secs(30));
        // The name the database shows for these connections: the
        // address's `application_name` (one per process, to tell them
        // apart), else the server's.
        if config.get_application_name().is_none() {
            config.application_name("kordon-server");
        }
        // Statements are prepared once per connection ([`Prepared`]); each
        // run is still planned for its values: a plan made once for any
        // array of ids reads whole tables where one made for these ids
        // reads an index.
        let options = match config.get_options() {
            Some(given) => format!("{given} -c plan_cache_mode=force_custom_plan"),
            None => "-c plan_cache_mode=force_custom_plan".to_string(),
        };
        config.options(&options);
        let shown = shown(&config);
        let unreachable = |reason: String| PgError::Unreachable {
            url: shown.clone(),
            reason,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kordon-postgres")
            .enable_all()
            .build()
            .map_err(|e| unreachable(format!("starting its runtime: {e}")))?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .runtime(PoolRuntime::Tokio1)
            .build()
            .map_err(|e| unreachable(with_causes(&e)))?;
        Ok(PgStore {
            server: None,
            inner: Arc::new(Inner {
                pool,
                outlines: Default::default(),
                shown,
                runtime: Runtime(Some(runtime)),
            }),
        })
    }

    /// Runs `work` with the pool on the store's runtime and waits for it.
    pub(crate) fn run<T, F>(&self, work: impl FnOnce(Pool) -> F) -> Result<T, PortError>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let runtime = self
            .inner
            .runtime
            .0
            .as_ref()
            .ok_or_else(|| PortError::Backend("the store is shut down".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = work(self.inner.pool.clone());
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| {
            PortError::Backend(format!(
                "{}: a request failed inside the database client",
                self.inner.shown
            ))
        })
    }
}

/// A statement's parameter, owned so the statement can run on the
/// store's runtime.
pub(crate) type Param = Box<dyn tokio_postgres::types::ToSql + Sync + Send>;

impl PgStore {
    /// Runs `work` with one pooled connection.
    pub(crate) fn with_client<T, F>(
        &self,
        work: impl FnOnce(deadpool_postgres::Object) -> F + Send + 'static,
    ) -> Result<T, PortError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, PortError>> + Send + 'static,
    {
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            work(client).await
        })?
    }

    /// Runs one statement; returns the rows it changed.
    pub(crate) fn execute(&self, sql: &'static str, params: Vec<Param>) -> Result<u64, PortError> {
        self.with_client(
            move |client| async move { client.execute_cached(sql, &refs(&params)).await },
        )
    }

    /// Runs one query; returns its rows.
    pub(crate) fn query(
        &self,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Result<Vec<tokio_postgres::Row>, PortError> {
        self.with_client(
            move |client| async move { client.query_cached(sql, &refs(&params)).await },
        )
    }

    /// Runs one query whose text was built at run time (not cached).
    pub(crate) fn query_built(
        &self,
        sql: String,
        params: Vec<Param>,
    ) -> Result<Vec<tokio_postgres::Row>, PortError> {
        self.with_client(move |client| async move {
            client.query(&sql, &refs(&params)).await.map_err(port)
        })
    }
}

/// Statements of fixed text, prepared once per connection and kept there
/// (deadpool's statement cache): each later run is one round trip, with
/// nothing parsed again (each run is still planned for its values: the
/// connection's `plan_cache_mode`, set in `connect`). Only for
/// `&'static str` SQL: the cache keeps every text it is given, so text
/// built at run time goes through the uncached calls.
pub(crate) trait Prepared: deadpool_postgres::GenericClient {
    fn query_cached<'a>(
        &'a self,
        sql: &'static str,
        params: &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<tokio_postgres::Row>, PortError>> + Send + 'a {
        async move {
            let statement = self.prepare_cached(sql).await.map_err(port)?;
            self.query(&statement, params).await.map_err(port)
        }
    }

    fn query_one_cached<'a>(
        &'a self,
        sql: &'static str,
        params: &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)],
    ) -> impl Future<Output = Result<tokio_postgres::Row, PortError>> + Send + 'a {
        async move {
            let statement = self.prepare_cached(sql).await.map_err(port)?;
            self.query_one(&statement, params).await.map_err(port)
        }
    }

    fn query_opt_cached<'a>(
        &'a self,
        sql: &'static str,
        params: &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)],
    ) -> impl Future<Output = Result<Option<tokio_postgres::Row>, PortError>> + Send + 'a {
        async move {
            let statement = self.prepare_cached(sql).await.map_err(port)?;
            self.query_opt(&statement, params).await.map_err(port)
        }
    }

    fn execute_cached<'a>(
        &'a self,
        sql: &'static str,
        params: &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, PortError>> + Send + 'a {
        async move {
            let statement = self.prepare_cached(sql).await.map_err(port)?;
            self.execute(&statement, params).await.map_err(port)
        }
    }
}

impl<C: deadpool_postgres::GenericClient> Prepared for C {}

/// Makes `tx` one that takes the advisory lock `key` (held to its end):
/// must be the transaction's first statement. It sets the transaction to
/// READ COMMITTED whatever the database's default (under REPEATABLE READ
/// the snapshot would predate the lock, and what is read after it be
/// stale), and bounds the waits: for the lock (a holder whose host
/// vanished holds it until PostgreSQL notices), and for a client that
/// stalls mid-transaction while holding it (`idle`, e.g. `"60s"`).
pub(crate) async fn lock_transaction(
    tx: &deadpool_postgres::Transaction<'_>,
    key: i64,
    idle: &'static str,
) -> Result<(), PortError> {
    // One round trip: the settings and the lock in one simple query.
    tx.batch_execute(&format!(
        "{}; SELECT pg_advisory_xact_lock({key})",
        lock_settings(idle)
    ))
    .await
    .map_err(port)?;
    Ok(())
}

/// What a transaction that takes an advisory lock sets first (see
/// [`lock_transaction`]).
fn lock_settings(idle: &str) -> String {
    format!(
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
         SET LOCAL lock_timeout = '30s';
         SET LOCAL idle_in_transaction_session_timeout = '{idle}'"
    )
}

/// As [`lock_transaction`], but takes the lock only if it is free at
/// once; whether it did.
pub(crate) async fn try_lock_transaction(
    tx: &deadpool_postgres::Transaction<'_>,
    key: i64,
    idle: &'static str,
) -> Result<bool, PortError> {
    tx.batch_execute(&lock_settings(idle)).await.map_err(port)?;
    tx.query_one_cached("SELECT pg_try_advisory_xact_lock($1)", &[&key])
        .await?
        .try_get(0)
        .map_err(port)
}

/// A read-only transaction over one snapshot: what several queries read
/// together (a page and what is counted beside it) comes from one moment.
pub(crate) async fn read_snapshot(
    client: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, PortError> {
    client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(port)
}

/// Owned parameters as the client takes them.
pub(crate) fn refs(params: &[Param]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

/// A database error as the ports report it: a full disk apart, the rest
/// with its causes.
pub(crate) fn port(e: impl std::error::Error + 'static) -> PortError {
    let full = {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut found = false;
        while let Some(c) = cause {
            if let Some(db) = c
                .downcast_ref::<tokio_postgres::Error>()
                .and_then(|p| p.as_db_error())
            {
                found |= db.code() == &tokio_postgres::error::SqlState::DISK_FULL;
            }
            cause = c.source();
        }
        found
    };
    if full {
        PortError::Full(with_causes(&e))
    } else {
        PortError::Backend(with_causes(&e))
    }
}

#[cfg(test)]
mod tests {
    fn shown(url: &str) -> String {
        super::shown(&url.parse().expect("an address"))
    }

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            shown("postgres://kordon:s3cret@db.example:5433/kordon"),
            "postgres://kordon@db.example:5433/kordon"
        );
        assert_eq!(
            shown("postgres://kordon@127.0.0.1/k"),
            "postgres://kordon@127.0.0.1:5432/k"
        );
        assert_eq!(
            shown("postgres://kordon@a,b:6000/k?password=s3cret"),
            "postgres://kordon@a:5432,b:6000/k"
        );
        assert_eq!(
            shown("host=db user=kordon password=s3cret dbname=k"),
            "postgres://kordon@db:5432/k"
        );
    }

    #[test]
    fn nul_becomes_a_replacement_character() {
        assert_eq!(super::text("a\0b"), "a\u{FFFD}b");
        assert_eq!(super::text("Юрій"), "Юрій");
    }
}
