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

/// Many rows of one synced table as they travel, by row id, in two statements per table and
/// child table (ids as a JSON array, so one statement serves any number of them). Rows that do
/// not exist are absent.
pub async fn snapshots(
    conn: &mut SqliteConnection,
    table: &str,
    row_ids: &[&str],
) -> Result<BTreeMap<String, Map<String, Value>>, sqlx::Error> {
    let mut out = BTreeMap::new();
    let Some(spec) = synced(table) else {
        return Ok(out);
    };
    if row_ids.is_empty() {
        return Ok(out);
    }
    let ids =
        Value::Array(row_ids.iter().map(|i| Value::String((*i).into())).collect()).to_string();
    let sql = format!(
        "SELECT * FROM {} WHERE {} IN (SELECT value FROM json_each(?1))",
        spec.table, spec.key
    );
    let rows = sqlx::query(&sql).bind(&ids).fetch_all(&mut *conn).await?;
    let local = local_names(spec);
    for r in &rows {
        let key: String = match r.try_get::<String, _>(spec.key) {
            Ok(k) => k,
            Err(_) => r.try_get::<i64, _>(spec.key)?.to_string(),
        };
        out.insert(key, to_json(r, &local)?);
    }
    if !spec.children.is_empty() {
        let mut kids: BTreeMap<String, Map<String, Value>> = out
            .keys()
            .map(|k| {
                let mut m = Map::new();
                for (child, _, _) in spec.children {
                    m.insert((*child).to_string(), Value::Array(Vec::new()));
                }
                (k.clone(), m)
            })
            .collect();
        for (child, parent_col, order) in spec.children {
            let sql = format!(
                "SELECT * FROM {child} WHERE {parent_col} IN (SELECT value FROM json_each(?1)) \
                 ORDER BY {parent_col}, {order}"
            );
            let rows = sqlx::query(&sql).bind(&ids).fetch_all(&mut *conn).await?;
            for r in &rows {
                let parent: String = r.try_get(*parent_col)?;
                if let Some(Value::Array(list)) =
                    kids.get_mut(&parent).and_then(|m| m.get_mut(*child))
                {
                    list.push(Value::Object(to_json(r, &[])?));
                }
            }
        }
        for (k, m) in kids {
            if let Some(row) = out.get_mut(&k) {
                row.insert(CHILDREN_KEY.into(), Value::Object(m));
            }
        }
    }
    Ok(out)
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
    current: Option<Map<String, Value>>,
) -> Result<Result<Applied, String>, sqlx::Error> {
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
    let current = snapshot(&mut *conn, table, row_id).await?;
    apply_over(conn, table, row_id, row, current).await
}

