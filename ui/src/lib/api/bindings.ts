// GENERATED from the Rust types by `UPDATE_BINDINGS=1 cargo test --test it bindings`.
// Do not edit by hand: `cargo test` fails when this file is stale.

export type ErrorCode = "validation" | "not_signed_in" | "session_locked" | "session_expired" | "forbidden" | "invalid_credentials" | "account_locked" | "account_disabled" | "mfa_required" | "invalid_mfa_code" | "not_found" | "conflict" | "storage" | "internal";

export type CommandError = { code: ErrorCode, message: string, field: string | null, };

export type CustomerId = string;

export type VehicleId = string;

export type DealId = string;

export type ApplicationId = string;

export type IdentityCheckId = string;

export type DocumentId = string;

export type NoticeId = string;

export type Role = "sales" | "finance_manager" | "admin";

export type StaffView = { id: string, username: string, display_name: string, role: Role, mfa_enrolled: boolean, disabled: boolean, locked_until: string | null, created_at: string, };

export type StaffName = { 
/**
 * As the audit log and history record it: `staff:<username>`.
 */
actor: string, name: string, };

export type Permission = "resolve_identity" | "reveal_pii" | "print_original" | "countersign" | "exchange_star" | "deliver_notices" | "clear_stipulations" | "import_rates" | "view_analytics" | "manage_staff" | "read_audit_log";

export type SessionView = { staff: StaffView, locked: boolean, expires_at: string, mfa_bypassed: boolean, 
/**
 * What this staff member's role may do, so screens offer only that (the services check
 * each one again when it is done).
 */
permissions: Array<Permission>, };

export type AppStatus = { 
/**
 * A demo database: the UI shows the DEMO banner on every screen.
 */
demo: boolean, 
/**
 * No staff account exists yet: the UI offers to create the first admin.
 */
needs_first_admin: boolean, idle_lock_minutes: number, dealership_name: string, session: SessionView | null, };

export type MfaEnrolment = { secret_base32: string, otpauth_url: string, qr_svg: string, };

export type SignInOutcome = { "kind": "signed_in", session: SessionView, } | { "kind": "mfa_required" } | { "kind": "mfa_enrolment_required", enrolment: MfaEnrolment, };

export type NewStaff = { username: string, display_name: string, role: Role, password: string, };

export type MonthCount = { 
/**
 * `YYYY-MM`
 */
month: string, count: number, };

export type HomeFigures = { customers_total: number, customers_added_30d: number, vehicles_in_stock: number, 
/**
 * Sum of asking prices of vehicles in stock, "1234567.00".
 */
inventory_value: string, staff_active: number, audit_entries_today: number, 
/**
 * New customers in each of the last 12 months, oldest first (months with none included).
 */
customers_by_month: Array<MonthCount>, };

export type CustomerSummary = { id: CustomerId, full_name: string, phone: string, email: string | null, ssn_masked: string, city: string | null, state: string | null, created_at: string, };

export type CustomerPage = { items: Array<CustomerSummary>, total: number, };

export type AddressInput = { line1: string, line2: string | null, city: string, state: string, zip: string, 
/**
 * Move-in date, YYYY-MM-DD or MM/DD/YYYY.
 */
since: string, };

export type AddressView = { line1: string, line2: string | null, city: string, state: string, zip: string, since: string, months_at_address: number, current: boolean, };

export type CustomerInput = { given_name: string, middle_name: string | null, family_name: string, suffix: string | null, dob: string, ssn: string, licence_number: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, address: AddressInput, previous_address: AddressInput | null, };

export type CustomerUpdate = { given_name: string, middle_name: string | null, family_name: string, suffix: string | null, dob: string | null, ssn: string | null, licence_number: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, address: AddressInput, previous_address: AddressInput | null, };

export type CustomerView = { id: CustomerId, given_name: string, middle_name: string | null, family_name: string, suffix: string | null, full_name: string, dob_masked: string, age: number, ssn_masked: string, licence_masked: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, addresses: Array<AddressView>, created_at: string, updated_at: string, };

export type PiiField = "ssn" | "dob" | "licence_number";

export type AuditOutcome = "success" | "denied" | "failure";

export type AuditFilter = { actor: string | null, action: string | null, outcome: AuditOutcome | null, 
/**
 * Inclusive lower bound, RFC 3339 or YYYY-MM-DD.
 */
since: string | null, 
/**
 * Exclusive upper bound, RFC 3339 or YYYY-MM-DD.
 */
until: string | null, limit: number, offset: number, };

