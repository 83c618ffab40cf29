import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ContractSigning from '../screens/ContractSigning.svelte';
import ContractPanel from '../lib/components/ContractPanel.svelte';
import ApplicationDocumentPanel from '../lib/components/ApplicationDocumentPanel.svelte';
import type { ContractRecord, DealView, FileCheck, SignatureField, SigningEvent, SigningStatus } from '../lib/api/bindings';
import { hrefFor, parseHash, router } from '../lib/router.svelte';
import { session } from '../lib/session.svelte';
import { commandError, sessionView, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const FIELDS: SignatureField[] = [
  { id: 'buyer-initial-1', kind: 'initial', signer: 'buyer', page: 2, rect: { x: 54, y: 100, width: 110, height: 26 }, label: 'Buyer initials: optional products' },
  { id: 'buyer-sign', kind: 'signature', signer: 'buyer', page: 4, rect: { x: 54, y: 600, width: 300, height: 34 }, label: 'Buyer signature' },
  { id: 'dealer-sign', kind: 'signature', signer: 'dealer', page: 4, rect: { x: 54, y: 660, width: 300, height: 34 }, label: 'Seller-Creditor signature' },
];

function status(signed: string[], consented: SigningStatus['consented'], events: SigningEvent[] = []): SigningStatus {
  return {
    document_id: 'doc_1',
    kind: 'retail_installment',
    intent: '',
    disclosure: '',
    disclosure_version: '',
    status: signed.length || consented.length ? 'signing' : 'draft',
    fields: FIELDS,
    signed_fields: signed,
    next_field: FIELDS.find((f) => !signed.includes(f.id)) ?? null,
    consented,
    events,
    working_sha256: 'ab'.repeat(32),
  };
}

function record(extra: Partial<ContractRecord> = {}): ContractRecord {
  return {
    id: 'doc_1',
    deal_id: 'deal_1',
    option_id: 'opt_1',
    option_position: 1,
    application_id: null,
    kind: 'retail_installment',
    version: 1,
    status: 'draft',
    authoritative: true,
    quote_sha256: 'cd'.repeat(32),
    sha256: 'ef'.repeat(32),
    page_count: 4,
    byte_len: 48_000,
    fields: FIELDS,
    rendered_by: 'Morgan Reyes',
    signed_at: null,
    created_at: '2026-11-26T15:00:00Z',
    ...extra,
  };
}

const TEXTS = {
  disclosure: 'CONSENT TO ELECTRONIC RECORDS AND SIGNATURES. You have the right to paper.',
  disclosure_version: 'esign-consumer-disclosure-2026-11',
  intent: 'I intend to sign this contract with the signature I adopted here.',
  max_signature_png_bytes: 524288,
};

describe('the signing ceremony', () => {
  it('takes consent, signs each field in order with intent, and the finance manager seals it', async () => {
    session.signedIn(sessionView('finance_manager'));
    let current = status([], []);
    const backend = useBackend({
      contract_ceremony_texts: () => TEXTS,
      contract_signing_status: () => current,
      open_contract_for_review: () => ({ path: '/x/exports/contract-doc_1-review.pdf', file_name: 'r.pdf', bytes: 1, sha256: '', opened: false }),
      contract_consent: (a) => {
        const input = a.input as { agreed: boolean; opened_pdf: boolean };
        if (!input.opened_pdf) throw commandError('validation', 'The customer must first open the PDF.', 'opened_pdf');
        current = status([], ['buyer'], [
          { seq: 1, kind: 'consent', signer: 'buyer', signer_name: 'Maria Garcia', field_id: null, method: 'consent', device: 'desk', actor: 'Morgan', sha256_before: 'a'.repeat(64), sha256_after: 'a'.repeat(64), at: '2026-11-26T15:01:00Z' },
        ]);
        return current;
      },
      contract_sign: (a) => {
        const input = a.input as { field_id: string; intent_confirmed: boolean };
        if (!input.intent_confirmed) throw commandError('validation', 'Confirm the intent to sign.', 'intent_confirmed');
        current = status([...current.signed_fields, input.field_id], current.consented, current.events);
        return current;
      },
      seal_contract: () => record({ id: 'doc_2', version: 2, status: 'signed', signed_at: '2026-11-26T15:05:00Z' }),
      print_contract_copy: () => ({ path: '/x/exports/contract-copy.pdf', file_name: 'c.pdf', bytes: 1, sha256: '', opened: false }),
    });
    render(ContractSigning, { id: 'doc_1' });
    const user = userEvent.setup();

    expect(await screen.findByTestId('esign-disclosure')).toHaveTextContent('right to paper');
    await user.type(screen.getByTestId('signing-consent-name'), 'Maria Garcia');
    await user.click(screen.getByTestId('signing-agree'));
    await user.click(screen.getByTestId('signing-consent-submit'));
    expect(await screen.findByText('The customer must first open the PDF.')).toBeInTheDocument();
    await user.click(screen.getByTestId('signing-open-pdf'));
    expect(await screen.findByTestId('signing-review-path')).toHaveTextContent('contract-doc_1-review.pdf');
    await user.click(screen.getByTestId('signing-opened-pdf'));
    await user.click(screen.getByTestId('signing-consent-submit'));
    expect(backend.calls('contract_consent').at(-1)).toEqual({
      document_id: 'doc_1',
      input: { signer: 'buyer', signer_name: 'Maria Garcia', device: 'DealerDesk desk screen', agreed: true, opened_pdf: true },
    });

    // first field: typed initials, intent missing then given
    const field = await screen.findByTestId('signing-field');
    expect(field).toHaveAttribute('data-field', 'buyer-initial-1');
    expect(screen.getByTestId('signing-name')).toHaveValue('Maria Garcia');
    await user.click(screen.getByTestId('signing-method-typed'));
    await user.click(screen.getByTestId('signing-submit'));
    expect(await screen.findByText('Confirm the intent to sign.')).toBeInTheDocument();
    await user.click(screen.getByTestId('signing-intent'));
    await user.click(screen.getByTestId('signing-submit'));
    await waitFor(() => expect(screen.getByTestId('signing-field')).toHaveAttribute('data-field', 'buyer-sign'));
    expect(backend.calls('contract_sign')[1]).toEqual({
      document_id: 'doc_1',
      input: { field_id: 'buyer-initial-1', signer_name: 'Maria Garcia', mark: { method: 'typed', name: 'Maria Garcia' }, intent_confirmed: true, device: 'DealerDesk desk screen' },
    });

    // a drawn signature is required when drawing is chosen
    await user.click(screen.getByTestId('signing-method-drawn'));
    await user.click(screen.getByTestId('signing-intent'));
    await user.click(screen.getByTestId('signing-submit'));
    expect(await screen.findByText('Draw the signature in the box, or choose to type it.')).toBeInTheDocument();
    await user.click(screen.getByTestId('signing-method-typed'));
    await user.click(screen.getByTestId('signing-submit'));
    await waitFor(() => expect(screen.getByTestId('signing-field')).toHaveAttribute('data-field', 'dealer-sign'));
    expect(screen.getByTestId('signing-name')).toHaveValue('Miguel Garcia');
    await user.click(screen.getByTestId('signing-intent'));
    await user.click(screen.getByTestId('signing-submit'));

    await user.click(await screen.findByTestId('signing-seal-submit'));
    expect(await screen.findByTestId('signing-done')).toBeInTheDocument();
    expect(screen.getByTestId('signed-copy-path')).toHaveTextContent('/x/exports/contract-copy.pdf');
    expect(backend.calls('print_contract_copy')).toEqual([{ document_id: 'doc_2', open: false }]);
  });

  it('lets a salesperson take the customer’s signatures but leaves the seal to a manager', async () => {
    session.signedIn(sessionView('sales'));
    useBackend({
      contract_ceremony_texts: () => TEXTS,
      contract_signing_status: () => status(['buyer-initial-1', 'buyer-sign', 'dealer-sign'], ['buyer']),
    });
    render(ContractSigning, { id: 'doc_1' });
    const seal = await screen.findByTestId('signing-seal');
    expect(within(seal).getByText('A finance manager seals the contract.')).toBeInTheDocument();
    expect(screen.queryByTestId('signing-seal-submit')).toBeNull();
  });

  it('has a route', () => {
    expect(parseHash(hrefFor({ name: 'contract_sign', id: 'doc 1' }))).toEqual({ name: 'contract_sign', id: 'doc 1' });
  });
});

function deal(): DealView {
  return {
    id: 'deal_1',
    options: [
      { id: 'opt_1', position: 1, label: null, kind: 'loan', selected: true },
      { id: 'opt_2', position: 2, label: null, kind: 'lease', selected: false },
    ],
  } as unknown as DealView;
}

describe('the contract panel on the deal screen', () => {
  it('prints the original for a manager, opens the ceremony, prints copies and checks a file', async () => {
    session.signedIn(sessionView('finance_manager'));
    let docs: ContractRecord[] = [];
    let report: FileCheck = { on_record: false, signed: false, document_id: null, sha256: '0123456789abcdef'.repeat(4), what: null };
    const backend = useBackend({
      list_contracts: () => docs,
      render_contract: (a) => {
        const r = record({ authoritative: a.mode === 'original', id: a.mode === 'original' ? 'doc_1' : 'copy_1' });
        docs = [r, ...docs];
        return r;
      },
      print_contract_copy: () => ({ path: '/x/exports/copy.pdf', file_name: 'copy.pdf', bytes: 1, sha256: '', opened: true }),
      verify_contract_file: () => report,
    });
    render(ContractPanel, { deal: deal() });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByTestId('contract-option'), '2');
    await user.click(screen.getByTestId('contract-print-original'));
    await waitFor(() => expect(backend.calls('render_contract')).toEqual([{ deal_id: 'deal_1', option: 2, mode: 'original' }]));
    expect(await screen.findByTestId('contract-doc')).toHaveAttribute('data-status', 'draft');
    await user.click(screen.getByTestId('contract-start-signing'));
    expect(router.route).toEqual({ name: 'contract_sign', id: 'doc_1' });

    await user.click(screen.getByTestId('contract-print-copy'));
    expect(await screen.findByTestId('contract-saved')).toHaveTextContent('/x/exports/copy.pdf and opened for printing');

    const file = new File([new Uint8Array([37, 80, 68, 70])], 'x.pdf', { type: 'application/pdf' });
    await user.upload(screen.getByTestId('contract-verify-file'), file);
    expect(await screen.findByTestId('contract-verify-result')).toHaveTextContent('not a contract on record');
    expect(backend.calls('verify_contract_file')).toEqual([{ bytes: [37, 80, 68, 70] }]);

    // A file that is one of this deal's documents is named for what it is.
    report = { on_record: true, signed: false, document_id: 'copy_1', sha256: 'ab'.repeat(32), what: 'a COPY (version 2) of a retail installment contract, not an original' };
    await user.upload(screen.getByTestId('contract-verify-file'), file);
    await waitFor(() =>
      expect(screen.getByTestId('contract-verify-result')).toHaveTextContent('exactly a COPY (version 2) of a retail installment contract, not an original on record (copy_1)'),
    );
  });

  it('offers a salesperson only a copy', async () => {
    session.signedIn(sessionView('sales'));
    useBackend({ list_contracts: () => [] });
    render(ContractPanel, { deal: deal() });
    expect(await screen.findByTestId('contract-print-copy')).toBeInTheDocument();
    expect(screen.queryByTestId('contract-print-original')).toBeNull();
  });
});

