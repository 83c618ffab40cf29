//! Customers: create, edit, view, search. Names and contact details are stored in clear (the desk
//! searches them); date of birth, SSN/ITIN and licence number are encrypted per field and only
//! ever leave this module masked, except through the audited [`reveal_pii`].

mod search;
pub use dealerdesk_rules::validate;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Actor, Permission};
use dealerdesk_rules::dates::whole_months;
use dealerdesk_rules::ids::CustomerId;
use dealerdesk_rules::money::Money;
use dealerdesk_rules::names::full_name;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{mask_digits, BirthDate, CryptoError, LicenceNumber, Ssn};
use dealerdesk_store::repo::customer::{self as repo, AddressFields, CustomerEdit, NewCustomer};
use dealerdesk_store::{new_id, Stamp, Store};

pub use search::{list, search, CustomerPage, CustomerSummary};
pub use validate::AddressInput;
use validate::ValidAddress;

#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("no customer {0}")]
    NotFound(String),
    #[error("your role cannot see this customer's full {0}")]
    Forbidden(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<validate::Invalid> for CustomerError {
    fn from(e: validate::Invalid) -> Self {
        CustomerError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

/// A new customer as typed at the desk. `dob` accepts YYYY-MM-DD or MM/DD/YYYY; `monthly_income`
/// is a decimal string like "4250.00".
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CustomerInput {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub dob: String,
    pub ssn: String,
    pub licence_number: Option<String>,
    pub licence_state: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
    pub monthly_income: String,
    pub address: AddressInput,
    pub previous_address: Option<AddressInput>,
}

/// An edit. The PII fields are optional: `null` keeps the stored value.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CustomerUpdate {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub dob: Option<String>,
    pub ssn: Option<String>,
    pub licence_number: Option<String>,
    pub licence_state: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
    pub monthly_income: String,
    pub address: AddressInput,
    pub previous_address: Option<AddressInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AddressView {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub since: String,
    pub months_at_address: u32,
    pub current: bool,
}

/// A customer as the detail screen shows them: PII masked.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CustomerView {
    pub id: CustomerId,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub full_name: String,
    pub dob_masked: String,
    pub age: u32,
    pub ssn_masked: String,
    pub licence_masked: Option<String>,
    pub licence_state: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
    pub monthly_income: String,
    pub addresses: Vec<AddressView>,
    pub created_at: String,
    pub updated_at: String,
}

/// The PII fields that can be revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum PiiField {
    Ssn,
    Dob,
    LicenceNumber,
}

impl PiiField {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiField::Ssn => "ssn",
            PiiField::Dob => "dob",
            PiiField::LicenceNumber => "licence_number",
        }
    }
    fn label(self) -> &'static str {
        match self {
            PiiField::Ssn => "SSN",
            PiiField::Dob => "date of birth",
            PiiField::LicenceNumber => "licence number",
        }
    }
}

/// Validates the fields `CustomerInput` and `CustomerUpdate` share (same names in both).
macro_rules! validate_common_of {
    ($input:expr, $today:expr) => {
        validate_common(
            &$input.given_name,
            &$input.middle_name,
            &$input.family_name,
            &$input.suffix,
            &$input.phone,
            &$input.email,
            &$input.employer,
            &$input.job_title,
            &$input.monthly_income,
            &$input.address,
            &$input.previous_address,
            $today,
        )
    };
}

/// Everything but PII, validated.
struct ValidCommon {
    given_name: String,
    middle_name: Option<String>,
    family_name: String,
    suffix: Option<String>,
    phone: String,
    email: Option<String>,
    employer: Option<String>,
    job_title: Option<String>,
    income: Money,
    address: ValidAddress,
    previous: Option<ValidAddress>,
}

#[allow(clippy::too_many_arguments)]
fn validate_common(
    given_name: &str,
    middle_name: &Option<String>,
    family_name: &str,
    suffix: &Option<String>,
    phone: &str,
    email: &Option<String>,
    employer: &Option<String>,
    job_title: &Option<String>,
    income: &str,
    address: &AddressInput,
    previous: &Option<AddressInput>,
    today: NaiveDate,
) -> Result<ValidCommon, CustomerError> {
    use validate as v;
    let given_name = v::name("given_name", given_name, true, "first name")?.unwrap_or_default();
    let middle_name = v::name(
        "middle_name",
        middle_name.as_deref().unwrap_or(""),
        false,
        "middle name",
    )?;
    let family_name = v::name("family_name", family_name, true, "last name")?.unwrap_or_default();
    let suffix = v::name("suffix", suffix.as_deref().unwrap_or(""), false, "suffix")?;
    let phone = v::phone(phone)?;
    let email = v::email(email)?;
    let employer = v::short_text("employer", employer, "employer")?;
    let job_title = v::short_text("job_title", job_title, "job title")?;
    let income = v::income(income)?;
    let address = v::address("address", address, today)?;
    let previous = previous
        .as_ref()
        .map(|p| v::address("previous_address", p, today))
        .transpose()?;
    if let Some(p) = &previous {
        if p.since >= address.since {
            return Err(v::invalid(
                "previous_address.since",
                "the previous address must have started before the current one",
            )
            .into());
        }
    }
    Ok(ValidCommon {
        given_name,
        middle_name,
        family_name,
        suffix,
        phone,
        email,
        employer,
        job_title,
        income,
        address,
        previous,
    })
}