export type AuditEntryView = { seq: number, at: string, actor: string, action: string, subject: string | null, outcome: AuditOutcome, detail: string | null, hash: string, };

export type AuditPage = { items: Array<AuditEntryView>, total: number, };

export type AuditVerifyReport = { ok: boolean, entries: number, first_broken_seq: number | null, reason: string | null, };

export type Sex = "male" | "female" | "not_specified";

export type ProblemCode = "expired" | "bad_date" | "future_date" | "missing_element" | "offset_mismatch" | "bad_designator" | "truncated" | "no_subfile" | "unknown_version";

export type LicenceProblem = { code: ProblemCode, element: string | null, message: string, };

export type Licence = { aamva_version: number, jurisdiction_version: number | null, 
/**
 * Issuer Identification Number (6 digits).
 */
iin: string, 
/**
 * The issuing jurisdiction (USPS or Canadian code), from the IIN, else the address state.
 */
jurisdiction: string | null, 
/**
 * `DL` (driver's licence) or `ID` (identification card).
 */
document_type: string | null, first_name: string | null, middle_name: string | null, last_name: string | null, suffix: string | null, date_of_birth: string | null, expiry_date: string | null, issue_date: string | null, licence_number: string | null, sex: Sex | null, street: string | null, street2: string | null, city: string | null, state: string | null, postal_code: string | null, 
/**
 * `USA` or `CAN` (DCG), when the card says.
 */
country: string | null, problems: Array<LicenceProblem>, };

export type VehicleCondition = "new" | "used";

export type VehicleStatus = "in_stock" | "sold";

export type VehicleInput = { vin: string, model_year: number | null, make: string, model: string, trim: string | null, mileage: number, price: string, condition: VehicleCondition, status: VehicleStatus | null, 
/**
 * Staff confirm a VIN whose check digit is wrong (imported or older vehicles).
 */
acknowledge_check_digit: boolean, };

export type VehicleView = { id: VehicleId, vin: string, model_year: number, make: string, model: string, trim: string | null, mileage: number, 
/**
 * Asking price, "28500.00".
 */
price: string, condition: VehicleCondition, status: VehicleStatus, check_digit_ok: boolean, 
/**
 * The manufacturer decoded from the VIN, when the desk knows its WMI.
 */
manufacturer: string | null, created_at: string, updated_at: string, };

export type VehicleFilter = { query: string | null, status: VehicleStatus | null, condition: VehicleCondition | null, 
/**
 * Page size, 1–200 (default 50).
 */
limit: number | null, offset: number | null, };

export type VehiclePage = { items: Array<VehicleView>, total: number, };

export type VinReport = { 
/**
 * The VIN as checked: trimmed and upper-cased.
 */
vin: string, 
/**
 * No errors (warnings allowed).
 */
valid: boolean, check_digit_ok: boolean, model_year: number | null, 
/**
 * World manufacturer identifier, positions 1–3.
 */
wmi: string | null, manufacturer: string | null, 
/**
 * Assembly plant code, position 11 (its meaning is the manufacturer's own).
 */
plant_code: string | null, 
/**
 * Production sequence, positions 12–17.
 */
serial: string | null, errors: Array<string>, warnings: Array<string>, };

export type DealStatus = "open" | "sold" | "lost";

export type OptionKind = "loan" | "lease";

export type LoanTerms = { price: string, addons: string, taxes_fees: string, dealer_fees: string, down: string, trade: string, payoff: string, rebate: string, rate: string, term: number, contract_date: string, 
/**
 * Defaults to one month after the contract date.
 */
first_payment: string | null, };

export type LeaseTerms = { agreed_value: string, capitalized_items: string, 
/**
 * The total reduction; `trade` and `rebate` are parts of it.
 */
cap_reduction: string, trade: string, rebate: string, residual: string, term: number, lease_rate: string | null, money_factor: string | null, monthly_tax_rate: string, security_deposit: string, title_fee: string, registration_fee: string, acquisition_fee: string, disposition_fee: string, purchase_option_price: string | null, excess_mileage_rate: string | null, mileage_allowance_per_year: number | null, };

export type OptionTerms = { "kind": "loan", "input": LoanTerms } | { "kind": "lease", "input": LeaseTerms };

export type DealOptionInput = { 
/**
 * A short name for the menu ("72 mo with GAP").
 */
label: string | null, selected: boolean, terms: OptionTerms, };

export type DealInput = { customer_id: CustomerId, vehicle_id: VehicleId, salesperson: string | null, status: DealStatus | null, notes: string | null, options: Array<DealOptionInput>, };

