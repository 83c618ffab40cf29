//! Which tables travel to the hub, and how a row travels: read as column → JSON value
//! ([`snapshot`]) and written back on another desk ([`apply`]) without journaling it again.
//!
//! This is the one place besides each table's repository that writes business rows: it writes
//! whole rows exactly as another desk stored them. Its SQL is built at run time, because it
//! serves every synced table, from table names only in [`SYNCED`] and column names only from the
//! schema (`PRAGMA table_info`); values are always bound, never spliced.
//!
//! Values: NULL, INTEGER and TEXT as JSON null, number and string; BLOB as `{"$b64": "…"}`
//! (standard base64). PII columns stay the ciphertext they are (under the group's key once the
//! desk is enrolled). Rows with children that have no journal entries of their own carry them
//! under [`CHILDREN_KEY`].

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, SqliteConnection, TypeInfo, ValueRef};

/// A table the desk shares with its group through the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub table: &'static str,
    /// The column the journal's row id names.
    pub key: &'static str,
    /// Columns that stay on this desk: a local row id, or a reference to a table that does not
    /// sync (with that table). They are never sent, and a pulled row keeps this desk's value.
    pub local: &'static [(&'static str, Option<&'static str>)],
    /// Child tables written with the row and never journaled on their own: (table, the column
    /// naming the parent, the columns that order the children).
    pub children: &'static [(&'static str, &'static str, &'static str)],
}

const fn plain(table: &'static str) -> Synced {
    Synced {
        table,
        key: "id",
        local: &[],
        children: &[],
    }
}

/// Every journaled table that syncs. The order is a parent before its children, which is also
/// the order the hub's rows are applied in when a page holds both.
pub const SYNCED: &[Synced] = &[
    Synced {
        table: "customer",
        key: "id",
        // `rid` is the full-text index's local row number.
        local: &[("rid", None)],
        children: &[],
    },
    plain("customer_address"),
    plain("vehicle"),
    Synced {
        table: "usury_cap",
        key: "state",
        local: &[],
        children: &[],
    },
    plain("lender"),
    plain("rate_sheet"),
    Synced {
        table: "identity_check",
        key: "id",
        // Each desk screens against the sanctions list it loaded.
        local: &[("sanctions_list_id", Some("sanctions_list"))],
        children: &[
            ("identity_check_rule", "check_id", "position"),
            ("identity_check_candidate", "check_id", "ent_num"),
        ],
    },
    plain("identity_resolution"),
    plain("contact_confirmation"),
    Synced {
        table: "deal",
        key: "id",
        local: &[],
        // A deal's options are replaced together whenever the deal is saved (journaled in the
        // same transaction as the deal), so they travel with it: two desks' options never mix.
        children: &[("deal_option", "deal_id", "position")],
    },
    plain("credit_application"),
    plain("application_history"),
    plain("application_decision"),
    plain("stipulation"),
    plain("stipulation_document"),
    Synced {
        table: "adverse_action_notice",
        key: "id",
        // The notice's delivery is queued in this desk's outbox.
        local: &[("outbox_id", Some("outbox"))],
        children: &[],
    },
    plain("contract_document"),
    plain("contract_signing_event"),
    plain("access_link"),
    plain("portal_account"),
    plain("contact_change"),
    plain("link_document"),
];

/// Journaled tables that stay on this desk, and why.
pub const LOCAL: &[(&str, &str)] = &[
    (
        "staff",
        "staff accounts and their password hashes stay on the desk until the group publishes them",
    ),
    (
        "outbox",
        "a delivery queue: another desk holding it would send the message twice",
    ),
    (
        "lender_outbox",
        "a delivery queue: another desk holding it would submit the application twice",
    ),
    (
        "sanctions_list",
        "each desk loads the list it screens with (the group will publish it)",
    ),
];

/// The key children travel under in a row.
pub const CHILDREN_KEY: &str = "$children";
const BLOB_KEY: &str = "$b64";

/// How a table syncs, or None for a table that stays on this desk or travels inside its
/// parent's rows.
pub fn synced(table: &str) -> Option<&'static Synced> {
    SYNCED.iter().find(|s| s.table == table)
}