describe('the deal jacket and "Save as…" on the contract panel', () => {
  it('prints the jacket, lists its parts and what is missing, and saves a copy where Rust asked', async () => {
    session.signedIn(sessionView('sales'));
    const signed = record({ id: 'doc_2', version: 2, status: 'signed' });
    const backend = useBackend({
      list_contracts: () => [signed],
      print_deal_jacket: () => ({
        jacket: {
          record: record({ id: 'jacket_1', kind: 'deal_jacket', authoritative: false, option_id: null, option_position: null, page_count: 9, fields: [] }),
          parts: [
            { kind: 'contract', title: 'Retail installment sale contract, signed and sealed', source_id: 'doc_2', source_sha256: 'ef'.repeat(32), signed: true, first_page: 2, page_count: 6 },
            { kind: 'adverse_action_notice', title: 'Notice of action taken', source_id: 'n_1', source_sha256: '01'.repeat(32), signed: false, first_page: 8, page_count: 1 },
          ],
          missing: [{ title: 'Credit application', reason: 'no credit application on record for this deal' }],
        },
        file: { path: '/x/exports/deal-jacket.pdf', file_name: 'deal-jacket.pdf', bytes: 1, sha256: '', opened: true },
      }),
      save_document_as: (a) =>
        a.document_id === 'doc_2' ? { path: '/home/f/contract-copy.pdf', file_name: 'contract-copy.pdf', bytes: 1, sha256: '', opened: false } : null,
    });
    render(ContractPanel, { deal: deal() });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('contract-print-jacket'));
    expect(backend.calls('print_deal_jacket')).toEqual([{ deal_id: 'deal_1', open: true }]);
    const parts = await screen.findAllByTestId('contract-jacket-part');
    expect(parts.map((p) => p.textContent)).toEqual([
      'Retail installment sale contract, signed and sealed (pages 2–7)',
      'Notice of action taken (page 8)',
    ]);
    expect(screen.getByTestId('contract-jacket-missing')).toHaveTextContent('Credit application: no credit application on record');
    expect(screen.getByTestId('contract-saved')).toHaveTextContent('/x/exports/deal-jacket.pdf and opened for printing');
    expect(screen.queryByTestId('contract-print-original')).toBeNull();

    await user.click(screen.getByTestId('contract-save-as'));
    expect(backend.calls('save_document_as')).toEqual([{ document_id: 'doc_2' }]);
    expect(await screen.findByTestId('contract-saved')).toHaveTextContent('/home/f/contract-copy.pdf');
    expect(screen.getByText('Retail installment contract')).toBeInTheDocument();
  });

  it('says nothing was saved when the user cancels the dialog, and shows Rust’s refusal', async () => {
    session.signedIn(sessionView('finance_manager'));
    useBackend({
      list_contracts: () => [record()],
      save_document_as: () => null,
      print_deal_jacket: () => {
        throw commandError('validation', 'this deal has no contract yet; print the contract first, then the jacket', 'deal_id');
      },
    });
    render(ContractPanel, { deal: deal() });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('contract-save-as'));
    expect(screen.queryByTestId('contract-saved')).toBeNull();
    await user.click(screen.getByTestId('contract-print-jacket'));
    expect(await screen.findByTestId('contract-error')).toHaveTextContent('print the contract first');
  });
});