export type DealOptionView = { id: string, 
/**
 * 1 to 3, in the order the desk gave them.
 */
position: number, label: string | null, kind: OptionKind, selected: boolean, 
/**
 * The terms as stored (normalized).
 */
terms: OptionTerms, term_months: number, 
/**
 * Loans: the regular payment; leases: the total monthly payment.
 */
monthly_payment: string, amount_financed: string | null, finance_charge: string | null, 
/**
 * Disclosed APR, percent with two decimals (loans only).
 */
apr: string | null, due_at_signing: string | null, total_of_payments: string, 
/**
 * The stored document: `{kind, input, limits, quote, disclosure}`.
 */
quote: unknown, quote_sha256: string, 
/**
 * The stored document still hashes to `quote_sha256`.
 */
quote_intact: boolean, };

export type DealView = { id: DealId, customer_id: CustomerId, customer_name: string, vehicle_id: VehicleId, 
/**
 * "2024 Toyota Camry SE".
 */
vehicle_label: string, vin: string, salesperson: string | null, status: DealStatus, 
/**
 * The customer's state whose usury cap applied, and the cap (percent).
 */
usury_state: string | null, max_rate: string, notes: string | null, options: Array<DealOptionView>, created_at: string, updated_at: string, created_by: string, };

export type DealSummary = { id: DealId, customer_id: CustomerId, customer_name: string, vehicle_id: VehicleId, vehicle_label: string, status: DealStatus, 
/**
 * The selected option's kind.
 */
kind: OptionKind, option_count: number, term_months: number, monthly_payment: string, amount_financed: string | null, due_at_signing: string | null, apr: string | null, salesperson: string | null, created_at: string, updated_at: string, };

export type DealFilter = { query: string | null, status: DealStatus | null, kind: OptionKind | null, customer_id: CustomerId | null, vehicle_id: VehicleId | null, 
/**
 * Page size, 1–200 (default 50).
 */
limit: number | null, offset: number | null, };

export type DealPage = { items: Array<DealSummary>, total: number, };

export type OptionQuote = { kind: OptionKind, term_months: number, 
/**
 * Loans: the regular payment; leases: the total monthly payment.
 */
monthly_payment: string, amount_financed: string | null, finance_charge: string | null, 
/**
 * Disclosed APR, percent with two decimals (loans only).
 */
apr: string | null, due_at_signing: string | null, total_of_payments: string, 
/**
 * The state whose usury cap applied (the customer's), and the cap in percent.
 */
usury_state: string | null, max_rate: string, 
/**
 * The document a save would store: `{kind, input, limits, quote, disclosure}`.
 */
quote: unknown, };

export type FlagCode = "licence_expired" | "licence_issued_recently" | "licence_dob_mismatch" | "licence_name_mismatch" | "address_mismatch" | "ssn_invalid" | "ssn_issued_before_birth" | "ssn_on_other_customer" | "phone_shared" | "email_shared" | "sanctions_candidate" | "document_problems" | "sanctions_not_screened" | "document_number_mismatch";

export type DocumentType = "drivers_licence" | "state_id" | "passport" | "other";

export type CheckMethod = "barcode_scan" | "manual_entry";

export type CheckInput = { "method": "barcode_scan", 
/**
 * The AAMVA PDF417 text as the scanner typed it.
 */
payload: string, } | { "method": "manual_entry", document_type: DocumentType, 
/**
 * The issuing state (two letters) or country.
 */
issuer: string, number: string, expiry: string, 
/**
 * The date of birth printed on the document, compared with the one on file.
 */
dob: string | null, 
/**
 * The issue date printed on the document.
 */
issued: string | null, };

export type RuleStatus = "pass" | "flag" | "fail" | "not_checked";

export type Decision = "resolved" | "cleared" | "confirmed";

export type ResolutionView = { decision: Decision, note: string, decided_by: string, decided_at: string, };

export type RuleResultView = { rule: string, status: RuleStatus, code: FlagCode | null, reason: string, 
/**
 * Whether a finance manager can resolve this flag with a note (flags only; sanctions
 * candidates are cleared or confirmed one by one instead).
 */
resolvable: boolean, resolution: ResolutionView | null, };

export type CandidateView = { ent_num: number, name: string, 
/**
 * 0 to 1, three decimals.
 */
score: number, program: string | null, sdn_type: string | null, matched_alias: string | null, dob_matches: boolean | null, country_matches: boolean | null, decision: ResolutionView | null, };

export type SanctionsScreenView = { 
/**
 * `None`: no list was loaded, the name was not screened.
 */
list_version: number | null, list_id: string | null, threshold: number | null, top_score: number | null, candidates: Array<CandidateView>, };