/// The synced table whose rows carry `table`'s rows as children, if any. Their journal entries
/// are covered by the parent's entry of the same transaction.
pub fn parent_of(table: &str) -> Option<&'static Synced> {
    SYNCED
        .iter()
        .find(|s| s.children.iter().any(|(child, _, _)| *child == table))
}

/// The names of every synced table, as a JSON array (for counting journal entries in SQL).
pub fn synced_tables_json() -> String {
    Value::Array(
        SYNCED
            .iter()
            .map(|s| Value::String(s.table.to_string()))
            .collect(),
    )
    .to_string()
}

fn to_json(row: &SqliteRow, skip: &[&str]) -> Result<Map<String, Value>, sqlx::Error> {
    let mut out = Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        let name = col.name();
        if skip.contains(&name) {
            continue;
        }
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" => Value::from(row.try_get::<i64, _>(i)?),
                "REAL" => serde_json::Number::from_f64(row.try_get::<f64, _>(i)?)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                "BLOB" => {
                    let bytes: Vec<u8> = row.try_get(i)?;
                    let mut m = Map::new();
                    m.insert(
                        BLOB_KEY.into(),
                        Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
                    );
                    Value::Object(m)
                }
                _ => Value::String(row.try_get::<String, _>(i)?),
            }
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

fn local_names(spec: &Synced) -> Vec<&'static str> {
    spec.local.iter().map(|(c, _)| *c).collect()
}

/// The row `row_id` of a synced table as it travels, with its children; None when the row does
/// not exist (or the table does not sync).
pub async fn snapshot(
    conn: &mut SqliteConnection,
    table: &str,
    row_id: &str,
) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let Some(spec) = synced(table) else {
        return Ok(None);
    };
    let sql = format!("SELECT * FROM {} WHERE {} = ?1", spec.table, spec.key);
    let Some(row) = sqlx::query(&sql)
        .bind(row_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut out = to_json(&row, &local_names(spec))?;
    if !spec.children.is_empty() {
        let mut kids = Map::new();
        for (child, parent_col, order) in spec.children {
            let sql = format!("SELECT * FROM {child} WHERE {parent_col} = ?1 ORDER BY {order}");
            let rows = sqlx::query(&sql).bind(row_id).fetch_all(&mut *conn).await?;
            let list = rows
                .iter()
                .map(|r| to_json(r, &[]).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            kids.insert((*child).to_string(), Value::Array(list));
        }
        out.insert(CHILDREN_KEY.into(), Value::Object(kids));
    }
    Ok(Some(out))
}

/// What became of a hub change on this desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The row now reads as the hub's.
    Written,
    /// It already did.
    Unchanged,
    /// This desk could not take it (a record its own rules keep from changing, a value its
    /// schema refuses, another row with the same unique value); nothing of it was written.
    Refused(String),
}

/// The columns of a table, from the schema (read once per table: every store this process
/// opens is migrated to the same schema before use).
async fn columns(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<std::sync::Arc<Vec<String>>, sqlx::Error> {
    type Cache = std::sync::Mutex<BTreeMap<String, std::sync::Arc<Vec<String>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().ok().and_then(|m| m.get(table).cloned()) {
        return Ok(c);
    }
    let rows = sqlx::query("SELECT name FROM pragma_table_info(?1)")
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
    let cols = std::sync::Arc::new(
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?,
    );
    if let Ok(mut m) = cache.lock() {
        m.insert(table.to_string(), cols.clone());
    }
    Ok(cols)
}

/// A JSON value as an SQLite value to bind.
enum Bind {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

fn bind_of(v: &Value) -> Result<Bind, String> {
    Ok(match v {
        Value::Null => Bind::Null,
        Value::Bool(b) => Bind::Int(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Bind::Int(i),
            None => Bind::Real(n.as_f64().ok_or("a number this desk cannot store")?),
        },
        Value::String(s) => Bind::Text(s.clone()),
        Value::Object(m) => match m.get(BLOB_KEY).and_then(Value::as_str) {
            Some(b) if m.len() == 1 => Bind::Blob(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| "a file in the row is damaged")?,
            ),
            _ => return Err("a value this desk cannot store".into()),
        },
        Value::Array(_) => return Err("a value this desk cannot store".into()),
    })
}

async fn execute(
    conn: &mut SqliteConnection,
    sql: &str,
    values: Vec<Bind>,
) -> Result<(), sqlx::Error> {
    let mut q = sqlx::query(sql);
    for v in values {
        q = match v {
            Bind::Null => q.bind(None::<String>),
            Bind::Int(i) => q.bind(i),
            Bind::Real(f) => q.bind(f),
            Bind::Text(s) => q.bind(s),
            Bind::Blob(b) => q.bind(b),
        };
    }
    q.execute(conn).await?;
    Ok(())
}

/// The row's columns this desk stores (local columns and unknown names left out), with values.
fn storable(
    row: &Map<String, Value>,
    cols: &[String],
    local: &[&str],
) -> Result<BTreeMap<String, Bind>, String> {
    let mut out = BTreeMap::new();
    for c in cols {
        if local.contains(&c.as_str()) {
            continue;
        }
        if let Some(v) = row.get(c) {
            out.insert(c.clone(), bind_of(v)?);
        }
    }
    Ok(out)
}

async fn insert_row(
    conn: &mut SqliteConnection,
    table: &str,
    values: BTreeMap<String, Bind>,
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = values.keys().map(String::as_str).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    );
    execute(conn, &sql, values.into_values().collect()).await
}

