//! IPC commands. Each one resolves the signed-in staff member, calls one core function and maps
//! the error; no SQL, business rules or money math here (DESIGN.md §2).

use chrono::{Local, Utc};
use dealerdesk_desktop_views::{EnrolmentView, SyncOverview};
use dealerdesk_rules::ids::{
    ApplicationId, CustomerId, DealId, DocumentId, IdentityCheckId, NoticeId, VehicleId,
};
use dealerdesk_services::application::adverse::{self, DeliveryMethod, NoticeDue, NoticeView};
use dealerdesk_services::application::analytics::{
    self, Analytics, Pipeline, PipelineFilter, PipelineWindow,
};
use dealerdesk_services::application::star::{self, ImportedDecision};
use dealerdesk_services::application::{
    self, Action, ApplicationFilter, ApplicationInput, ApplicationPage, ApplicationView,
    ConsentInput, LenderAssessment, LenderView, ProcessedMessage, StipulationDocumentView,
    StipulationView, SubmitReceipt, Unmet,
};
use dealerdesk_services::audit_log;
use dealerdesk_services::auth::{
    self, Actor, NewStaff, Role, SessionView, SignInOutcome, StaffName, StaffView,
};
use dealerdesk_services::contract::jacket::{self, JacketReport, PrintedJacket};
use dealerdesk_services::contract::sign::{self as signing, CeremonyTexts, SigningStatus};
use dealerdesk_services::contract::{self, application_doc, ContractRecord, FileCheck, RenderMode};
use dealerdesk_services::customer::{
    self, CustomerInput, CustomerPage, CustomerSummary, CustomerUpdate, CustomerView, PiiField,
};
use dealerdesk_services::deal::preview::{self, OptionQuote};
use dealerdesk_services::deal::{self, DealFilter, DealInput, DealPage, DealView, OptionTerms};
use dealerdesk_services::exports::{self, SavedFile};
use dealerdesk_services::home::{self, HomeFigures};
use dealerdesk_services::identity::aamva::{self, Licence};
use dealerdesk_services::identity::red_flags::FlagCode;
use dealerdesk_services::identity::verification::{
    self, Blocker, CandidateDecision, CheckInput, ContactChannel, ContactStatusView,
    VerificationView,
};
use dealerdesk_services::ipc::{self, AppStatus, CommandError};
use dealerdesk_services::links::desk::{self as link_desk, DeskLink};
use dealerdesk_services::links::outbox::Channel;
use dealerdesk_services::links::{self, IssueLink, LinkView};
use dealerdesk_services::sync::enrol as sync_enrol;
use dealerdesk_services::sync::run::{self as sync_run, ConflictView, SyncReport};
use dealerdesk_services::vehicle::{
    self, VehicleFilter, VehicleInput, VehiclePage, VehicleView, VinReport,
};
use dealerdesk_store::audit::{AuditFilter, AuditPage, AuditVerifyReport};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::state::AppState;

type Result<T> = std::result::Result<T, CommandError>;

const ANY: &[Role] = Role::ALL;
const ADMIN: &[Role] = &[Role::Admin];

/// Who: anyone
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    let token = state.token();
    ipc::app_status(state.store()?, token.as_ref(), Utc::now()).await
}

/// Who: only while no staff exists (role ignored, forced admin)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn create_first_admin(state: State<'_, AppState>, input: NewStaff) -> Result<StaffView> {
    Ok(auth::create_first_admin(state.store()?, &input, Utc::now()).await?)
}

/// Who: anyone
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<SignInOutcome> {
    let signed = auth::sign_in(state.store()?, &username, &password, Utc::now()).await?;
    state.set_token(Some(signed.token));
    Ok(signed.outcome)
}

/// Who: after sign_in → mfa_required
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn verify_mfa(state: State<'_, AppState>, code: String) -> Result<SessionView> {
    let token = state
        .token()
        .ok_or_else(|| CommandError::from(auth::AuthError::NotSignedIn))?;
    Ok(auth::verify_mfa(state.store()?, &token, &code, Utc::now()).await?)
}

/// Who: after sign_in → mfa_enrolment_required
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn confirm_mfa_enrolment(
    state: State<'_, AppState>,
    code: String,
) -> Result<SessionView> {
    let token = state
        .token()
        .ok_or_else(|| CommandError::from(auth::AuthError::NotSignedIn))?;
    Ok(auth::confirm_enrolment(state.store()?, &token, &code, Utc::now()).await?)
}

/// Who: signed in
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn sign_out(state: State<'_, AppState>) -> Result<()> {
    let token = state.token();
    state.set_token(None);
    Ok(auth::sign_out(state.store()?, token.as_ref(), Utc::now()).await?)
}

/// Who: signed in
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn lock_session(state: State<'_, AppState>) -> Result<()> {
    let token = state.token();
    Ok(auth::lock(state.store()?, token.as_ref(), Utc::now()).await?)
}

/// Who: locked session
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn unlock_session(state: State<'_, AppState>, password: String) -> Result<SessionView> {
    let token = state.token();
    Ok(auth::unlock(state.store()?, token.as_ref(), &password, Utc::now()).await?)
}

