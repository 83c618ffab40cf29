// GENERATED from the Rust types by `UPDATE_BINDINGS=1 cargo test --test it bindings`.
// Do not edit by hand: `cargo test` fails when this file is stale.

export type ErrorCode = "validation" | "not_signed_in" | "session_locked" | "session_expired" | "forbidden" | "invalid_credentials" | "account_locked" | "account_disabled" | "mfa_required" | "invalid_mfa_code" | "not_found" | "conflict" | "storage" | "internal";

export type CommandError = { code: ErrorCode, message: string, field: string | null, };

export type Role = "sales" | "finance_manager" | "admin";

export type StaffView = { id: string, username: string, display_name: string, role: Role, mfa_enrolled: boolean, disabled: boolean, locked_until: string | null, created_at: string, };

export type SessionView = { staff: StaffView, locked: boolean, expires_at: string, mfa_bypassed: boolean, };

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

export type CustomerSummary = { id: string, full_name: string, phone: string, email: string | null, ssn_masked: string, city: string | null, state: string | null, created_at: string, };

export type CustomerPage = { items: Array<CustomerSummary>, total: number, };

export type AddressInput = { line1: string, line2: string | null, city: string, state: string, zip: string, 
/**
 * Move-in date, YYYY-MM-DD or MM/DD/YYYY.
 */
since: string, };

export type AddressView = { line1: string, line2: string | null, city: string, state: string, zip: string, since: string, months_at_address: number, current: boolean, };

export type CustomerInput = { given_name: string, middle_name: string | null, family_name: string, suffix: string | null, dob: string, ssn: string, licence_number: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, address: AddressInput, previous_address: AddressInput | null, };

export type CustomerUpdate = { given_name: string, middle_name: string | null, family_name: string, suffix: string | null, dob: string | null, ssn: string | null, licence_number: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, address: AddressInput, previous_address: AddressInput | null, };

export type CustomerView = { id: string, given_name: string, middle_name: string | null, family_name: string, suffix: string | null, full_name: string, dob_masked: string, age: number, ssn_masked: string, licence_masked: string | null, licence_state: string | null, phone: string, email: string | null, employer: string | null, job_title: string | null, monthly_income: string, addresses: Array<AddressView>, created_at: string, updated_at: string, };

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
