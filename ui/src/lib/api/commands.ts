// GENERATED from the #[tauri::command] fns in src-tauri/src/commands.rs by
// `UPDATE_IPC=1 cargo test -p dealerdesk-ipc-gen`.
// Do not edit by hand: `cargo test` fails when this file is stale.

import type {
  Action,
  Analytics,
  AppStatus,
  ApplicationFilter,
  ApplicationId,
  ApplicationInput,
  ApplicationPage,
  ApplicationView,
  AuditFilter,
  AuditPage,
  AuditVerifyReport,
  Blocker,
  CandidateDecision,
  CeremonyTexts,
  Channel,
  CheckInput,
  ConflictView,
  ConsentInput,
  ContactChannel,
  ContactStatusView,
  ContractRecord,
  CustomerId,
  CustomerInput,
  CustomerPage,
  CustomerSummary,
  CustomerUpdate,
  CustomerView,
  DealFilter,
  DealId,
  DealInput,
  DealPage,
  DealView,
  DeliveryMethod,
  DeskLink,
  DocumentId,
  EsignConsentInput,
  FileCheck,
  FlagCode,
  HomeFigures,
  IdentityCheckId,
  ImportedDecision,
  IssueLink,
  LenderAssessment,
  LenderView,
  Licence,
  LinkView,
  NewStaff,
  NoticeDue,
  NoticeId,
  NoticeView,
  OptionQuote,
  OptionTerms,
  PiiField,
  Pipeline,
  PipelineFilter,
  PipelineWindow,
  PrintedJacket,
  ProcessedMessage,
  RenderMode,
  SavedFile,
  SessionView,
  SignInOutcome,
  SignInput,
  SigningStatus,
  StaffName,
  StaffView,
  StipulationDocumentView,
  StipulationView,
  SubmitReceipt,
  SyncOverview,
  SyncReport,
  Unmet,
  VehicleFilter,
  VehicleId,
  VehicleInput,
  VehiclePage,
  VehicleView,
  VerificationView,
  VinReport,
} from './bindings';