export type DocumentView = { document_type: DocumentType, issuer: string | null, 
/**
 * Only ever masked (`••••4567`); the full number is kept encrypted.
 */
number_masked: string | null, expiry: string | null, };

export type CheckOutcome = "verified" | "needs_review" | "failed";

export type VerificationStatus = "not_checked" | "verified" | "needs_review" | "failed";

export type ContactChannel = "phone" | "email" | "address";

export type ContactState = "confirmed" | "unconfirmed" | "changed_since_confirmation" | "not_on_file";

export type ContactStatusView = { channel: ContactChannel, state: ContactState, confirmed_by: string | null, confirmed_at: string | null, };

export type VerificationView = { id: IdentityCheckId, customer_id: CustomerId, checked_at: string, checked_by: string, method: CheckMethod, document: DocumentView, 
/**
 * `ssn`, `itin` or `invalid`: the number on file at check time.
 */
tax_id_kind: string, rules: Array<RuleResultView>, sanctions: SanctionsScreenView, 
/**
 * The outcome when the check ran.
 */
outcome: CheckOutcome, 
/**
 * The outcome with resolutions and candidate decisions applied.
 */
effective_outcome: CheckOutcome, 
/**
 * The customer's name, date of birth, SSN or address changed after the check.
 */
stale: boolean, 
/**
 * Where the customer stands now (see [`verification_status`]).
 */
status: VerificationStatus, contacts: Array<ContactStatusView>, };

export type Blocker = { "kind": "not_checked" } | { "kind": "stale" } | { "kind": "failed", reasons: Array<string>, } | { "kind": "open_flags", codes: Array<FlagCode>, } | { "kind": "undecided_candidates", ent_nums: Array<number>, } | { "kind": "not_screened" } | { "kind": "contact_not_confirmed", channel: ContactChannel, state: ContactState, };

export type CandidateDecision = "clear" | "confirm";

export type LinkPurpose = "portal_onboarding" | "confirm_contact" | "upload_documents" | "remote_signing";

export type LinkState = "issued" | "opened" | "redeemed" | "expired" | "revoked";

export type IssueLink = { customer_id: CustomerId, purpose: LinkPurpose, 
/**
 * Minutes until expiry; `null` takes the purpose's default (admin setting, else 72 h).
 */
ttl_minutes: number | null, 
/**
 * For `upload_documents`: the credit application whose stipulations the uploads clear.
 */
application_id: ApplicationId | null, };

export type IssuedLink = { id: string, url: string, expires_at: string, purpose: LinkPurpose, customer_id: CustomerId, };

export type LinkView = { id: string, customer_id: CustomerId, purpose: LinkPurpose, state: LinkState, issued_by: string, created_at: string, expires_at: string, opened_at: string | null, redeemed_at: string | null, revoked_at: string | null, 
/**
 * `staff` or `knowledge_check` (burned after three failed checks).
 */
revoke_reason: string | null, failed_checks: number, };

export type Channel = "email" | "sms";

export type DeskLink = { link: IssuedLink, qr_svg: string, queued: Array<Channel>, };

export type ApplicationState = "draft" | "ready" | "submitted" | "approved" | "conditional" | "countered" | "declined" | "contracted" | "funded" | "withdrawn" | "expired";

export type Action = "mark_ready" | "reopen" | "submit" | "approve" | "condition" | "counter" | "decline" | "accept_counter" | "rework" | "contract" | "fund" | "withdraw" | "expire";

export type Unmet = { "kind": "no_consent" } | { "kind": "consent_missing_co_applicant" } | { "kind": "identity", party: Party, customer_id: string, blockers: Array<Blocker>, } | { "kind": "no_lender" } | { "kind": "no_rate_sheet" } | { "kind": "no_credit_score" } | { "kind": "incomplete", field: string, message: string, } | { "kind": "open_stipulations", count: number, };

export type Party = "applicant" | "co_applicant";

export type Intent = "individual" | "joint";

export type HousingStatus = "own" | "mortgage" | "rent" | "family" | "other";

export type ResidenceEntry = { address: string, since: string, };

export type EmploymentEntry = { employer: string, title: string | null, since: string, };

export type OtherIncome = { source: string, 
/**
 * Monthly, dollars.
 */
amount: string, };

export type Reference = { name: string, phone: string, relation: string, };