/// Who: signed in (call at most once a minute while the user is active)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn session_heartbeat(state: State<'_, AppState>) -> Result<SessionView> {
    state.authorize(ANY, "session.heartbeat").await?;
    let token = state.token();
    auth::current_session(state.store()?, token.as_ref(), Utc::now())
        .await?
        .ok_or_else(|| auth::AuthError::NotSignedIn.into())
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn home_figures(state: State<'_, AppState>) -> Result<HomeFigures> {
    state.authorize(ANY, "home.figures").await?;
    Ok(home::figures(state.store()?, Utc::now()).await?)
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn search_customers(
    state: State<'_, AppState>,
    query: String,
    limit: u32,
) -> Result<Vec<CustomerSummary>> {
    state.authorize(ANY, "customer.search").await?;
    Ok(customer::search(state.store()?, &query, limit).await?)
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_customers(
    state: State<'_, AppState>,
    offset: u32,
    limit: u32,
) -> Result<CustomerPage> {
    state.authorize(ANY, "customer.list").await?;
    Ok(customer::list(state.store()?, offset, limit).await?)
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn get_customer(state: State<'_, AppState>, id: CustomerId) -> Result<CustomerView> {
    let staff = state.authorize(ANY, "customer.view").await?;
    Ok(customer::get(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        Utc::now(),
        Local::now().date_naive(),
    )
    .await?)
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn create_customer(
    state: State<'_, AppState>,
    input: CustomerInput,
) -> Result<CustomerView> {
    let staff = state.authorize(ANY, "customer.create").await?;
    Ok(customer::create(
        state.store()?,
        &Actor::Staff(staff),
        &input,
        Utc::now(),
        Local::now().date_naive(),
    )
    .await?)
}

/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn update_customer(
    state: State<'_, AppState>,
    id: CustomerId,
    input: CustomerUpdate,
) -> Result<CustomerView> {
    let staff = state.authorize(ANY, "customer.update").await?;
    Ok(customer::update(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        &input,
        Utc::now(),
        Local::now().date_naive(),
    )
    .await?)
}

/// Any signed-in role may ask; the core refuses (and audits) roles that may not see PII.
///
/// Who: finance_manager, admin (sales gets code "forbidden")
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn reveal_pii(
    state: State<'_, AppState>,
    customer_id: CustomerId,
    field: PiiField,
) -> Result<String> {
    let staff = state.authorize(ANY, "customer.reveal_pii").await?;
    Ok(customer::reveal_pii(
        state.store()?,
        &Actor::Staff(staff),
        &customer_id,
        field,
        Utc::now(),
    )
    .await?)
}

/// Reads what a 2D scanner typed from the back of a licence, so the form can be filled from it.
/// Nothing is stored: the payload becomes a customer only when staff save the form.
///
/// Returns: fields + problems; an unreadable payload is a validation error on field "payload"
/// Who: any signed-in role; nothing stored
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn scan_licence(state: State<'_, AppState>, payload: String) -> Result<Licence> {
    state.authorize(ANY, "identity.scan_licence").await?;
    Ok(aamva::parse_str(&payload, Local::now().date_naive())?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_audit(state: State<'_, AppState>, filter: AuditFilter) -> Result<AuditPage> {
    let admin = Actor::Staff(state.authorize(ADMIN, "audit.list").await?);
    Ok(audit_log::list(state.store()?, &admin, &filter).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn verify_audit(state: State<'_, AppState>) -> Result<AuditVerifyReport> {
    let admin = Actor::Staff(state.authorize(ADMIN, "audit.verify").await?);
    Ok(audit_log::verify(state.store()?, &admin).await?)
}

/// Who is who: each staff member's actor name and display name, so screens show "Morgan Reyes"
/// where the record says `staff:morgan.fi`. Any signed-in staff member.
///
/// Who: any role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn staff_directory(state: State<'_, AppState>) -> Result<Vec<StaffName>> {
    state.authorize(ANY, "staff.directory").await?;
    Ok(auth::staff_directory(state.store()?).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_staff(state: State<'_, AppState>) -> Result<Vec<StaffView>> {
    let admin = Actor::Staff(state.authorize(ADMIN, "staff.list").await?);
    Ok(auth::list_staff(state.store()?, &admin).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn add_staff(state: State<'_, AppState>, input: NewStaff) -> Result<StaffView> {
    let admin = Actor::Staff(state.authorize(ADMIN, "staff.create").await?);
    Ok(auth::create_staff(state.store()?, &admin, &input, Utc::now()).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn set_staff_disabled(
    state: State<'_, AppState>,
    id: String,
    disabled: bool,
) -> Result<StaffView> {
    let admin = Actor::Staff(state.authorize(ADMIN, "staff.disable").await?);
    Ok(auth::set_disabled(state.store()?, &admin, &id, disabled, Utc::now()).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn reset_staff_mfa(state: State<'_, AppState>, id: String) -> Result<StaffView> {
    let admin = Actor::Staff(state.authorize(ADMIN, "staff.reset_mfa").await?);
    Ok(auth::reset_mfa(state.store()?, &admin, &id, Utc::now()).await?)
}

/// Who: admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn unlock_staff(state: State<'_, AppState>, id: String) -> Result<StaffView> {
    let admin = Actor::Staff(state.authorize(ADMIN, "staff.unlock").await?);
    Ok(auth::unlock_staff(state.store()?, &admin, &id, Utc::now()).await?)
}

// --- inventory: any signed-in staff member keeps the lot up to date -------------------------

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_vehicles(
    state: State<'_, AppState>,
    filter: VehicleFilter,
) -> Result<VehiclePage> {
    state.authorize(ANY, "vehicle.list").await?;
    Ok(vehicle::list_vehicles(state.store()?, &filter).await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn get_vehicle(state: State<'_, AppState>, id: VehicleId) -> Result<VehicleView> {
    state.authorize(ANY, "vehicle.view").await?;
    Ok(vehicle::get_vehicle(state.store()?, &id).await?)
}

/// Returns: a wrong check digit without `acknowledge_check_digit: true` is a validation error on
/// field "acknowledge_check_digit"; a VIN already in stock is "conflict" on "vin"
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn add_vehicle(state: State<'_, AppState>, input: VehicleInput) -> Result<VehicleView> {
    let staff = state.authorize(ANY, "vehicle.add").await?;
    Ok(vehicle::add_vehicle(state.store()?, &Actor::Staff(staff), &input, Utc::now()).await?)
}

/// Returns: same rules as add_vehicle; `status: null` keeps the stored status
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn update_vehicle(
    state: State<'_, AppState>,
    id: VehicleId,
    input: VehicleInput,
) -> Result<VehicleView> {
    let staff = state.authorize(ANY, "vehicle.update").await?;
    Ok(vehicle::update_vehicle(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Decodes a VIN as it is typed (pure; nothing stored).
///
/// Returns: pure decode for live feedback, nothing stored
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn check_vin(state: State<'_, AppState>, vin: String) -> Result<VinReport> {
    state.authorize(ANY, "vehicle.check_vin").await?;
    Ok(vehicle::decode_vin(&vin))
}

// --- deals ----------------------------------------------------------------------------------

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_deals(state: State<'_, AppState>, filter: DealFilter) -> Result<DealPage> {
    state.authorize(ANY, "deal.list").await?;
    Ok(deal::list_deals(state.store()?, &filter).await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn get_deal(state: State<'_, AppState>, id: DealId) -> Result<DealView> {
    state.authorize(ANY, "deal.view").await?;
    Ok(deal::get_deal(state.store()?, &id).await?)
}

/// Returns: payments and APR recomputed in Rust from the terms
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn save_deal(state: State<'_, AppState>, input: DealInput) -> Result<DealView> {
    let staff = state.authorize(ANY, "deal.save").await?;
    Ok(deal::save_deal(state.store()?, &Actor::Staff(staff), &input, Utc::now()).await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn update_deal(
    state: State<'_, AppState>,
    id: DealId,
    input: DealInput,
) -> Result<DealView> {
    let staff = state.authorize(ANY, "deal.update").await?;
    Ok(deal::update_deal(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Prices one option as the desk types it (nothing stored), as option `index` (0-based) of a
/// deal for `customer_id`, so error fields read `options.N.field` as on save.
///
/// Returns: priced as saving would, under the customer state's usury cap; errors name
/// `options.<index>.<field>`
/// Who: any signed-in role; nothing stored
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn quote_deal_option(
    state: State<'_, AppState>,
    terms: OptionTerms,
    customer_id: Option<CustomerId>,
    index: u32,
) -> Result<OptionQuote> {
    state.authorize(ANY, "deal.quote").await?;
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    Ok(preview::quote_option(state.store()?, &terms, customer_id.as_ref(), index).await?)
}

// --- identity verification -------------------------------------------------------------------

/// Runs and stores an identity check. Any role may run one; resolving what it raises is the
/// finance manager's (enforced in the core).
///
/// Returns: stored, audited
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn run_identity_check(
    state: State<'_, AppState>,
    customer_id: CustomerId,
    input: CheckInput,
) -> Result<VerificationView> {
    let staff = state.authorize(ANY, "identity.check").await?;
    let now = Utc::now();
    Ok(verification::run_check(
        state.store()?,
        &Actor::Staff(staff),
        &customer_id,
        &input,
        now,
        Local::now().date_naive(),
    )
    .await?)
}

/// Returns: audited view
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn latest_identity_check(
    state: State<'_, AppState>,
    customer_id: CustomerId,
) -> Result<Option<VerificationView>> {
    let staff = state.authorize(ANY, "identity.view").await?;
    Ok(verification::latest_verification(
        state.store()?,
        &Actor::Staff(staff),
        &customer_id,
        Utc::now(),
    )
    .await?)
}

/// Who: finance_manager, admin (others: "forbidden", audited)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn resolve_identity_flag(
    state: State<'_, AppState>,
    check_id: IdentityCheckId,
    code: FlagCode,
    note: String,
) -> Result<VerificationView> {
    // Any signed-in role reaches the core, which refuses (and audits) all but finance managers
    // and admins.
    let staff = state.authorize(ANY, "identity.resolve_flag").await?;
    Ok(verification::resolve_flag(
        state.store()?,
        &Actor::Staff(staff),
        &check_id,
        code,
        &note,
        Utc::now(),
    )
    .await?)
}

/// Who: finance_manager, admin (others: "forbidden", audited)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn decide_sanctions_candidate(
    state: State<'_, AppState>,
    check_id: IdentityCheckId,
    ent_num: i64,
    decision: CandidateDecision,
    reason: String,
) -> Result<VerificationView> {
    let staff = state.authorize(ANY, "identity.decide_candidate").await?;
    Ok(verification::decide_candidate(
        state.store()?,
        &Actor::Staff(staff),
        &check_id,
        ent_num,
        decision,
        &reason,
        Utc::now(),
    )
    .await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn confirm_contact(
    state: State<'_, AppState>,
    customer_id: CustomerId,
    channels: Vec<ContactChannel>,
) -> Result<Vec<ContactStatusView>> {
    let staff = state.authorize(ANY, "identity.confirm_contact").await?;
    Ok(verification::confirm_contact(
        state.store()?,
        &Actor::Staff(staff),
        &customer_id,
        &channels,
        Utc::now(),
    )
    .await?)
}

/// Returns: empty: may start a credit application
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_blockers(
    state: State<'_, AppState>,
    customer_id: CustomerId,
) -> Result<Vec<Blocker>> {
    state.authorize(ANY, "identity.blockers").await?;
    Ok(verification::application_blockers(state.store()?, &customer_id).await?)
}

// --- temporary access links -------------------------------------------------------------------

/// Issues a link for a verified customer (the core refuses others), queues it on `send`, and
/// returns it with its QR code. The URL holds the token and is never returned again.
///
/// Returns: the link, its URL shown only this once, the QR code as SVG, the channels queued
/// Who: any signed-in role; the customer's identity must be verified ("conflict" otherwise)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn issue_link(
    state: State<'_, AppState>,
    input: IssueLink,
    send: Vec<Channel>,
) -> Result<DeskLink> {
    let staff = state.authorize(ANY, "link.issue").await?;
    Ok(link_desk::issue_at_desk(
        state.store()?,
        &Actor::Staff(staff),
        &input,
        &send,
        Utc::now(),
    )
    .await?)
}

/// Returns: no tokens
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_links(
    state: State<'_, AppState>,
    customer_id: CustomerId,
) -> Result<Vec<LinkView>> {
    let staff = state.authorize(ANY, "link.list").await?;
    Ok(links::list(
        state.store()?,
        &Actor::Staff(staff),
        Some(&customer_id),
        Utc::now(),
    )
    .await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn revoke_link(state: State<'_, AppState>, id: String) -> Result<LinkView> {
    let staff = state.authorize(ANY, "link.revoke").await?;
    Ok(links::revoke(state.store()?, &Actor::Staff(staff), &id, Utc::now()).await?)
}

// --- credit applications ----------------------------------------------------------------------
// Roles and preconditions of every transition are checked in the core (per action), so these
// commands only require a signed-in session.

/// Returns: newest first; `state` filters one state
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_applications(
    state: State<'_, AppState>,
    filter: ApplicationFilter,
) -> Result<ApplicationPage> {
    state.authorize(ANY, "application.list").await?;
    Ok(application::list_applications(state.store()?, &filter).await?)
}

/// Returns: counts by state, lender, staff and age over every application; how many match; the
/// first window of matching rows, `filter.offset`/`limit`, 200 unless given, at most 1,000
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_pipeline(
    state: State<'_, AppState>,
    filter: PipelineFilter,
) -> Result<Pipeline> {
    state.authorize(ANY, "application.pipeline").await?;
    Ok(analytics::pipeline(state.store()?, &filter, Utc::now()).await?)
}

/// The next window of pipeline rows as the table scrolls (no breakdowns).
///
/// Returns: the matching rows from `filter.offset`, as the table scrolls
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_pipeline_window(
    state: State<'_, AppState>,
    filter: PipelineFilter,
) -> Result<PipelineWindow> {
    state.authorize(ANY, "application.pipeline").await?;
    Ok(analytics::pipeline_window(state.store()?, &filter, Utc::now()).await?)
}

/// Returns: funnel, approval rates, time to decision, stipulation aging, markup
/// Who: finance manager, admin (markup is the dealer's reserve)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_analytics(state: State<'_, AppState>) -> Result<Analytics> {
    let staff = state.authorize(ANY, "application.analytics").await?;
    Ok(analytics::analytics(state.store()?, &Actor::Staff(staff), Utc::now()).await?)
}

/// Returns: history, decisions, stipulations
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn get_application(
    state: State<'_, AppState>,
    id: ApplicationId,
) -> Result<ApplicationView> {
    let staff = Actor::Staff(state.authorize(ANY, "application.view").await?);
    Ok(application::get_application(state.store()?, &staff, &id, Utc::now()).await?)
}

/// Returns: every lender judged on the deal, best first: eligible by lowest buy rate, then fewest
/// failing rules
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_assist(
    state: State<'_, AppState>,
    id: ApplicationId,
) -> Result<Vec<LenderAssessment>> {
    state.authorize(ANY, "application.assist").await?;
    Ok(application::decision_assist(state.store()?, &id).await?)
}

/// Returns: empty: may submit
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn submit_blockers(state: State<'_, AppState>, id: ApplicationId) -> Result<Vec<Unmet>> {
    state.authorize(ANY, "application.blockers").await?;
    Ok(application::submit_blockers(state.store()?, &id, Utc::now()).await?)
}

/// Returns: a draft; errors name the input field
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn create_application(
    state: State<'_, AppState>,
    input: ApplicationInput,
) -> Result<ApplicationView> {
    let staff = state.authorize(ANY, "application.create").await?;
    Ok(
        application::create_application(state.store()?, &Actor::Staff(staff), &input, Utc::now())
            .await?,
    )
}

/// Returns: draft only
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn update_application(
    state: State<'_, AppState>,
    id: ApplicationId,
    input: ApplicationInput,
) -> Result<ApplicationView> {
    let staff = state.authorize(ANY, "application.update").await?;
    Ok(application::update_application(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Returns: text_version is one of CONSENT_TEXTS
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn record_consent(
    state: State<'_, AppState>,
    id: ApplicationId,
    input: ConsentInput,
) -> Result<ApplicationView> {
    let staff = state.authorize(ANY, "application.consent").await?;
    Ok(application::record_consent(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Returns: ready → submitted; unmet preconditions are refused
/// Who: finance_manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn submit_application(
    state: State<'_, AppState>,
    id: ApplicationId,
) -> Result<SubmitReceipt> {
    let staff = state.authorize(ANY, "application.submit").await?;
    Ok(
        application::submit_application(state.store()?, &Actor::Staff(staff), &id, Utc::now())
            .await?,
    )
}

/// Returns: illegal moves and roles refused
/// Who: mark_ready, reopen, withdraw before submission: any role; others finance_manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn transition_application(
    state: State<'_, AppState>,
    id: ApplicationId,
    action: Action,
    note: Option<String>,
) -> Result<ApplicationView> {
    let staff = state.authorize(ANY, "application.transition").await?;
    Ok(application::transition(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        action,
        note.as_deref(),
        Utc::now(),
    )
    .await?)
}

/// Lets the built-in lender simulator answer submitted applications that are due.
///
/// Returns: runs the lender simulator over the outbox; the UI polls every 3 s while an application
/// is submitted
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn poll_lender_decisions(state: State<'_, AppState>) -> Result<Vec<ProcessedMessage>> {
    state.authorize(ANY, "application.poll").await?;
    Ok(application::poll_simulated_lenders(state.store()?, Utc::now()).await?)
}

/// Returns: PDF, JPEG or PNG, at most 10 MiB
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn attach_stipulation_document(
    state: State<'_, AppState>,
    stip_id: String,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<StipulationDocumentView> {
    let staff = state.authorize(ANY, "application.attach_document").await?;
    Ok(application::attach_document(
        state.store()?,
        &Actor::Staff(staff),
        &stip_id,
        &file_name,
        &bytes,
        Utc::now(),
    )
    .await?)
}

/// Who: finance_manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn clear_stipulation(
    state: State<'_, AppState>,
    stip_id: String,
    note: String,
) -> Result<StipulationView> {
    let staff = state
        .authorize(ANY, "application.clear_stipulation")
        .await?;
    Ok(application::clear_stipulation(
        state.store()?,
        &Actor::Staff(staff),
        &stip_id,
        &note,
        Utc::now(),
    )
    .await?)
}

/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_lenders(state: State<'_, AppState>) -> Result<Vec<LenderView>> {
    state.authorize(ANY, "lender.list").await?;
    Ok(application::list_lenders(state.store()?).await?)
}

// ----- adverse-action notices and STAR files ---------------------------------------------------

/// Notices owed (or all of them), the soonest due first: the home screen's 30-day timer.
///
/// Returns: soonest due first; the home screen's 30-day timer
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_adverse_notices(
    state: State<'_, AppState>,
    pending_only: bool,
) -> Result<Vec<NoticeDue>> {
    state.authorize(ANY, "adverse_notice.list").await?;
    Ok(adverse::list_notices(state.store()?, pending_only, Utc::now()).await?)
}

/// Returns: the application's adverse-action notices
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn application_notices(
    state: State<'_, AppState>,
    application_id: ApplicationId,
) -> Result<Vec<NoticeView>> {
    state.authorize(ANY, "adverse_notice.view").await?;
    Ok(adverse::notices_for_application(state.store()?, &application_id, Utc::now()).await?)
}

/// Writes the notice's PDF to the exports folder (audited as a print) and opens it with the
/// desktop's viewer when `open`.
///
/// Returns: the notice PDF in `exports/` beside the database, opened with the desktop viewer when
/// `open`; audited as a print
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn save_adverse_notice(
    state: State<'_, AppState>,
    id: NoticeId,
    open: bool,
) -> Result<SavedFile> {
    let staff = state.authorize(ANY, "adverse_notice.print").await?;
    let store = state.store()?;
    let now = Utc::now();
    let notice = adverse::get_notice(store, &id, now).await?;
    let pdf = adverse::notice_pdf(store, &Actor::Staff(staff), &notice.id, now).await?;
    let name = format!("adverse-action-notice-{}.pdf", notice.id);
    save_export(store, &name, &pdf, open)
}

/// Returns: e-mail queues it in the outbox; twice is a conflict
/// Who: finance manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn deliver_adverse_notice(
    state: State<'_, AppState>,
    id: NoticeId,
    method: DeliveryMethod,
) -> Result<NoticeView> {
    let staff = state.authorize(ANY, "adverse_notice.deliver").await?;
    Ok(adverse::mark_delivered(
        state.store()?,
        &Actor::Staff(staff),
        &id,
        method,
        Utc::now(),
    )
    .await?)
}

/// The application as a STAR 5 `ProcessCreditApplication` file in the exports folder (it holds
/// SSN and date of birth: the core allows finance managers and admins, and audits it).
///
/// Returns: STAR 5 ProcessCreditApplication XML in `exports/`; holds SSN and DOB; audited
/// Who: finance manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn export_application_star(
    state: State<'_, AppState>,
    id: ApplicationId,
) -> Result<SavedFile> {
    let staff = state.authorize(ANY, "application.export_star").await?;
    let store = state.store()?;
    let xml = star::export_application_xml(store, &Actor::Staff(staff), &id, Utc::now()).await?;
    let name = format!("credit-application-{id}.xml");
    save_export(store, &name, xml.as_bytes(), false)
}

/// Records a lender's STAR decision file (its text, read by the window from a file the user
/// chose).
///
/// Returns: a lender's Process/AcknowledgeCreditDecision for a submitted application
/// Who: finance manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn import_star_decision(
    state: State<'_, AppState>,
    xml: String,
) -> Result<ImportedDecision> {
    let staff = state.authorize(ANY, "application.import_decision").await?;
    Ok(star::import_decision_xml(state.store()?, &Actor::Staff(staff), &xml, Utc::now()).await?)
}

fn save_export(
    store: &dealerdesk_store::Store,
    name: &str,
    bytes: &[u8],
    open: bool,
) -> Result<SavedFile> {
    exports::save(store.path(), name, bytes, open).map_err(|e| {
        tracing::error!(error = %e, "export");
        CommandError::new(
            dealerdesk_services::ipc::ErrorCode::Storage,
            "The file could not be saved in the exports folder; check the disk has room.",
        )
    })
}

// ----- contracts ---------------------------------------------------------------------------------

/// Returns: newest version first
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_contracts(
    state: State<'_, AppState>,
    deal_id: DealId,
) -> Result<Vec<ContractRecord>> {
    state.authorize(ANY, "contract.list").await?;
    Ok(contract::list_for_deal(state.store()?, &deal_id).await?)
}

/// Prints the deal's contract from its stored quote: the one original (finance manager, admin)
/// or a copy. `option` is the option's position (1-3); none takes the selected option.
///
/// Returns: printed from the saved quote; `original` voids an unsigned earlier original
/// Who: original: finance manager, admin; copy: any
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn render_contract(
    state: State<'_, AppState>,
    deal_id: DealId,
    option: Option<u32>,
    mode: RenderMode,
) -> Result<ContractRecord> {
    let staff = state.authorize(ANY, "contract.render").await?;
    let doc = contract::render_for_deal(
        state.store()?,
        &Actor::Staff(staff),
        &deal_id,
        option,
        mode,
        Utc::now(),
    )
    .await?;
    Ok(doc.record)
}

/// A COPY of the document (signatures and certificate included once sealed), written to the
/// exports folder and opened with the desktop's viewer to print when `open`.
///
/// Returns: a COPY, with signatures and certificate once sealed, in `exports/`
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn print_contract_copy(
    state: State<'_, AppState>,
    document_id: DocumentId,
    open: bool,
) -> Result<SavedFile> {
    let staff = state.authorize(ANY, "contract.copy").await?;
    let store = state.store()?;
    let copy = signing::copy_of(store, &Actor::Staff(staff), &document_id, Utc::now()).await?;
    let name = format!(
        "contract-{}-copy-{}.pdf",
        copy.record.deal_id, copy.record.id
    );
    save_export(store, &name, &copy.pdf, open)
}

/// The document as it stands (signatures so far), for the signer to read before signing.
///
/// Returns: the document with the signatures so far
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn open_contract_for_review(
    state: State<'_, AppState>,
    document_id: DocumentId,
    open: bool,
) -> Result<SavedFile> {
    state.authorize(ANY, "contract.review").await?;
    let store = state.store()?;
    let pdf = signing::working_pdf(store, &document_id).await?;
    let name = format!("contract-{document_id}-review.pdf");
    save_export(store, &name, &pdf, open)
}

/// Returns: fields, next field, consents, events
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn contract_signing_status(
    state: State<'_, AppState>,
    document_id: DocumentId,
) -> Result<SigningStatus> {
    state.authorize(ANY, "contract.status").await?;
    Ok(signing::signing_status(state.store()?, &document_id).await?)
}

/// Returns: ESIGN disclosure, intent statement
/// Who: anyone
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn contract_ceremony_texts(state: State<'_, AppState>) -> Result<CeremonyTexts> {
    state.authorize(ANY, "contract.texts").await?;
    Ok(signing::ceremony_texts())
}

/// Who: any signed-in role (dealer consent: finance manager)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn contract_consent(
    state: State<'_, AppState>,
    document_id: DocumentId,
    input: signing::ConsentInput,
) -> Result<SigningStatus> {
    let staff = state.authorize(ANY, "contract.consent").await?;
    Ok(signing::esign_consent(
        state.store()?,
        &Actor::Staff(staff),
        &document_id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Returns: fields in order, intent required; dealer fields: finance manager, admin
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn contract_sign(
    state: State<'_, AppState>,
    document_id: DocumentId,
    input: signing::SignInput,
) -> Result<SigningStatus> {
    let staff = state.authorize(ANY, "contract.sign").await?;
    Ok(signing::sign_field(
        state.store()?,
        &Actor::Staff(staff),
        &document_id,
        &input,
        Utc::now(),
    )
    .await?)
}

/// Seals the signed contract: certificate of completion, the signed version stored and its hash
/// in the audit chain (finance manager, admin).
///
/// Returns: signed, immutable, certificate page, hash in the audit chain
/// Who: finance manager, admin
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn seal_contract(
    state: State<'_, AppState>,
    document_id: DocumentId,
) -> Result<ContractRecord> {
    let staff = state.authorize(ANY, "contract.seal").await?;
    let doc = signing::seal(
        state.store()?,
        &Actor::Staff(staff),
        &document_id,
        Utc::now(),
    )
    .await?;
    Ok(doc.record)
}

/// Whether a PDF file is exactly a document on record (and a signed one).
///
/// Returns: on record / signed
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn verify_contract_file(state: State<'_, AppState>, bytes: Vec<u8>) -> Result<FileCheck> {
    state.authorize(ANY, "contract.verify").await?;
    Ok(contract::check_file(state.store()?, &bytes).await?)
}

/// Prints a credit application as a document to sign through the ceremony (the original:
/// finance manager, admin) or a COPY (any staff). Refused without a recorded credit-report
/// consent.
///
/// Returns: kind `credit_application`: the application, its history, income, debts, references,
/// deal structure and recorded consent, SSN last 4 and DOB year only; sign it with the contract
/// ceremony
/// Who: original: finance manager, admin; copy: any; refused without a recorded credit-report
/// consent
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn render_application_document(
    state: State<'_, AppState>,
    application_id: ApplicationId,
    mode: RenderMode,
) -> Result<ContractRecord> {
    let staff = state.authorize(ANY, "contract.render").await?;
    let doc = application_doc::render_for_application(
        state.store()?,
        &Actor::Staff(staff),
        &application_id,
        mode,
        Utc::now(),
    )
    .await?;
    Ok(doc.record)
}

/// The documents printed from a credit application, newest version first.
///
/// Returns: newest version first
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn list_application_documents(
    state: State<'_, AppState>,
    application_id: ApplicationId,
) -> Result<Vec<ContractRecord>> {
    state.authorize(ANY, "contract.list").await?;
    Ok(application_doc::list_for_application(state.store()?, &application_id).await?)
}

/// A COPY of the credit application printed afresh (recorded), saved to the exports folder and
/// opened to print when `open`.
///
/// Returns: a COPY printed afresh, recorded, in `exports/`
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn print_application_copy(
    state: State<'_, AppState>,
    application_id: ApplicationId,
    open: bool,
) -> Result<SavedFile> {
    let staff = state.authorize(ANY, "contract.copy").await?;
    let store = state.store()?;
    let copy = application_doc::render_for_application(
        store,
        &Actor::Staff(staff),
        &application_id,
        RenderMode::Copy,
        Utc::now(),
    )
    .await?;
    let name = format!(
        "credit-application-{}-copy-{}.pdf",
        copy.record.deal_id, copy.record.id
    );
    save_export(store, &name, &copy.pdf, open)
}

/// The deal jacket (cover, contract, credit application, notices; stamped COPY, recorded),
/// saved to the exports folder and opened to print when `open`.
///
/// Returns: { jacket: JacketReport, file: SavedFile }: cover and contents, the contract (signed
/// with certificate when sealed), the credit application, adverse-action notices; stamped COPY,
/// recorded as a `deal_jacket` copy
/// Who: any signed-in role; refused before the deal has a contract
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn print_deal_jacket(
    state: State<'_, AppState>,
    deal_id: DealId,
    open: bool,
) -> Result<PrintedJacket> {
    let staff = state.authorize(ANY, "contract.jacket").await?;
    let store = state.store()?;
    let j = jacket::jacket_for_deal(store, &Actor::Staff(staff), &deal_id, Utc::now()).await?;
    let report: JacketReport = j.report();
    let name = format!(
        "deal-jacket-{}-{}.pdf",
        report.record.deal_id, report.record.id
    );
    let file = save_export(store, &name, &j.pdf, open)?;
    Ok(PrintedJacket {
        jacket: report,
        file,
    })
}

/// "Save as…": asks where with the native save dialog (from Rust; the web view has no dialog
/// permission), then writes a recorded COPY of the contract or credit application, or the
/// jacket itself, there. `null` when the user cancels (nothing recorded then).
///
/// Returns: asks where with the native save dialog from Rust; writes a recorded COPY, or a jacket
/// as recorded; null when cancelled
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn save_document_as<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    document_id: DocumentId,
) -> Result<Option<SavedFile>> {
    let staff = state.authorize(ANY, "contract.save_as").await?;
    let store = state.store()?;
    let name = contract::export::suggested_file_name(store, &document_id).await?;
    let unavailable = || {
        CommandError::new(
            dealerdesk_services::ipc::ErrorCode::Internal,
            "The save dialog is not available on this desktop.",
        )
    };
    let dialog = app
        .try_state::<tauri_plugin_dialog::Dialog<R>>()
        .ok_or_else(unavailable)?
        .file()
        .set_title("Save a copy as")
        .set_file_name(name)
        .add_filter("PDF document", &["pdf"]);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|_| unavailable())?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(|_| {
        CommandError::new(
            dealerdesk_services::ipc::ErrorCode::Validation,
            "Choose a folder on this computer to save to.",
        )
    })?;
    Ok(Some(
        contract::export::save_document_as(
            store,
            &Actor::Staff(staff),
            &document_id,
            &path,
            Utc::now(),
        )
        .await?,
    ))
}

/// A `remote_signing` link for the customer's contract (the buyer signs on their phone; the
/// finance manager countersigns and seals at the desk).
///
/// Returns: a `remote_signing` link bound to the contract; its URL shown once, QR code
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn issue_remote_signing_link(
    state: State<'_, AppState>,
    customer_id: CustomerId,
    document_id: DocumentId,
    ttl_minutes: Option<u32>,
    send: Vec<Channel>,
) -> Result<DeskLink> {
    let staff = state.authorize(ANY, "link.issue").await?;
    Ok(link_desk::issue_remote_signing_at_desk(
        state.store()?,
        &Actor::Staff(staff),
        &customer_id,
        &document_id,
        ttl_minutes,
        &send,
        Utc::now(),
    )
    .await?)
}

/// The one-page handout of a link the desk is still showing (its URL exists only there), saved
/// to the exports folder and opened with the desktop's viewer to print.
///
/// Returns: the link's one-page handout with QR code and expiry, opened to print; only for a usable
/// link; audited
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn print_link_handout(state: State<'_, AppState>, url: String) -> Result<SavedFile> {
    let staff = state.authorize(ANY, "link.handout").await?;
    let store = state.store()?;
    let pdf = links::handout_for_url(store, &Actor::Staff(staff), &url, Utc::now()).await?;
    let name = format!(
        "access-link-handout-{}.pdf",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    save_export(store, &name, &pdf, true)
}

/// Where this desk's sync with the hub stands (changes waiting, offline since, open conflicts),
/// with its enrolment when it has one, and whether a run is going on.
///
/// Returns: `enrolment` null on a desk that is not enrolled (it works on its own)
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncOverview> {
    state.authorize(ANY, "sync.status").await?;
    let store = state.store()?;
    let status = sync_run::status(store).await?;
    let enrolment = sync_enrol::load(store)
        .await?
        .as_ref()
        .map(EnrolmentView::from);
    if enrolment.is_some() {
        // Enrolled (by the CLI) while the app was open: start the background sync now. It
        // starts once; a desk that is not enrolled starts nothing.
        state.sync().start(store.clone());
    }
    Ok(SyncOverview {
        status,
        enrolment,
        running: state.sync().running(),
    })
}

/// Syncs with the hub now (push what is waiting, pull what is new); waits for a run already
/// going on first.
///
/// Returns: what the run did; `conflict` on a desk that is not enrolled
/// Who: any signed-in role
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncReport> {
    state.authorize(ANY, "sync.now").await?;
    let store = state.store()?;
    Ok(state.sync().run_once(store).await?)
}

/// The sync conflicts waiting for review, newest first, with the fields that differ (masked).
///
/// Returns: newest first; values masked, never decrypted
/// Who: finance manager, admin (checked in the service)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn sync_conflicts(state: State<'_, AppState>) -> Result<Vec<ConflictView>> {
    let staff = state.authorize(ANY, "sync.conflicts").await?;
    Ok(sync_run::conflicts_for(state.store()?, &Actor::Staff(staff), 500).await?)
}

/// Marks a sync conflict reviewed, with an optional note (audited); the hub's version stays.
///
/// Returns: audited; `note` at most 500 characters
/// Who: finance manager, admin (checked in the service)
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(skip_all, err)]
pub async fn resolve_sync_conflict(
    state: State<'_, AppState>,
    id: String,
    note: String,
) -> Result<()> {
    let staff = state.authorize(ANY, "sync.review").await?;
    Ok(sync_run::resolve(state.store()?, &Actor::Staff(staff), &id, &note, Utc::now()).await?)
}