/// Writes the children of a row again, as given.
async fn replace_children(
    conn: &mut SqliteConnection,
    spec: &Synced,
    row_id: &str,
    kids: Option<&Value>,
) -> Result<Result<(), String>, sqlx::Error> {
    for (child, parent_col, _) in spec.children {
        let sql = format!("DELETE FROM {child} WHERE {parent_col} = ?1");
        sqlx::query(&sql).bind(row_id).execute(&mut *conn).await?;
        let cols = columns(conn, child).await?;
        let list = kids
            .and_then(|k| k.get(*child))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for item in list {
            let Some(obj) = item.as_object() else {
                return Ok(Err("a row's details are damaged".into()));
            };
            if obj.get(*parent_col).and_then(Value::as_str) != Some(row_id) {
                return Ok(Err("a row's details belong to another row".into()));
            }
            let values = match storable(obj, &cols, &[]) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            insert_row(conn, child, values).await?;
        }
    }
    Ok(Ok(()))
}

/// Whether an error is the database refusing the row (a constraint or a trigger), which is the
/// row's fault, rather than the database failing.
fn refused_by_schema(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => {
            let m = d.message().to_string();
            let schema = d.is_unique_violation()
                || d.is_check_violation()
                || d.is_foreign_key_violation()
                || m.contains("cannot be changed")
                || m.contains("cannot be deleted")
                || m.contains("constraint failed")
                || m.contains("cannot store");
            schema.then_some(m)
        }
        _ => None,
    }
}