export type ApplicationInput = { deal_id: DealId, intent: Intent, co_applicant_id: CustomerId | null, 
/**
 * Newest first or in any order; together they must reach back 24 months.
 */
residences: Array<ResidenceEntry>, employment: Array<EmploymentEntry>, gross_monthly_income: string, other_income: Array<OtherIncome>, 
/**
 * The co-applicant's gross monthly income (joint applications).
 */
co_applicant_income: string | null, housing_status: HousingStatus, housing_payment: string, other_monthly_debts: string, references: Array<Reference>, 
/**
 * The score from the report (entered by the desk or drawn by the simulator).
 */
credit_score: number | null, lender_id: string | null, };

export type ApplicationDetails = { residences: Array<ResidenceEntry>, employment: Array<EmploymentEntry>, other_income: Array<OtherIncome>, references: Array<Reference>, };

export type ConsentInput = { 
/**
 * One of [`CONSENT_TEXTS`]' versions: the wording the customer saw.
 */
text_version: string, 
/**
 * The applicant agreed (must be true).
 */
applicant: boolean, 
/**
 * The co-applicant agreed (required when there is one).
 */
co_applicant: boolean, };

export type ConsentView = { 
/**
 * The staff member (or CLI user) who captured it.
 */
captured_by: string, at: string, text_version: string, text_sha256: string, 
/**
 * `applicant` or `applicant,co_applicant`.
 */
parties: string, };

export type HistoryEntry = { from_state: ApplicationState | null, to_state: ApplicationState, action: string, 
/**
 * What happened, in words ("submitted", "approved with conditions").
 */
action_label: string, 
/**
 * As recorded (`staff:<username>`, ...).
 */
actor: string, 
/**
 * Who that is, in words: the staff member's name.
 */
actor_name: string, at: string, note: string | null, };

export type LenderDecision = { 
/**
 * `approved`, `conditional`, `countered` or `declined`.
 */
outcome: ApplicationState, tier: string | null, 
/**
 * Percent.
 */
buy_rate: string | null, 
/**
 * Highest contract rate allowed (buy rate + markup), percent.
 */
max_contract_rate: string | null, 
/**
 * The amount and term approved (a counter's are the lender's terms).
 */
approved_amount: string | null, approved_term: number | null, 
/**
 * Stipulation codes (conditions).
 */
stipulations: Array<string>, 
/**
 * Principal reasons (declines and counters), in words.
 */
reasons: Array<string>, };

export type DecisionView = { id: string, lender_id: string, lender_name: string, rate_sheet_version: number, outcome: ApplicationState, source: string, decided_at: string, decision: LenderDecision, };

export type StipCode = "proof_of_income" | "proof_of_residence" | "proof_of_insurance" | "references" | "licence_copy" | "bank_statement";

export type StipulationStatus = "open" | "received" | "cleared";

export type StipulationDocumentView = { id: string, file_name: string, media_type: string, size_bytes: number, sha256: string, uploaded_by: string, uploaded_at: string, };

export type StipulationView = { id: string, code: string, description: string, status: StipulationStatus, needs_document: boolean, documents: Array<StipulationDocumentView>, cleared_by: string | null, cleared_at: string | null, note: string | null, created_at: string, 
/**
 * Whole days open (until cleared).
 */
age_days: number, };

export type ApplicationView = { id: ApplicationId, state: ApplicationState, 
/**
 * `decisioned` for the four decision states.
 */
phase: string, deal_id: DealId, customer_id: CustomerId, customer_name: string, intent: Intent, co_applicant_id: CustomerId | null, co_applicant_name: string | null, details: ApplicationDetails, gross_monthly_income: string, other_monthly_income: string, co_applicant_income: string, housing_status: HousingStatus, housing_payment: string, other_monthly_debts: string, credit_score: number | null, lender_id: string | null, lender_name: string | null, consent: ConsentView | null, history: Array<HistoryEntry>, decisions: Array<DecisionView>, stipulations: Array<StipulationView>, 
/**
 * The latest decision's stipulations not cleared yet.
 */
open_stipulations: number, 
/**
 * Approved or conditional with every stipulation cleared: the contract can be printed.
 */
ready_to_contract: boolean, created_at: string, updated_at: string, 
/**
 * As recorded (`staff:<username>`, ...).
 */
created_by: string, 
/**
 * Who started it, in words: the staff member's name.
 */
created_by_name: string, 
/**
 * The moves the state machine allows from this state to the user who asked, in the order
 * the screen offers them (the main step first). Preconditions are checked when one is taken.
 */
actions: Array<Action>, };