/** Every IPC command: its arguments (snake_case keys, as in Rust) and what it returns. */
export interface Commands {
  app_status: { args: Record<never, never>; returns: AppStatus };
  create_first_admin: { args: { input: NewStaff }; returns: StaffView };
  sign_in: { args: { username: string; password: string }; returns: SignInOutcome };
  verify_mfa: { args: { code: string }; returns: SessionView };
  confirm_mfa_enrolment: { args: { code: string }; returns: SessionView };
  sign_out: { args: Record<never, never>; returns: null };
  lock_session: { args: Record<never, never>; returns: null };
  unlock_session: { args: { password: string }; returns: SessionView };
  session_heartbeat: { args: Record<never, never>; returns: SessionView };
  home_figures: { args: Record<never, never>; returns: HomeFigures };
  search_customers: { args: { query: string; limit: number }; returns: CustomerSummary[] };
  list_customers: { args: { offset: number; limit: number }; returns: CustomerPage };
  get_customer: { args: { id: CustomerId }; returns: CustomerView };
  create_customer: { args: { input: CustomerInput }; returns: CustomerView };
  update_customer: { args: { id: CustomerId; input: CustomerUpdate }; returns: CustomerView };
  reveal_pii: { args: { customer_id: CustomerId; field: PiiField }; returns: string };
  scan_licence: { args: { payload: string }; returns: Licence };
  list_audit: { args: { filter: AuditFilter }; returns: AuditPage };
  verify_audit: { args: Record<never, never>; returns: AuditVerifyReport };
  staff_directory: { args: Record<never, never>; returns: StaffName[] };
  list_staff: { args: Record<never, never>; returns: StaffView[] };
  add_staff: { args: { input: NewStaff }; returns: StaffView };
  set_staff_disabled: { args: { id: string; disabled: boolean }; returns: StaffView };
  reset_staff_mfa: { args: { id: string }; returns: StaffView };
  unlock_staff: { args: { id: string }; returns: StaffView };
  list_vehicles: { args: { filter: VehicleFilter }; returns: VehiclePage };
  get_vehicle: { args: { id: VehicleId }; returns: VehicleView };
  add_vehicle: { args: { input: VehicleInput }; returns: VehicleView };
  update_vehicle: { args: { id: VehicleId; input: VehicleInput }; returns: VehicleView };
  check_vin: { args: { vin: string }; returns: VinReport };
  list_deals: { args: { filter: DealFilter }; returns: DealPage };
  get_deal: { args: { id: DealId }; returns: DealView };
  save_deal: { args: { input: DealInput }; returns: DealView };
  update_deal: { args: { id: DealId; input: DealInput }; returns: DealView };
  quote_deal_option: { args: { terms: OptionTerms; customer_id: CustomerId | null; index: number }; returns: OptionQuote };
  run_identity_check: { args: { customer_id: CustomerId; input: CheckInput }; returns: VerificationView };
  latest_identity_check: { args: { customer_id: CustomerId }; returns: VerificationView | null };
  resolve_identity_flag: { args: { check_id: IdentityCheckId; code: FlagCode; note: string }; returns: VerificationView };
  decide_sanctions_candidate: { args: { check_id: IdentityCheckId; ent_num: number; decision: CandidateDecision; reason: string }; returns: VerificationView };
  confirm_contact: { args: { customer_id: CustomerId; channels: ContactChannel[] }; returns: ContactStatusView[] };
  application_blockers: { args: { customer_id: CustomerId }; returns: Blocker[] };
  issue_link: { args: { input: IssueLink; send: Channel[] }; returns: DeskLink };
  list_links: { args: { customer_id: CustomerId }; returns: LinkView[] };
  revoke_link: { args: { id: string }; returns: LinkView };
  list_applications: { args: { filter: ApplicationFilter }; returns: ApplicationPage };
  application_pipeline: { args: { filter: PipelineFilter }; returns: Pipeline };
  application_pipeline_window: { args: { filter: PipelineFilter }; returns: PipelineWindow };
  application_analytics: { args: Record<never, never>; returns: Analytics };
  get_application: { args: { id: ApplicationId }; returns: ApplicationView };
  application_assist: { args: { id: ApplicationId }; returns: LenderAssessment[] };
  submit_blockers: { args: { id: ApplicationId }; returns: Unmet[] };
  create_application: { args: { input: ApplicationInput }; returns: ApplicationView };
  update_application: { args: { id: ApplicationId; input: ApplicationInput }; returns: ApplicationView };
  record_consent: { args: { id: ApplicationId; input: ConsentInput }; returns: ApplicationView };
  submit_application: { args: { id: ApplicationId }; returns: SubmitReceipt };
  transition_application: { args: { id: ApplicationId; action: Action; note: string | null }; returns: ApplicationView };
  poll_lender_decisions: { args: Record<never, never>; returns: ProcessedMessage[] };
  attach_stipulation_document: { args: { stip_id: string; file_name: string; bytes: number[] }; returns: StipulationDocumentView };
  clear_stipulation: { args: { stip_id: string; note: string }; returns: StipulationView };
  list_lenders: { args: Record<never, never>; returns: LenderView[] };
  list_adverse_notices: { args: { pending_only: boolean }; returns: NoticeDue[] };
  application_notices: { args: { application_id: ApplicationId }; returns: NoticeView[] };
  save_adverse_notice: { args: { id: NoticeId; open: boolean }; returns: SavedFile };
  deliver_adverse_notice: { args: { id: NoticeId; method: DeliveryMethod }; returns: NoticeView };
  export_application_star: { args: { id: ApplicationId }; returns: SavedFile };
  import_star_decision: { args: { xml: string }; returns: ImportedDecision };
  list_contracts: { args: { deal_id: DealId }; returns: ContractRecord[] };
  render_contract: { args: { deal_id: DealId; option: number | null; mode: RenderMode }; returns: ContractRecord };
  print_contract_copy: { args: { document_id: DocumentId; open: boolean }; returns: SavedFile };
  open_contract_for_review: { args: { document_id: DocumentId; open: boolean }; returns: SavedFile };
  contract_signing_status: { args: { document_id: DocumentId }; returns: SigningStatus };
  contract_ceremony_texts: { args: Record<never, never>; returns: CeremonyTexts };
  contract_consent: { args: { document_id: DocumentId; input: EsignConsentInput }; returns: SigningStatus };
  contract_sign: { args: { document_id: DocumentId; input: SignInput }; returns: SigningStatus };
  seal_contract: { args: { document_id: DocumentId }; returns: ContractRecord };
  verify_contract_file: { args: { bytes: number[] }; returns: FileCheck };
  render_application_document: { args: { application_id: ApplicationId; mode: RenderMode }; returns: ContractRecord };
  list_application_documents: { args: { application_id: ApplicationId }; returns: ContractRecord[] };
  print_application_copy: { args: { application_id: ApplicationId; open: boolean }; returns: SavedFile };
  print_deal_jacket: { args: { deal_id: DealId; open: boolean }; returns: PrintedJacket };
  save_document_as: { args: { document_id: DocumentId }; returns: SavedFile | null };
  issue_remote_signing_link: { args: { customer_id: CustomerId; document_id: DocumentId; ttl_minutes: number | null; send: Channel[] }; returns: DeskLink };
  print_link_handout: { args: { url: string }; returns: SavedFile };
  sync_status: { args: Record<never, never>; returns: SyncOverview };
  sync_now: { args: Record<never, never>; returns: SyncReport };
  sync_conflicts: { args: Record<never, never>; returns: ConflictView[] };
  resolve_sync_conflict: { args: { id: string; note: string }; returns: null };
}