async fn write_row(
    conn: &mut SqliteConnection,
    spec: &Synced,
    row_id: &str,
    row: Option<&Map<String, Value>>,
) -> Result<Result<Applied, String>, sqlx::Error> {
    let current = snapshot(&mut *conn, spec.table, row_id).await?;
    let Some(row) = row else {
        if current.is_none() {
            return Ok(Ok(Applied::Unchanged));
        }
        for (child, parent_col, _) in spec.children {
            let sql = format!("DELETE FROM {child} WHERE {parent_col} = ?1");
            sqlx::query(&sql).bind(row_id).execute(&mut *conn).await?;
        }
        let sql = format!("DELETE FROM {} WHERE {} = ?1", spec.table, spec.key);
        sqlx::query(&sql).bind(row_id).execute(&mut *conn).await?;
        return Ok(Ok(Applied::Written));
    };
    if row.get(spec.key).and_then(Value::as_str) != Some(row_id) {
        return Ok(Err("the row's id is not the id the change names".into()));
    }
    let cols = columns(&mut *conn, spec.table).await?;
    let local = local_names(spec);
    let kids = row.get(CHILDREN_KEY);
    match current {
        None => {
            let values = match storable(row, &cols, &local) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            insert_row(&mut *conn, spec.table, values).await?;
            if !spec.children.is_empty() {
                if let Err(e) = replace_children(&mut *conn, spec, row_id, kids).await? {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(Applied::Written))
        }
        Some(cur) => {
            // Only the columns that differ are set: a trigger that guards some columns (a
            // contract's bytes) fires only when those change.
            let changed: Map<String, Value> = row
                .iter()
                .filter(|(k, v)| k.as_str() != CHILDREN_KEY && cur.get(k.as_str()) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let values = match storable(&changed, &cols, &local) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let kids_differ = !spec.children.is_empty() && cur.get(CHILDREN_KEY) != kids;
            if values.is_empty() && !kids_differ {
                return Ok(Ok(Applied::Unchanged));
            }
            if !values.is_empty() {
                let sets: Vec<String> = values
                    .keys()
                    .enumerate()
                    .map(|(i, c)| format!("{c} = ?{}", i + 2))
                    .collect();
                let sql = format!(
                    "UPDATE {} SET {} WHERE {} = ?1",
                    spec.table,
                    sets.join(", "),
                    spec.key
                );
                let mut binds = vec![Bind::Text(row_id.to_string())];
                binds.extend(values.into_values());
                execute(&mut *conn, &sql, binds).await?;
            }
            if kids_differ {
                if let Err(e) = replace_children(&mut *conn, spec, row_id, kids).await? {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(Applied::Written))
        }
    }
}

/// Writes the hub's version of a row (None: the row is gone) inside the caller's transaction,
/// without journaling it. All of it or none of it is written: a refusal leaves the row as it
/// was. Foreign keys are checked at commit (`defer_foreign_keys`, set by the caller's
/// transaction through [`defer_foreign_keys`]), so a page may hold a child before its parent.
pub async fn apply(
    conn: &mut SqliteConnection,
    table: &str,
    row_id: &str,
    row: Option<&Map<String, Value>>,
) -> Result<Applied, sqlx::Error> {
    let Some(spec) = synced(table) else {
        return Ok(Applied::Refused(format!(
            "this desk does not keep {}",
            table.replace('_', " ")
        )));
    };
    sqlx::query("SAVEPOINT sync_apply")
        .execute(&mut *conn)
        .await?;
    let outcome = write_row(&mut *conn, spec, row_id, row).await;
    let undo = !matches!(outcome, Ok(Ok(_)));
    if undo {
        sqlx::query("ROLLBACK TO sync_apply")
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("RELEASE sync_apply")
        .execute(&mut *conn)
        .await?;
    match outcome {
        Ok(Ok(a)) => Ok(a),
        Ok(Err(reason)) => Ok(Applied::Refused(reason)),
        Err(e) => match refused_by_schema(&e) {
            Some(m) => Ok(Applied::Refused(m)),
            None => Err(e),
        },
    }
}

/// Checks foreign keys at commit rather than per statement, for the rest of the transaction.
pub async fn defer_foreign_keys(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(conn)
        .await?;
    Ok(())
}

/// A row that names a row this desk does not have: the synced row it belongs to (a child's
/// parent row), when it can be told, and the table it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling {
    pub table: String,
    pub row_id: Option<String>,
    pub missing: String,
}

/// The rows that name a row this desk does not have, checked before commit (with foreign keys
/// deferred) so a page that could not commit says which of its rows are at fault.
pub async fn dangling(conn: &mut SqliteConnection) -> Result<Vec<Dangling>, sqlx::Error> {
    let rows = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let table: String = r.try_get(0)?;
        let rowid: Option<i64> = r.try_get(1)?;
        let missing: String = r.try_get(2)?;
        let (owner, column) = match (synced(&table), parent_of(&table)) {
            (Some(spec), _) => (spec.table.to_string(), spec.key.to_string()),
            (None, Some(parent)) => {
                let col = parent
                    .children
                    .iter()
                    .find(|(c, _, _)| *c == table)
                    .map(|(_, col, _)| (*col).to_string())
                    .unwrap_or_default();
                (parent.table.to_string(), col)
            }
            (None, None) => (table.clone(), String::new()),
        };
        let row_id = match rowid {
            Some(id) if !column.is_empty() => {
                let sql = format!("SELECT CAST({column} AS TEXT) FROM {table} WHERE rowid = ?1");
                sqlx::query_scalar::<_, Option<String>>(&sql)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .flatten()
            }
            _ => None,
        };
        out.push(Dangling {
            table: owner,
            row_id,
            missing,
        });
    }
    Ok(out)
}