export type ApplicationSummary = { id: ApplicationId, state: ApplicationState, phase: string, customer_id: CustomerId, customer_name: string, deal_id: DealId, lender_id: string | null, 
/**
 * The lender's name.
 */
lender: string | null, credit_score: number | null, open_stipulations: number, created_at: string, updated_at: string, };

export type ApplicationFilter = { state: ApplicationState | null, customer_id: CustomerId | null, limit: number | null, offset: number | null, };

export type ApplicationPage = { items: Array<ApplicationSummary>, total: number, };

export type PipelineFilter = { state: ApplicationState | null, lender_id: string | null, 
/**
 * Staff id of who started the application.
 */
staff_id: string | null, 
/**
 * One of [`AGE_BUCKETS`]' keys.
 */
age: string | null, 
/**
 * The first matching row to send (0 unless given).
 */
offset: number | null, 
/**
 * How many rows to send: [`PIPELINE_WINDOW`] unless given, at most
 * [`MAX_PIPELINE_WINDOW`].
 */
limit: number | null, };

export type PipelineRow = { id: ApplicationId, state: ApplicationState, customer_name: string, lender: string | null, staff: string, 
/**
 * Days since the application was started.
 */
age_days: number, 
/**
 * Days since its last change.
 */
idle_days: number, amount_financed: string | null, open_stipulations: number, updated_at: string, };

export type Count = { key: string, label: string, count: number, };

export type PipelineWindow = { 
/**
 * Matching rows from `offset`, oldest change first (most in need of a nudge first).
 */
rows: Array<PipelineRow>, offset: number, 
/**
 * How many applications match the filter.
 */
matching: number, };

export type Pipeline = { 
/**
 * The first window of matching rows.
 */
window: PipelineWindow, 
/**
 * Counts over every application (not only the matching ones), so the filters show what
 * each choice would give.
 */
by_state: Array<Count>, by_lender: Array<Count>, by_staff: Array<Count>, by_age: Array<Count>, 
/**
 * Every application.
 */
total: number, };

export type ApprovalRate = { key: string, label: string, decided: number, 
/**
 * Approved outright or with conditions.
 */
approved: number, countered: number, declined: number, 
/**
 * `approved / decided` in percent, one decimal ("62.5"); "0.0" when nothing was decided.
 */
approval_rate: string, };

export type TimeToDecision = { 
/**
 * Decisions measured (submitted → first answer).
 */
count: number, 
/**
 * Minutes, rounded; null with no decisions.
 */
median_minutes: number | null, p90_minutes: number | null, buckets: Array<Count>, };

export type MarkupRow = { application_id: ApplicationId, customer_name: string, lender: string, 
/**
 * Percent.
 */
buy_rate: string, contract_rate: string, 
/**
 * Contract rate − buy rate, percentage points ("1.50").
 */
markup_points: string, amount_financed: string, };

export type Analytics = { 
/**
 * Applications that reached each stage, draft to funded.
 */
funnel: Array<Count>, approval_by_lender: Array<ApprovalRate>, approval_by_tier: Array<ApprovalRate>, time_to_decision: TimeToDecision, 
/**
 * Open stipulations by days open.
 */
stipulation_aging: Array<Count>, 
/**
 * Loans with an approval that names a buy rate, newest decision first.
 */
markup: Array<MarkupRow>, 
/**
 * Mean markup over `markup`, points; null when there is none.
 */
average_markup_points: string | null, };

export type NoticeKind = "declined" | "counter_not_accepted";

export type DeliveryMethod = "print" | "email" | "mail";

export type NoticeParty = { name: string, address: string | null, };

export type Bureau = { name: string, address: string, 
/**
 * Toll-free number.
 */
phone: string, };

export type ScoreDisclosure = { 
/**
 * `None` when no score was used.
 */
score: number | null, range_low: number, range_high: number, 
/**
 * Up to four, most important first.
 */
key_factors: Array<string>, 
/**
 * ISO date the score was obtained.
 */
date: string | null, };

export type NoticeView = { id: NoticeId, application_id: ApplicationId, decision_id: string, kind: NoticeKind, customer_id: CustomerId, applicant_name: string, applicant_address: Array<string>, 
/**
 * The statement of the action taken, in words.
 */
action_taken: string, 
/**
 * Up to four principal reasons, in words. Empty: the notice tells the applicant how to ask
 * for them (§1002.9(a)(2)(ii)).
 */
reasons: Array<string>, score: ScoreDisclosure, bureau: Bureau, 
/**
 * The dealership (arranged the credit).
 */
dealer: NoticeParty, 
/**
 * The lender that decided.
 */
lender: NoticeParty, 
/**
 * The federal agency administering ECOA compliance for the dealership.
 */
agency: NoticeParty, decided_at: string, 
/**
 * ISO date: the decision's date + 30 days.
 */
due_date: string, 
/**
 * Negative when overdue; counted from today's UTC date.
 */
days_remaining: number, overdue: boolean, delivered_at: string | null, delivery_method: DeliveryMethod | null, delivered_by: string | null, outbox_id: string | null, pdf_sha256: string | null, created_at: string, };

