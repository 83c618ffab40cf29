//! The hub's SQL on PostgreSQL: one module per table (or tight aggregate), typed rows, and one
//! helper that runs every transaction at SERIALIZABLE and retries it on a serialization failure
//! (SQLSTATE 40001), so the hub's correctness never depends on advisory locks or LISTEN/NOTIFY
//! and the same SQL runs on CockroachDB or YugabyteDB.
//!
//! The queries are runtime `sqlx::query_as` with `FromRow` rows rather than compile-checked
//! macros: the macros' offline data for PostgreSQL needs a running server at every query change,
//! which this first slice does not set up yet (see the README's "Hub" section).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

pub mod audit;
pub mod batch;
pub mod change;
pub mod cursor;
pub mod desk;
pub mod desk_audit;
pub mod enrolment_code;
pub mod group;
pub mod hub_staff;
pub mod rooftop;
pub mod testing;

/// The hub's migrations (`migrations/hub/`), embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/hub");

/// How many times a transaction is tried before a serialization failure is returned.
pub const MAX_ATTEMPTS: u32 = 12;

/// A connection pool to the hub's PostgreSQL database.
#[derive(Clone, Debug)]
pub struct HubStore {
    pool: PgPool,
}

/// An error a transaction's body may return: it must carry database errors, and say whether it
/// is one, so that [`HubStore::transaction`] can retry a serialization failure.
pub trait TxError: From<sqlx::Error> {
    fn as_sqlx(&self) -> Option<&sqlx::Error>;
}

impl TxError for sqlx::Error {
    fn as_sqlx(&self) -> Option<&sqlx::Error> {
        Some(self)
    }
}

/// Whether the database refused a transaction because of a concurrent one (SQLSTATE 40001
/// serialization failure, or 40P01 deadlock): trying it again may succeed.
pub fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => matches!(d.code().as_deref(), Some("40001") | Some("40P01")),
        _ => false,
    }
}

/// Whether the error is a unique or primary-key violation (SQLSTATE 23505).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.code().as_deref() == Some("23505"),
        _ => false,
    }
}

/// The body of a transaction: called once per attempt with the attempt's connection.
pub type TxFuture<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

impl HubStore {
    /// Connects to the database at `url` (`postgres://…`); does not migrate.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// Applies the hub's migrations that are not yet applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    /// The pool, for reads outside a transaction.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs `body` in a SERIALIZABLE transaction and commits it; when the database reports a
    /// serialization failure (in the body or at commit), rolls back and runs the body again,
    /// after a short randomised pause, up to [`MAX_ATTEMPTS`] times. The body must therefore
    /// have no effect outside the transaction.
    pub async fn transaction<T, E, F>(&self, body: F) -> Result<T, E>
    where
        E: TxError,
        F: for<'c> FnMut(&'c mut PgConnection) -> TxFuture<'c, T, E>,
    {
        self.run(Isolation::Serializable, body).await
    }

    /// Runs `body` in a READ COMMITTED transaction that first locks the group's cursor row
    /// (`cursor::lock`), so every such transaction of a group runs one after the other and each
    /// statement after the lock sees every earlier one committed. This is how pushes run: under
    /// SERIALIZABLE, ten desks waiting on one counter row would fail and retry each other in
    /// turn. Retried like [`HubStore::transaction`], and also on a unique violation (inside the
    /// lock only a race with a transaction outside it, such as an audit entry, can cause one).
    pub async fn group_serialized<T, E, F>(&self, group_id: uuid::Uuid, body: F) -> Result<T, E>
    where
        E: TxError,
        F: for<'c> FnMut(&'c mut PgConnection) -> TxFuture<'c, T, E>,
    {
        self.run(Isolation::GroupLocked(group_id), body).await
    }

    async fn run<T, E, F>(&self, isolation: Isolation, mut body: F) -> Result<T, E>
    where
        E: TxError,
        F: for<'c> FnMut(&'c mut PgConnection) -> TxFuture<'c, T, E>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result: Result<T, E> = async {
                let mut tx = self.pool.begin().await?;
                match isolation {
                    Isolation::Serializable => {
                        sqlx::query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                            .execute(&mut *tx)
                            .await?;
                    }
                    Isolation::GroupLocked(group_id) => {
                        sqlx::query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                            .execute(&mut *tx)
                            .await?;
                        cursor::lock(&mut tx, group_id).await?;
                    }
                }
                let value = body(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
            .await;
            let retry = |e: &sqlx::Error| {
                is_retryable(e)
                    || (matches!(isolation, Isolation::GroupLocked(_)) && is_unique_violation(e))
            };
            match result {
                Err(e) if attempt < MAX_ATTEMPTS && e.as_sqlx().is_some_and(retry) => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Isolation {
    Serializable,
    GroupLocked(uuid::Uuid),
}

/// A pause that grows with the attempt, with jitter from the clock (no RNG needed).
fn backoff(attempt: u32) -> Duration {
    let jitter = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            % 5_000,
    );
    Duration::from_micros(u64::from(attempt.min(8)) * 2_000 + jitter)
}
