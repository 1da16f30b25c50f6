//! Where a server keeps its records, index, device register, accounts
//! and audit trail: the SQLite file in its data folder (the default, for
//! one process), or PostgreSQL (`postgres://…`, for a centre of several
//! processes). Every operation reaches them through the storage ports
//! ([`ServerStore`]); the few that only a SQLite file has (its backup copy,
//! its integrity check) say so when the store is PostgreSQL.

use crate::CentralError;
use kordon_ports::{PortError, ServerStore};
use kordon_record::PublicKey;
use kordon_store::Store;
use std::path::Path;

/// The scheme of a PostgreSQL store's address.
pub const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

/// A server's storage: one of the two backends, used through the ports.
#[derive(Debug)]
pub enum Storage {
    /// `central.sqlite` in the data folder.
    Sqlite(Box<Store>),
    /// A PostgreSQL database (its address shown without a password).
    Postgres(Box<kordon_postgres::PgStore>),
}

impl Storage {
    /// Opens the store of the server in `dir` whose key is `server`: the
    /// PostgreSQL database at `url` when one is given, else the SQLite
    /// file in `dir`.
    pub(crate) fn open(
        dir: &Path,
        server: PublicKey,
        url: Option<&str>,
    ) -> Result<Self, CentralError> {
        match url {
            None => Self::sqlite_of(Store::open(&dir.join("central.sqlite"), server)?, server),
            Some(url) => {
                check_address(url)?;
                let mut store = kordon_postgres::PgStore::open(url)
                    .map_err(|e| CentralError::Storage(PortError::Backend(e.to_string())))?;
                store.set_server_key(server);
                Ok(Storage::Postgres(Box::new(store)))
            }
        }
    }

    /// A server's SQLite store: its key named, its log and register kept.
    fn sqlite_of(mut store: Store, server: PublicKey) -> Result<Self, CentralError> {
        store.set_server_key(server);
        store.enable_log();
        store.open_register()?;
        Ok(Storage::Sqlite(Box::new(store)))
    }

    /// The same storage for another handle: the same pool on PostgreSQL;
    /// on SQLite another connection to the same file, which takes its
    /// turn at projecting with this one (`Store::reopen`).
    pub(crate) fn reopen(&self, server: PublicKey) -> Result<Self, CentralError> {
        match self {
            Storage::Postgres(pg) => Ok(Storage::Postgres(pg.clone())),
            Storage::Sqlite(store) => Self::sqlite_of(store.reopen()?, server),
        }
    }

    /// The SQLite store, for what only a SQLite file has; `what` names
    /// the operation in the error a PostgreSQL store gets.
    pub fn sqlite(&self, what: &str) -> Result<&Store, CentralError> {
        match self {
            Storage::Sqlite(store) => Ok(store),
            Storage::Postgres(pg) => Err(CentralError::Invalid(format!(
                "{what} works on a server's SQLite file; this server keeps its records in \
                 PostgreSQL ({}), which the database's own tools back up and check \
                 (pg_dump, base backups with WAL archiving, amcheck)",
                pg.address()
            ))),
        }
    }

    /// Whether the records are in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Storage::Postgres(_))
    }
}

/// Refuses an address that is not PostgreSQL's, naming what is.
pub fn check_address(url: &str) -> Result<(), CentralError> {
    if POSTGRES_SCHEMES.iter().any(|s| url.starts_with(s)) {
        Ok(())
    } else {
        Err(CentralError::Invalid(
            "a store address is postgres://USER@HOST[:PORT]/DATABASE (without one, the \
             records stay in the data folder's SQLite file)"
                .into(),
        ))
    }
}

/// The address without its password, as `server.json` keeps it (the
/// password comes with `--store` or `KORDON_STORE` to each command). As
/// the PostgreSQL client reads an address: the user's part ends at the
/// first `@`, and a `password` parameter may follow the `?`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let rest = match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{user}@{host}")
        }
        None => rest.to_string(),
    };
    let rest = match rest.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

impl std::ops::Deref for Storage {
    type Target = dyn ServerStore;

    fn deref(&self) -> &Self::Target {
        match self {
            Storage::Sqlite(store) => store.as_ref(),
            Storage::Postgres(store) => store.as_ref(),
        }
    }
}

impl std::ops::DerefMut for Storage {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Storage::Sqlite(store) => store.as_mut(),
            Storage::Postgres(store) => store.as_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn the_password_is_left_out_and_the_rest_kept() {
        assert_eq!(
            without_password("postgres://kordon:s3cret@db:5432/kordon?application_name=a"),
            "postgres://kordon@db:5432/kordon?application_name=a"
        );
        assert_eq!(
            without_password("postgresql://k:ab/cd@db/k"),
            "postgresql://k@db/k",
            "the user's part ends at the first @, a / in the password or not"
        );
        assert_eq!(without_password("postgres://db/k"), "postgres://db/k");
        assert_eq!(
            without_password("postgres://k@db/k?password=s3cret&application_name=a"),
            "postgres://k@db/k?application_name=a"
        );
        assert_eq!(
            without_password("postgres://k@db/k?password=s3cret"),
            "postgres://k@db/k"
        );
        assert_eq!(
            without_password("postgres://k@[::1]:5432/k"),
            "postgres://k@[::1]:5432/k"
        );
    }
}