/** The commands of COMMANDS.md; a typo in a command name is a type error. */
export type CommandName = keyof Commands;

/** The arguments `invoke` sends for a command. */
export type CommandArgs<C extends CommandName> = Commands[C]['args'];

/** What a command answers with. */
export type CommandReturns<C extends CommandName> = Commands[C]['returns'];

/** One call as a backend receives it: `switch (request.cmd)` narrows `request.args`. */
export type CommandRequest = { [C in CommandName]: { cmd: C; args: CommandArgs<C> } }[CommandName];

/** A fake backend's answer to `request`, checked against what Rust returns for it. */
export function reply<C extends CommandName>(_request: { cmd: C }, value: CommandReturns<C>): CommandReturns<C> {
  return value;
}

/** Every command name, in the order of commands.rs. */
export const COMMAND_NAMES: readonly CommandName[] = [
  'app_status',
  'create_first_admin',
  'sign_in',
  'verify_mfa',
  'confirm_mfa_enrolment',
  'sign_out',
  'lock_session',
  'unlock_session',
  'session_heartbeat',
  'home_figures',
  'search_customers',
  'list_customers',
  'get_customer',
  'create_customer',
  'update_customer',
  'reveal_pii',
  'scan_licence',
  'list_audit',
  'verify_audit',
  'staff_directory',
  'list_staff',
  'add_staff',
  'set_staff_disabled',
  'reset_staff_mfa',
  'unlock_staff',
  'list_vehicles',
  'get_vehicle',
  'add_vehicle',
  'update_vehicle',
  'check_vin',
  'list_deals',
  'get_deal',
  'save_deal',
  'update_deal',
  'quote_deal_option',
  'run_identity_check',
  'latest_identity_check',
  'resolve_identity_flag',
  'decide_sanctions_candidate',
  'confirm_contact',
  'application_blockers',
  'issue_link',
  'list_links',
  'revoke_link',
  'list_applications',
  'application_pipeline',
  'application_pipeline_window',
  'application_analytics',
  'get_application',
  'application_assist',
  'submit_blockers',
  'create_application',
  'update_application',
  'record_consent',
  'submit_application',
  'transition_application',
  'poll_lender_decisions',
  'attach_stipulation_document',
  'clear_stipulation',
  'list_lenders',
  'list_adverse_notices',
  'application_notices',
  'save_adverse_notice',
  'deliver_adverse_notice',
  'export_application_star',
  'import_star_decision',
  'list_contracts',
  'render_contract',
  'print_contract_copy',
  'open_contract_for_review',
  'contract_signing_status',
  'contract_ceremony_texts',
  'contract_consent',
  'contract_sign',
  'seal_contract',
  'verify_contract_file',
  'render_application_document',
  'list_application_documents',
  'print_application_copy',
  'print_deal_jacket',
  'save_document_as',
  'issue_remote_signing_link',
  'print_link_handout',
  'sync_status',
  'sync_now',
  'sync_conflicts',
  'resolve_sync_conflict',
];
