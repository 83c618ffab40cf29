import { call } from './ipc';
import type {
  CeremonyTexts,
  ContractRecord,
  EsignConsentInput,
  PrintedJacket,
  RenderMode,
  SavedFile,
  SignInput,
  SigningStatus,
  FileCheck,
} from './bindings';

export function listContracts(dealId: string): Promise<ContractRecord[]> {
  return call('list_contracts', { deal_id: dealId });
}

/** Prints the contract from the deal's saved quote; `option` is the option's position (1–3). */
export function renderContract(dealId: string, option: number | null, mode: RenderMode): Promise<ContractRecord> {
  return call('render_contract', { deal_id: dealId, option, mode });
}

export function printContractCopy(documentId: string, open: boolean): Promise<SavedFile> {
  return call('print_contract_copy', { document_id: documentId, open });
}

export function openContractForReview(documentId: string, open: boolean): Promise<SavedFile> {
  return call('open_contract_for_review', { document_id: documentId, open });
}

export function contractSigningStatus(documentId: string): Promise<SigningStatus> {
  return call('contract_signing_status', { document_id: documentId });
}

export function contractCeremonyTexts(): Promise<CeremonyTexts> {
  return call('contract_ceremony_texts');
}

export function contractConsent(documentId: string, input: EsignConsentInput): Promise<SigningStatus> {
  return call('contract_consent', { document_id: documentId, input });
}

export function contractSign(documentId: string, input: SignInput): Promise<SigningStatus> {
  return call('contract_sign', { document_id: documentId, input });
}

export function sealContract(documentId: string): Promise<ContractRecord> {
  return call('seal_contract', { document_id: documentId });
}

export function verifyContractFile(bytes: number[]): Promise<FileCheck> {
  return call('verify_contract_file', { bytes });
}

/** Prints a credit application as a document to sign (original: finance manager, admin) or a copy. */
export function renderApplicationDocument(applicationId: string, mode: RenderMode): Promise<ContractRecord> {
  return call('render_application_document', { application_id: applicationId, mode });
}

export function listApplicationDocuments(applicationId: string): Promise<ContractRecord[]> {
  return call('list_application_documents', { application_id: applicationId });
}

/** A COPY of the credit application printed afresh, saved to exports and opened to print. */
export function printApplicationCopy(applicationId: string, open: boolean): Promise<SavedFile> {
  return call('print_application_copy', { application_id: applicationId, open });
}

/** The deal jacket (cover, contract, application, notices; COPY), saved to exports and opened to print. */
export function printDealJacket(dealId: string, open: boolean): Promise<PrintedJacket> {
  return call('print_deal_jacket', { deal_id: dealId, open });
}

/** "Save as…": Rust asks where with the native dialog; null when the user cancels. */
export function saveDocumentAs(documentId: string): Promise<SavedFile | null> {
  return call('save_document_as', { document_id: documentId });
}
