//! One write transaction: every change it makes is stamped with this desk and a change sequence
//! from the change journal, and its audit entries join the hash chain at commit, in the same
//! transaction. Repositories take a [`Write`]; nothing else writes the journal ritual out.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::audit::{AuditEvent, ChainHead};
use crate::{journal, ts, Store};

/// What a change is stamped with: the journal's sequence number, the desk that made it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub seq: i64,
    pub device_id: String,
    /// UTC, in the stored format.
    pub at: String,
}

impl Stamp {
    /// Appends `op` on `table`'s row `row_id` to the change journal inside the caller's
    /// transaction (for bulk loads that hold their own; everything else goes through [`Write`]).
    pub async fn journal(
        conn: &mut SqliteConnection,
        device_id: &str,
        now: DateTime<Utc>,
        table: &str,
        row_id: &str,
        op: &str,
    ) -> Result<Stamp, sqlx::Error> {
        let seq = journal(conn, table, row_id, op, device_id, now).await?;
        Ok(Stamp {
            seq,
            device_id: device_id.to_string(),
            at: ts(now),
        })
    }
}

/// A write transaction (`BEGIN IMMEDIATE` on the desk's one write connection).
pub struct Write<'s> {
    store: &'s Store,
    tx: Transaction<'static, Sqlite>,
    now: DateTime<Utc>,
    events: Vec<AuditEvent>,
}

impl Store {
    /// Starts a [`Write`] at `now` (every stamp and audit entry of it carries that time).
    pub async fn write(&self, now: DateTime<Utc>) -> Result<Write<'_>, sqlx::Error> {
        Ok(Write {
            store: self,
            tx: self.begin_write().await?,
            now,
            events: Vec::new(),
        })
    }
}

impl Write<'_> {
    /// Appends `op` on `table`'s row `row_id` to the change journal: the stamp to store on the row.
    pub async fn change(
        &mut self,
        table: &str,
        row_id: &str,
        op: &str,
    ) -> Result<Stamp, sqlx::Error> {
        let device_id = self.store.device_id().to_string();
        Stamp::journal(&mut self.tx, &device_id, self.now, table, row_id, op).await
    }

    /// An audit entry to append to the chain when the transaction commits.
    pub fn audit(&mut self, event: AuditEvent) {
        self.events.push(event);
    }

    /// The transaction's connection, for a repository's statements.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// Appends the audit entries (in the order given) and commits; on any error nothing of the
    /// transaction is saved.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        if !self.events.is_empty() {
            let mut head = ChainHead::read(&mut self.tx).await?;
            for event in &self.events {
                head.stage(self.now, event);
            }
            head.seal(&mut self.tx, self.store.cipher()).await?;
        }
        self.tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditOutcome;
    use crate::repo::vehicle::{self, VehicleFields};
    use crate::OpenMode;

    fn fields(vin: &str) -> VehicleFields<'_> {
        VehicleFields {
            vin,
            model_year: 2018,
            make: "Toyota",
            model: "Corolla",
            trim: Some("LE"),
            mileage: 41_250,
            price_cents: 1_599_500,
            condition: "used",
            status: "in_stock",
        }
    }

    async fn count(store: &Store, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(store.pool())
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn a_write_stamps_its_rows_journals_them_and_audits_at_commit_or_leaves_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("desk.db"), OpenMode::CreateIfMissing)
            .await
            .expect("store");
        let now = Utc::now();

        // Dropped without commit: no row, no journal entry, no audit entry.
        {
            let mut w = store.write(now).await.expect("write");
            vehicle::insert(
                &mut w,
                &dealerdesk_rules::ids::VehicleId::from("v-dropped"),
                &fields("2T1BURHE0JC014702"),
            )
            .await
            .expect("insert");
            w.audit(AuditEvent::new(
                "cli:test",
                "vehicle.add",
                AuditOutcome::Success,
            ));
        }
        let audit_before = count(&store, "SELECT COUNT(*) FROM audit_log").await;
        assert_eq!(count(&store, "SELECT COUNT(*) FROM vehicle").await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM change_log WHERE table_name = 'vehicle'"
            )
            .await,
            0
        );

        let mut w = store.write(now).await.expect("write");
        vehicle::insert(
            &mut w,
            &dealerdesk_rules::ids::VehicleId::from("v-1"),
            &fields("2T1BURHE0JC014702"),
        )
        .await
        .expect("insert");
        w.audit(AuditEvent::new(
            "cli:test",
            "vehicle.add",
            AuditOutcome::Success,
        ));
        w.commit().await.expect("commit");

        let row = vehicle::get(&store, &dealerdesk_rules::ids::VehicleId::from("v-1"))
            .await
            .expect("read")
            .expect("row");
        assert_eq!(
            (row.vin.as_str(), row.price_cents),
            ("2T1BURHE0JC014702", 1_599_500)
        );
        let (device, seq): (String, i64) =
            sqlx::query_as("SELECT device_id, change_seq FROM vehicle WHERE id = 'v-1'")
                .fetch_one(store.pool())
                .await
                .expect("stamp");
        assert_eq!(device, store.device_id(), "stamped with this desk");
        let journaled: i64 = sqlx::query_scalar(
            "SELECT seq FROM change_log WHERE table_name = 'vehicle' AND row_id = 'v-1' AND op = 'insert'",
        )
        .fetch_one(store.pool())
        .await
        .expect("journal");
        assert_eq!(seq, journaled, "the row carries its journal sequence");
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_log").await,
            audit_before + 1
        );
        assert!(crate::audit::verify(&store).await.expect("verify").ok);
    }
}