describe('the credit application document', () => {
  function appDoc(extra: Partial<ContractRecord> = {}): ContractRecord {
    return record({ id: 'adoc_1', kind: 'credit_application', option_id: null, option_position: null, application_id: 'app_1', page_count: 2, ...extra });
  }

  it('lets the finance manager prepare it and opens the same ceremony', async () => {
    session.signedIn(sessionView('finance_manager'));
    const backend = useBackend({
      list_application_documents: () => [],
      render_application_document: () => appDoc(),
      print_application_copy: () => ({ path: '/x/exports/credit-application-copy.pdf', file_name: 'a.pdf', bytes: 1, sha256: '', opened: true }),
    });
    render(ApplicationDocumentPanel, { applicationId: 'app_1', consented: true });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('application-doc-print'));
    expect(backend.calls('print_application_copy')).toEqual([{ application_id: 'app_1', open: true }]);
    expect(await screen.findByTestId('application-doc-saved')).toHaveTextContent('credit-application-copy.pdf and opened for printing');
    await user.click(screen.getByTestId('application-doc-sign'));
    await waitFor(() => expect(router.route).toEqual({ name: 'contract_sign', id: 'adoc_1' }));
    expect(backend.calls('render_application_document')).toEqual([{ application_id: 'app_1', mode: 'original' }]);
  });

  it('prints a copy of the signed one and offers no signing to finish', async () => {
    session.signedIn(sessionView('sales'));
    const backend = useBackend({
      list_application_documents: () => [appDoc({ status: 'signed' })],
      print_contract_copy: () => ({ path: '/x/exports/signed-copy.pdf', file_name: 's.pdf', bytes: 1, sha256: '', opened: true }),
    });
    render(ApplicationDocumentPanel, { applicationId: 'app_1', consented: true });
    const user = userEvent.setup();
    expect(await screen.findByTestId('application-doc-status')).toHaveAttribute('data-status', 'signed');
    expect(screen.queryByTestId('application-doc-sign')).toBeNull();
    await user.click(screen.getByTestId('application-doc-print'));
    expect(backend.calls('print_contract_copy')).toEqual([{ document_id: 'adoc_1', open: true }]);
  });

  it('waits for the consent', async () => {
    session.signedIn(sessionView('finance_manager'));
    useBackend({ list_application_documents: () => [] });
    render(ApplicationDocumentPanel, { applicationId: 'app_1', consented: false });
    expect(await screen.findByTestId('application-doc-needs-consent')).toBeInTheDocument();
    expect(screen.queryByTestId('application-doc-sign')).toBeNull();
  });

  it('signs through the contract ceremony in the applicant’s words, without a countersignature', async () => {
    session.signedIn(sessionView('finance_manager'));
    const fields: SignatureField[] = [
      { id: 'applicant-sign', kind: 'signature', signer: 'buyer', page: 2, rect: { x: 54, y: 600, width: 300, height: 34 }, label: 'Applicant signature: Maria Garcia' },
    ];
    useBackend({
      contract_ceremony_texts: () => TEXTS,
      contract_signing_status: () => ({
        ...status([], ['buyer']),
        kind: 'credit_application',
        intent: 'I intend to sign this credit application with the signature I adopted here.',
        fields,
        next_field: fields[0] ?? null,
      }),
    });
    render(ContractSigning, { id: 'adoc_1' });
    expect(await screen.findByRole('heading', { name: 'Sign the credit application' })).toBeInTheDocument();
    expect(screen.getByTestId('signing-signers')).toHaveTextContent('Signers: Applicant');
    expect(screen.getByTestId('signing-signers')).not.toHaveTextContent('dealership');
    expect(screen.getByText('I intend to sign this credit application with the signature I adopted here.')).toBeInTheDocument();
  });

  it('shows the ESIGN disclosure Rust words for the document being signed', async () => {
    session.signedIn(sessionView('finance_manager'));
    useBackend({
      contract_ceremony_texts: () => TEXTS,
      contract_signing_status: () => ({
        ...status([], []),
        kind: 'credit_application',
        disclosure: 'CONSENT TO ELECTRONIC RECORDS AND SIGNATURES. You have the right to receive this credit application on paper.',
        disclosure_version: 'esign-consumer-disclosure-credit-application-2026-11',
      }),
    });
    render(ContractSigning, { id: 'adoc_1' });
    const text = await screen.findByTestId('esign-disclosure');
    expect(text).toHaveTextContent('this credit application on paper');
    expect(text).not.toHaveTextContent('right to paper');
  });
});