/// [`apply`], given the row as this desk holds it now (`current`, from [`snapshots`]): for a
/// page of changes read in bulk. A change of one statement needs no savepoint (a statement that
/// fails leaves nothing); one with children is written inside one.
pub async fn apply_over(
    conn: &mut SqliteConnection,
    table: &str,
    row_id: &str,
    row: Option<&Map<String, Value>>,
    current: Option<Map<String, Value>>,
) -> Result<Applied, sqlx::Error> {
    let Some(spec) = synced(table) else {
        return Ok(Applied::Refused(format!(
            "this desk does not keep {}",
            table.replace('_', " ")
        )));
    };
    let guarded = !spec.children.is_empty();
    if guarded {
        sqlx::query("SAVEPOINT sync_apply")
            .execute(&mut *conn)
            .await?;
    }
    let outcome = write_row(&mut *conn, spec, row_id, row, current).await;
    if guarded {
        if !matches!(outcome, Ok(Ok(_))) {
            sqlx::query("ROLLBACK TO sync_apply")
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("RELEASE sync_apply")
            .execute(&mut *conn)
            .await?;
    }
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

/// A foreign key: (column, parent table, parent column).
type ForeignKey = (String, String, String);

/// The single-column foreign keys of a table, from the schema (cached like [`columns`]).
async fn foreign_keys(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<std::sync::Arc<Vec<ForeignKey>>, sqlx::Error> {
    type Cache = std::sync::Mutex<BTreeMap<String, std::sync::Arc<Vec<ForeignKey>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().ok().and_then(|m| m.get(table).cloned()) {
        return Ok(c);
    }
    let rows = sqlx::query(
        "SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_id: BTreeMap<i64, Vec<ForeignKey>> = BTreeMap::new();
    for r in rows {
        let to: Option<String> = r.try_get(3)?;
        by_id.entry(r.try_get(0)?).or_default().push((
            r.try_get(1)?,
            r.try_get(2)?,
            to.unwrap_or_else(|| "id".into()),
        ));
    }
    let fks = std::sync::Arc::new(
        by_id
            .into_values()
            .filter(|cols| cols.len() == 1)
            .flatten()
            .collect::<Vec<_>>(),
    );
    if let Ok(mut m) = cache.lock() {
        m.insert(table.to_string(), fks.clone());
    }
    Ok(fks)
}

/// Every (table, column) whose foreign key names `table` (cached).
async fn referencing(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for n in names {
        for (col, parent, _) in foreign_keys(&mut *conn, &n).await?.iter() {
            if parent == table {
                out.push((n.clone(), col.clone()));
            }
        }
    }
    Ok(out)
}

/// A row written as the hub's: table, row id, and the row (None: removed).
pub type WrittenRow = (String, String, Option<Map<String, Value>>);

/// Which of `values` appear in `parent.column`, with one statement.
async fn present(
    conn: &mut SqliteConnection,
    parent: &str,
    column: &str,
    values: &std::collections::BTreeSet<String>,
) -> Result<std::collections::BTreeSet<String>, sqlx::Error> {
    if values.is_empty() {
        return Ok(Default::default());
    }
    let list = Value::Array(values.iter().map(|v| Value::String(v.clone())).collect()).to_string();
    let sql = format!(
        "SELECT DISTINCT CAST({column} AS TEXT) FROM {parent} \
         WHERE {column} IN (SELECT value FROM json_each(?1))"
    );
    let found: Vec<Option<String>> = sqlx::query_scalar(&sql)
        .bind(list)
        .fetch_all(&mut *conn)
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// The foreign-key values a row and its children name: (table of the naming row, column,
/// parent table, parent column, value).
async fn named_by(
    conn: &mut SqliteConnection,
    spec: &Synced,
    row: &Map<String, Value>,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    let mut push = |fks: &[ForeignKey], r: &Map<String, Value>, skip: Option<&str>| {
        for (col, parent, pcol) in fks {
            if Some(parent.as_str()) == skip {
                continue;
            }
            if let Some(Value::String(v)) = r.get(col) {
                out.push((parent.clone(), pcol.clone(), v.clone()));
            }
        }
    };
    let fks = foreign_keys(&mut *conn, spec.table).await?;
    push(&fks, row, None);
    if let Some(Value::Object(kids)) = row.get(CHILDREN_KEY) {
        for (child, _, _) in spec.children {
            let fks = foreign_keys(&mut *conn, child).await?;
            for k in kids
                .get(*child)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(obj) = k.as_object() {
                    push(&fks, obj, Some(spec.table));
                }
            }
        }
    }
    Ok(out)
}

/// Of the rows a transaction wrote as the hub's (`rows`: table, row id and the row as written,
/// None where it was removed), the ones that name a row this desk does not have, or were removed
/// while other rows here still name them. Checked through the indexes with one statement per
/// (table, column) named (foreign keys are deferred to commit, so a page may hold a child before
/// its parent; this says which rows the commit would refuse).
pub async fn dangling(
    conn: &mut SqliteConnection,
    rows: &[WrittenRow],
) -> Result<Vec<Dangling>, sqlx::Error> {
    use std::collections::BTreeSet;
    // Every (parent, column) → values named, and per row what it names.
    let mut wanted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut names: Vec<Vec<(String, String, String)>> = Vec::with_capacity(rows.len());
    let mut removed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, row_id, row) in rows {
        let Some(spec) = synced(table) else {
            names.push(Vec::new());
            continue;
        };
        match row {
            Some(r) => {
                let n = named_by(&mut *conn, spec, r).await?;
                for (p, c, v) in &n {
                    wanted
                        .entry((p.clone(), c.clone()))
                        .or_default()
                        .insert(v.clone());
                }
                names.push(n);
            }
            None => {
                removed
                    .entry(table.clone())
                    .or_default()
                    .insert(row_id.clone());
                names.push(Vec::new());
            }
        }
    }
    let mut found: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for ((parent, col), values) in &wanted {
        let f = present(&mut *conn, parent, col, values).await?;
        found.insert((parent.clone(), col.clone()), f);
    }
    let mut out = Vec::new();
    for ((table, row_id, _), n) in rows.iter().zip(&names) {
        let missing = n.iter().find(|(p, c, v)| {
            !found
                .get(&(p.clone(), c.clone()))
                .is_some_and(|f| f.contains(v))
        });
        if let Some((p, _, _)) = missing {
            out.push(Dangling {
                table: table.clone(),
                row_id: Some(row_id.clone()),
                missing: p.clone(),
            });
        }
    }
    // Removed rows still named here.
    for (table, ids) in removed {
        let spec_children: Vec<&str> = synced(&table)
            .map(|s| s.children.iter().map(|(c, _, _)| *c).collect())
            .unwrap_or_default();
        for (child, col) in referencing(&mut *conn, &table).await? {
            if spec_children.contains(&child.as_str()) {
                continue;
            }
            for id in present(&mut *conn, &child, &col, &ids).await? {
                out.push(Dangling {
                    table: table.clone(),
                    row_id: Some(id),
                    missing: table.clone(),
                });
            }
        }
    }
    Ok(out)
}