/// A new customer, fully validated.
struct ValidNew {
    common: ValidCommon,
    dob: BirthDate,
    ssn: Ssn,
    licence: Option<(LicenceNumber, String)>,
}

/// Validates a new customer; the error names the first field found at fault.
fn validate_new(input: &CustomerInput, today: NaiveDate) -> Result<ValidNew, CustomerError> {
    let common = validate_common_of!(input, today)?;
    Ok(ValidNew {
        common,
        dob: validate::birth_date(&input.dob, today)?,
        ssn: validate::ssn(&input.ssn)?.0,
        licence: validate::licence(&input.licence_number, &input.licence_state)?,
    })
}

/// The AEAD context of a customer's encrypted field (also read by `links` for the knowledge check).
pub(crate) fn ctx(field: &str, id: &str) -> String {
    format!("customer.{field}:{id}")
}

/// Sets the customer's address of `kind`, journaled at `now` inside the caller's transaction.
async fn write_address(
    store: &Store,
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
    kind: &str,
    a: &ValidAddress,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let since = a.since.to_string();
    let fields = AddressFields {
        line1: &a.line1,
        line2: a.line2.as_deref(),
        city: &a.city,
        state: &a.state,
        zip: &a.zip,
        since: &since,
    };
    repo::put_address(conn, store.device_id(), now, customer_id, kind, &fields).await
}

