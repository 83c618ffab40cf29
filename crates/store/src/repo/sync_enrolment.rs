//! The sync_enrolment table: this desk's enrolment with a hub (at most one row). Every statement
//! on the table is here, compile-checked. Not journaled: the enrolment is this desk's own fact,
//! never synced.

use sqlx::SqliteConnection;

use crate::Store;

/// The enrolment to record.
#[derive(Debug, Clone)]
pub struct NewEnrolment<'a> {
    pub hub_url: &'a str,
    /// SHA-256 of the hub certificate's DER, 64 hex characters.
    pub fingerprint: &'a str,
    pub group_id: &'a str,
    pub desk_id: &'a str,
    pub desk_name: &'a str,
    pub rooftop: &'a str,
    /// UTC, in the stored format.
    pub enrolled_at: &'a str,
    /// Who enrolled the desk (`staff:<username>` or `cli:<os user>`).
    pub enrolled_by: &'a str,
}

/// This desk's enrolment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub hub_url: String,
    pub fingerprint: String,
    pub group_id: String,
    pub desk_id: String,
    pub desk_name: String,
    pub rooftop: String,
    pub enrolled_at: String,
    pub enrolled_by: String,
}

/// Records the enrolment inside the caller's transaction; fails if the desk is already enrolled
/// (the table holds one row).
pub async fn insert(conn: &mut SqliteConnection, e: &NewEnrolment<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO sync_enrolment (id, hub_url, fingerprint, group_id, desk_id, desk_name,
               rooftop, enrolled_at, enrolled_by)
           VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"#,
        e.hub_url,
        e.fingerprint,
        e.group_id,
        e.desk_id,
        e.desk_name,
        e.rooftop,
        e.enrolled_at,
        e.enrolled_by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// This desk's enrolment, if it has one.
pub async fn get(store: &Store) -> Result<Option<EnrolmentRow>, sqlx::Error> {
    sqlx::query_as!(
        EnrolmentRow,
        r#"SELECT hub_url, fingerprint, group_id, desk_id, desk_name, rooftop, enrolled_at,
               enrolled_by
           FROM sync_enrolment WHERE id = 1"#
    )
    .fetch_optional(store.pool())
    .await
}