export type NoticeDue = { id: NoticeId, application_id: ApplicationId, customer_id: CustomerId, applicant_name: string, kind: NoticeKind, lender_name: string, decided_at: string, due_date: string, days_remaining: number, overdue: boolean, delivered_at: string | null, delivery_method: DeliveryMethod | null, };

export type SavedFile = { 
/**
 * Absolute path of the file.
 */
path: string, file_name: string, bytes: number, sha256: string, 
/**
 * Whether a viewer was started (false when asked not to, or none is installed).
 */
opened: boolean, };

export type ImportedDecision = { application_id: ApplicationId, decision_id: string, outcome: ApplicationState, lender_code: string, rate_sheet_version: number, tier: string | null, stipulations: Array<string>, reasons: Array<string>, };

export type RenderMode = "original" | "copy";

export type DocumentStatus = "draft" | "signing" | "signed" | "void";

export type FieldKind = "signature" | "initial";

export type Signer = "buyer" | "co_buyer" | "dealer";

export type FieldRect = { x: number, y: number, width: number, height: number, };

export type SignatureField = { id: string, kind: FieldKind, signer: Signer, 
/**
 * 1-based page number.
 */
page: number, rect: FieldRect, 
/**
 * What the field is for ("Buyer signature", "Buyer initials: optional products").
 */
label: string, };

export type ContractRecord = { id: DocumentId, deal_id: DealId, 
/**
 * The deal option a contract was printed from (contracts only).
 */
option_id: string | null, option_position: number | null, 
/**
 * The credit application a credit-application document was printed from.
 */
application_id: ApplicationId | null, 
/**
 * "retail_installment", "lease", "credit_application" or "deal_jacket".
 */
kind: string, version: number, status: DocumentStatus, 
/**
 * The one original; copies are false.
 */
authoritative: boolean, quote_sha256: string, sha256: string, page_count: number, byte_len: number, fields: Array<SignatureField>, rendered_by: string, signed_at: string | null, created_at: string, };

export type VerifyReport = { 
/**
 * The file's exact bytes are a document on record.
 */
on_record: boolean, 
/**
 * … and that document is signed.
 */
signed: boolean, document_id: DocumentId | null, 
/**
 * SHA-256 of the bytes given.
 */
sha256: string, };

export type FileCheck = { what: string | null, 
/**
 * The file's exact bytes are a document on record.
 */
on_record: boolean, 
/**
 * … and that document is signed.
 */
signed: boolean, document_id: DocumentId | null, 
/**
 * SHA-256 of the bytes given.
 */
sha256: string, };

export type SignatureMark = { "method": "typed", name: string, } | { "method": "drawn", png: number[], };

export type EsignConsentInput = { signer: Signer, 
/**
 * The signer's name as they confirm it.
 */
signer_name: string, 
/**
 * The device the ceremony runs on ("desk 2 tablet", a browser user agent …).
 */
device: string, 
/**
 * They agreed to electronic records and signatures after reading the disclosure.
 */
agreed: boolean, 
/**
 * They opened the sample PDF (showing they can access the records).
 */
opened_pdf: boolean, };

export type SignInput = { field_id: string, signer_name: string, mark: SignatureMark, 
/**
 * The signer confirmed [`INTENT_STATEMENT`] at this field.
 */
intent_confirmed: boolean, device: string, };

export type SigningEvent = { seq: number, 
/**
 * "consent", "sign" or "seal".
 */
kind: string, signer: Signer | null, signer_name: string, field_id: string | null, 
/**
 * "esign_consent", "typed", "drawn" or "seal".
 */
method: string, device: string, actor: string, sha256_before: string, sha256_after: string, at: string, };

export type SigningStatus = { document_id: DocumentId, 
/**
 * "retail_installment", "lease" or "credit_application".
 */
kind: string, 
/**
 * The intent statement the signer confirms at each field of this document.
 */
intent: string, 
/**
 * The ESIGN disclosure shown before consent to sign this document, and its version.
 */
disclosure: string, disclosure_version: string, status: DocumentStatus, fields: Array<SignatureField>, signed_fields: Array<string>, 
/**
 * The field to sign next (None when all are signed).
 */
next_field: SignatureField | null, consented: Array<Signer>, events: Array<SigningEvent>, 
/**
 * SHA-256 of the document with the signatures given so far.
 */
working_sha256: string, };