/// Creates a customer. `today` is the desk's local date (age and move-in checks).
#[tracing::instrument(skip_all, err)]
pub async fn create(
    store: &Store,
    actor: &Actor,
    input: &CustomerInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<CustomerView, CustomerError> {
    let v = validate_new(input, today)?;
    let id = CustomerId::from(new_id());
    let mut w = store.write(now).await?;
    insert_tx(store, w.conn(), actor, &id, &v, now).await?;
    w.audit(
        AuditEvent::new(actor.name(), "customer.create", AuditOutcome::Success)
            .subject(format!("customer:{id}")),
    );
    w.commit().await?;
    view(store, &id, today).await
}

/// Inserts a validated customer inside the caller's transaction (shared by the desk, the CLI and
/// the demo generator's bulk load).
async fn insert_tx(
    store: &Store,
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &CustomerId,
    v: &ValidNew,
    now: DateTime<Utc>,
) -> Result<(), CustomerError> {
    let cipher = store.cipher();
    let (c, dob, ssn, licence) = (&v.common, &v.dob, &v.ssn, v.licence.as_ref());
    let dob_enc = cipher.encrypt(&dob.reveal().to_string(), &ctx("dob", id.as_str()));
    let ssn_enc = cipher.encrypt(ssn.reveal(), &ctx("ssn", id.as_str()));
    let licence_enc =
        licence.map(|(n, _)| cipher.encrypt(n.reveal(), &ctx("licence_number", id.as_str())));
    let ssn_index = cipher.blind_index("ssn", ssn.reveal());
    let actor_name = actor.name();
    let row = NewCustomer {
        given_name: &c.given_name,
        middle_name: c.middle_name.as_deref(),
        family_name: &c.family_name,
        suffix: c.suffix.as_deref(),
        dob_enc: &dob_enc,
        ssn_enc: &ssn_enc,
        licence_number_enc: licence_enc.as_deref(),
        licence_state: licence.map(|(_, s)| s.as_str()),
        ssn_last4: ssn.last4(),
        ssn_index: &ssn_index,
        phone: &c.phone,
        email: c.email.as_deref(),
        employer: c.employer.as_deref(),
        job_title: c.job_title.as_deref(),
        monthly_income_cents: c
            .income
            .cents()
            .map_err(|e| validate::invalid("monthly_income", e.to_string()))?,
        created_by: &actor_name,
    };
    let stamp = Stamp::journal(
        &mut *conn,
        store.device_id(),
        now,
        "customer",
        id.as_str(),
        "insert",
    )
    .await?;
    repo::insert_stamped(&mut *conn, id, &row, &stamp).await?;
    write_address(store, conn, id, "current", &c.address, now).await?;
    if let Some(p) = &c.previous {
        write_address(store, conn, id, "previous", p, now).await?;
    }
    Ok(())
}

/// Edits a customer; PII left `None` in the update keeps its stored value.
#[tracing::instrument(skip_all, err)]
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: &CustomerId,
    input: &CustomerUpdate,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<CustomerView, CustomerError> {
    let common = validate_common_of!(input, today)?;
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let dob = blank(&input.dob)
        .map(|d| validate::birth_date(&d, today))
        .transpose()?;
    let ssn = blank(&input.ssn).map(|s| validate::ssn(&s)).transpose()?;
    let licence_given = blank(&input.licence_number).is_some();
    let licence = if licence_given {
        validate::licence(&input.licence_number, &input.licence_state)?
    } else {
        None
    };

    let cipher = store.cipher();
    let mut w = store.write(now).await?;
    let stored = repo::licence_state_of(w.conn(), id)
        .await?
        .ok_or_else(|| CustomerError::NotFound(id.to_string()))?;
    // Licence state alone may change (reissued in another state) while the number is kept.
    let licence_state: Option<String> = match &licence {
        Some((_, s)) => Some(s.clone()),
        None => match blank(&input.licence_state).map(|s| s.to_uppercase()) {
            Some(s) if stored.is_some() && validate::US_STATES.contains(&s.as_str()) => Some(s),
            Some(_) if stored.is_some() => {
                return Err(validate::invalid(
                    "licence_state",
                    "choose a US state (two letters, like TX)",
                )
                .into())
            }
            _ => stored,
        },
    };
    let dob_enc = dob.map(|d| cipher.encrypt(&d.reveal().to_string(), &ctx("dob", id.as_str())));
    let ssn_enc = ssn
        .as_ref()
        .map(|(s, _)| cipher.encrypt(s.reveal(), &ctx("ssn", id.as_str())));
    let ssn_last4 = ssn.as_ref().map(|(s, _)| s.last4().to_string());
    let ssn_index = ssn
        .as_ref()
        .map(|(s, _)| cipher.blind_index("ssn", s.reveal()));
    let licence_enc = licence
        .as_ref()
        .map(|(n, _)| cipher.encrypt(n.reveal(), &ctx("licence_number", id.as_str())));
    let edit = CustomerEdit {
        given_name: &common.given_name,
        middle_name: common.middle_name.as_deref(),
        family_name: &common.family_name,
        suffix: common.suffix.as_deref(),
        dob_enc: dob_enc.as_deref(),
        ssn_enc: ssn_enc.as_deref(),
        ssn_last4: ssn_last4.as_deref(),
        ssn_index: ssn_index.as_deref(),
        licence_number_enc: licence_enc.as_deref(),
        licence_state: licence_state.as_deref(),
        phone: &common.phone,
        email: common.email.as_deref(),
        employer: common.employer.as_deref(),
        job_title: common.job_title.as_deref(),
        monthly_income_cents: common
            .income
            .cents()
            .map_err(|e| validate::invalid("monthly_income", e.to_string()))?,
    };
    repo::update(&mut w, id, &edit).await?;
    write_address(store, w.conn(), id, "current", &common.address, now).await?;
    match &common.previous {
        Some(p) => write_address(store, w.conn(), id, "previous", p, now).await?,
        None => repo::delete_previous_address(&mut w, id).await?,
    }
    let mut replaced = Vec::new();
    if dob.is_some() {
        replaced.push("dob");
    }
    if ssn.is_some() {
        replaced.push("ssn");
    }
    if licence.is_some() {
        replaced.push("licence_number");
    }
    let detail = if replaced.is_empty() {
        "details edited".to_string()
    } else {
        format!("details edited; replaced {}", replaced.join(", "))
    };
    let event = AuditEvent::new(actor.name(), "customer.update", AuditOutcome::Success)
        .subject(format!("customer:{id}"))
        .detail(detail);
    w.audit(event);
    w.commit().await?;
    view(store, id, today).await
}

/// Loads a customer for display (PII masked) and records the read in the audit log.
#[tracing::instrument(skip_all, err)]
pub async fn get(
    store: &Store,
    actor: &Actor,
    id: &CustomerId,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<CustomerView, CustomerError> {
    let v = view(store, id, today).await?;
    let event = AuditEvent::new(actor.name(), "customer.view", AuditOutcome::Success)
        .subject(format!("customer:{id}"));
    audit::record(store, now, &event).await?;
    Ok(v)
}

async fn view(
    store: &Store,
    id: &CustomerId,
    today: NaiveDate,
) -> Result<CustomerView, CustomerError> {
    let row = repo::get(store, id)
        .await?
        .ok_or_else(|| CustomerError::NotFound(id.to_string()))?;
    let cipher = store.cipher();
    let dob_text = cipher.decrypt(&row.dob_enc, &ctx("dob", id.as_str()))?;
    let dob = validate::parse_date(&dob_text)
        .map(BirthDate::new)
        .ok_or(CryptoError::Decrypt)?;
    let licence_masked = match &row.licence_number_enc {
        Some(sealed) => Some(mask_digits(
            &cipher.decrypt(sealed, &ctx("licence_number", id.as_str()))?,
        )),
        None => None,
    };
    let addresses = repo::addresses(store, id)
        .await?
        .into_iter()
        .map(|a| {
            let months = validate::parse_date(&a.since)
                .map(|d| whole_months(d, today))
                .unwrap_or(0);
            AddressView {
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                zip: a.zip,
                since: a.since,
                months_at_address: months,
                current: a.kind == "current",
            }
        })
        .collect();
    Ok(CustomerView {
        full_name: full_name(
            &row.given_name,
            row.middle_name.as_deref(),
            &row.family_name,
            row.suffix.as_deref(),
        ),
        id: CustomerId::from(row.id),
        given_name: row.given_name,
        middle_name: row.middle_name,
        family_name: row.family_name,
        suffix: row.suffix,
        dob_masked: dob.masked(),
        age: dob.age_on(today),
        ssn_masked: mask_digits(&format!("00000{}", row.ssn_last4)),
        licence_masked,
        licence_state: row.licence_state,
        phone: row.phone,
        email: row.email,
        employer: row.employer,
        job_title: row.job_title,
        monthly_income: Money::from_cents(row.monthly_income_cents).to_plain(),
        addresses,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Reveals one PII field in full. Only finance managers and admins may; every reveal and every
/// refusal is audited.
#[tracing::instrument(skip_all, err, fields(field = field.as_str()))]
pub async fn reveal_pii(
    store: &Store,
    actor: &Actor,
    id: &CustomerId,
    field: PiiField,
    now: DateTime<Utc>,
) -> Result<String, CustomerError> {
    let subject = format!("customer:{id}");
    if !actor.may(Permission::RevealPii) {
        let event = AuditEvent::new(actor.name(), "customer.reveal_pii", AuditOutcome::Denied)
            .subject(subject)
            .detail(format!("field {}", field.as_str()));
        audit::record(store, now, &event).await?;
        return Err(CustomerError::Forbidden(field.label()));
    }
    let pii = repo::pii(store, id)
        .await?
        .ok_or_else(|| CustomerError::NotFound(id.to_string()))?;
    let sealed = match field {
        PiiField::Ssn => Some(pii.ssn_enc),
        PiiField::Dob => Some(pii.dob_enc),
        PiiField::LicenceNumber => pii.licence_number_enc,
    };
    let Some(sealed) = sealed else {
        return Ok(String::new());
    };
    let plain = store
        .cipher()
        .decrypt(&sealed, &ctx(field.as_str(), id.as_str()))?;
    let shown = match field {
        PiiField::Ssn => Ssn::from_digits(plain.to_string()).formatted(),
        PiiField::Dob => validate::parse_date(&plain)
            .map(|d| d.format("%m/%d/%Y").to_string())
            .unwrap_or_else(|| plain.to_string()),
        PiiField::LicenceNumber => plain.to_string(),
    };
    let event = AuditEvent::new(actor.name(), "customer.reveal_pii", AuditOutcome::Success)
        .subject(subject)
        .detail(format!("field {}", field.as_str()));
    audit::record(store, now, &event).await?;
    Ok(shown)
}

/// Bulk insert for the demo generator and the benchmark: many customers in one transaction and
/// one audit entry.
pub async fn create_many(
    store: &Store,
    actor: &Actor,
    inputs: &[CustomerInput],
    created_at: &[DateTime<Utc>],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Vec<CustomerId>, CustomerError> {
    let mut w = store.write(now).await?;
    let mut ids = Vec::with_capacity(inputs.len());
    for (input, at) in inputs.iter().zip(created_at) {
        let v = validate_new(input, today)?;
        let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            at.timestamp().max(0) as u64,
            at.timestamp_subsec_nanos(),
        ))
        .to_string();
        let id = CustomerId::from(id);
        insert_tx(store, w.conn(), actor, &id, &v, *at).await?;
        ids.push(id);
    }
    if !ids.is_empty() {
        w.audit(
            AuditEvent::new(actor.name(), "customer.bulk_create", AuditOutcome::Success)
                .detail(format!("{} customers", ids.len())),
        );
    }
    w.commit().await?;
    Ok(ids)
}
