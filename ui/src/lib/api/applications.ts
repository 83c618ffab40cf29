import { call } from './ipc';
import type {
  Action,
  Analytics,
  ImportedDecision,
  SavedFile,
  Pipeline,
  PipelineWindow,
  PipelineFilter,
  ApplicationFilter,
  ApplicationInput,
  ApplicationPage,
  ApplicationView,
  ConsentInput,
  LenderAssessment,
  LenderView,
  ProcessedMessage,
  StipulationDocumentView,
  StipulationView,
  SubmitReceipt,
  Unmet,
} from './bindings';

export function listApplications(filter: ApplicationFilter): Promise<ApplicationPage> {
  return call('list_applications', { filter });
}

export function getApplication(id: string): Promise<ApplicationView> {
  return call('get_application', { id });
}

/** Every lender judged on this application's deal, best first (the order Rust sends). */
export function applicationAssist(id: string): Promise<LenderAssessment[]> {
  return call('application_assist', { id });
}

/** What still stands before the application can be submitted (empty: nothing). */
export function submitBlockers(id: string): Promise<Unmet[]> {
  return call('submit_blockers', { id });
}

export function createApplication(input: ApplicationInput): Promise<ApplicationView> {
  return call('create_application', { input });
}

export function updateApplication(id: string, input: ApplicationInput): Promise<ApplicationView> {
  return call('update_application', { id, input });
}

export function recordConsent(id: string, input: ConsentInput): Promise<ApplicationView> {
  return call('record_consent', { id, input });
}

/** Sends a ready application to its lender (signed outbox message). */
export function submitApplication(id: string): Promise<SubmitReceipt> {
  return call('submit_application', { id });
}

/** Moves the application; Rust refuses moves the state or the role does not allow. */
export function transitionApplication(id: string, action: Action, note: string | null): Promise<ApplicationView> {
  return call('transition_application', { id, action, note });
}

/** Lets the lender simulator answer what is waiting in the outbox. */
export function pollLenderDecisions(): Promise<ProcessedMessage[]> {
  return call('poll_lender_decisions');
}

export function attachStipulationDocument(stipId: string, fileName: string, bytes: Uint8Array): Promise<StipulationDocumentView> {
  return call('attach_stipulation_document', { stip_id: stipId, file_name: fileName, bytes: Array.from(bytes) });
}

/** Finance manager / admin: marks a stipulation met, with a note. */
export function clearStipulation(stipId: string, note: string): Promise<StipulationView> {
  return call('clear_stipulation', { stip_id: stipId, note });
}

export function listLenders(): Promise<LenderView[]> {
  return call('list_lenders');
}

/** The pipeline's counts over every application and the first window of matching rows. */
export function applicationPipeline(filter: PipelineFilter): Promise<Pipeline> {
  return call('application_pipeline', { filter });
}

/** The next window of matching pipeline rows (`filter.offset`, `filter.limit`) as the table scrolls. */
export function applicationPipelineWindow(filter: PipelineFilter): Promise<PipelineWindow> {
  return call('application_pipeline_window', { filter });
}

/** Funnel, approval rates, time to decision, stipulation aging and markup (finance managers). */
export function applicationAnalytics(): Promise<Analytics> {
  return call('application_analytics');
}

/** The application as a STAR 5 XML file in the exports folder (finance managers and admins). */
export function exportApplicationStar(id: string): Promise<SavedFile> {
  return call('export_application_star', { id });
}

/** Records a lender's STAR decision file (its text). */
export function importStarDecision(xml: string): Promise<ImportedDecision> {
  return call('import_star_decision', { xml });
}