export type CeremonyTexts = { disclosure: string, disclosure_version: string, intent: string, 
/**
 * Largest drawn signature accepted, bytes.
 */
max_signature_png_bytes: number, };

export type JacketPart = { 
/**
 * "contract", "credit_application" or "adverse_action_notice".
 */
kind: string, title: string, 
/**
 * The document on record this part copies (a contract document or notice id).
 */
source_id: string | null, 
/**
 * SHA-256 of that document on record.
 */
source_sha256: string | null, signed: boolean, 
/**
 * First page of the part in the jacket (1-based; the cover is page 1).
 */
first_page: number, page_count: number, };

export type JacketMissing = { title: string, reason: string, };

export type JacketReport = { record: ContractRecord, parts: Array<JacketPart>, missing: Array<JacketMissing>, };

export type PrintedJacket = { jacket: JacketReport, file: SavedFile, };

export type RuleCode = "no_score" | "score_below_tiers" | "no_rate" | "term" | "amount_financed" | "ltv" | "pti" | "dti" | "markup" | "no_income";

export type RuleFailure = { rule: RuleCode, actual: string, limit: string, 
/**
 * "LTV 128% > 125% max: add $1,450.00 down"
 */
message: string, };

export type LenderAssessment = { lender_id: string, lender_code: string, lender_name: string, rate_sheet_id: string, rate_sheet_version: number, 
/**
 * Percent, two decimals; `None` without income / value.
 */
pti: string | null, dti: string | null, ltv: string | null, tier: string | null, 
/**
 * Percent, exact.
 */
buy_rate: string | null, 
/**
 * Points the contract rate may exceed the buy rate.
 */
max_markup: string, 
/**
 * The deal's markup over the buy rate, points (loans).
 */
markup: string | null, 
/**
 * Highest contract rate the lender allows (buy rate + max markup).
 */
max_contract_rate: string | null, fees: string, stipulations: Array<string>, failures: Array<RuleFailure>, 
/**
 * No rule fails.
 */
eligible: boolean, };

export type LenderView = { id: string, code: string, name: string, active: boolean, rate_sheet_id: string | null, rate_sheet_version: number | null, effective_date: string | null, };

export type SubmitReceipt = { application_id: ApplicationId, outbox_id: string, lender_id: string, rate_sheet_version: number, signature: string, };

export type ProcessedMessage = { outbox_id: string, application_id: ApplicationId, 
/**
 * `pending`, `answered`, `rejected` (bad signature or refused) or `error` (try again).
 */
status: string, outcome: ApplicationState | null, error: string | null, };

export type SyncStatus = { enrolled: boolean, hub: string | null, desk_id: string | null, 
/**
 * Changes of synced tables not yet answered by the hub.
 */
waiting: number, cursor: number, last_attempt_at: string | null, last_success_at: string | null, 
/**
 * Set while the hub cannot be reached: since the first failed run after a success.
 */
offline_since: string | null, last_error: string | null, open_conflicts: number, };

export type SyncReport = { 
/**
 * Journal entries the hub answered in this run.
 */
pushed: number, 
/**
 * Hub changes applied (or found already applied) in this run.
 */
pulled: number, 
/**
 * Conflicts recorded in this run (this desk's change replaced or refused).
 */
conflicts: number, 
/**
 * The hub cursor this desk has applied everything up to.
 */
cursor: number, 
/**
 * Audit log entries the hub stored in this run (their own message, never the journal).
 */
audit_pushed: number, 
/**
 * Why this desk's audit log could not be sent in this run (the change sync went on; the
 * entries are sent again next run).
 */
audit_error: string | null, };

export type FieldDiff = { field: string, ours: string, theirs: string, };

export type ConflictView = { id: string, at: string, 
/**
 * What kind of record, in words ("customer address").
 */
record: string, row_id: string, outcome: string, reason: string, 
/**
 * The fields whose values differ.
 */
fields: Array<FieldDiff>, };

export type EnrolmentView = { hub_url: string, desk_name: string, rooftop: string, enrolled_at: string, 
/**
 * SHA-256 of the hub certificate's DER, in lowercase hex (64 characters).
 */
fingerprint: string, };

export type SyncOverview = { status: SyncStatus, enrolment: EnrolmentView | null, 
/**
 * Whether a sync run is going on right now (the background task's or a "Sync now").
 */
running: boolean, };
