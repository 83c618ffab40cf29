//! The UI's TypeScript types are generated from the Rust types that cross IPC. This test fails
//! when `ui/src/lib/api/bindings.ts` is stale; `UPDATE_BINDINGS=1 cargo test --test it bindings`
//! rewrites it.

use dealerdesk_desktop_views::{EnrolmentView, SyncOverview};
use dealerdesk_rules::ids::{
    ApplicationId, CustomerId, DealId, DocumentId, IdentityCheckId, NoticeId, VehicleId,
};
use dealerdesk_services::application::adverse::{
    Bureau, DeliveryMethod, NoticeDue, NoticeKind, NoticeParty, NoticeView, ScoreDisclosure,
};
use dealerdesk_services::application::analytics::{
    Analytics, ApprovalRate, Count, MarkupRow, Pipeline, PipelineFilter, PipelineRow,
    PipelineWindow, TimeToDecision,
};
use dealerdesk_services::application::star::ImportedDecision;
use dealerdesk_services::application::{
    Action, ApplicationDetails, ApplicationFilter, ApplicationInput, ApplicationPage,
    ApplicationState, ApplicationSummary, ApplicationView, ConsentInput, ConsentView, DecisionView,
    EmploymentEntry, HistoryEntry, HousingStatus, Intent, LenderAssessment, LenderDecision,
    LenderView, OtherIncome, Party, ProcessedMessage, Reference, ResidenceEntry, RuleCode,
    RuleFailure, StipCode, StipulationDocumentView, StipulationStatus, StipulationView,
    SubmitReceipt, Unmet,
};
use dealerdesk_services::auth::{
    MfaEnrolment, NewStaff, Permission, Role, SessionView, SignInOutcome, StaffName, StaffView,
};
use dealerdesk_services::contract::jacket::{
    JacketMissing, JacketPart, JacketReport, PrintedJacket,
};
use dealerdesk_services::contract::sign::{
    CeremonyTexts, ConsentInput as EsignConsentInput, SignInput, SigningEvent, SigningStatus,
};
use dealerdesk_services::contract::{
    ContractRecord, DocumentStatus, FieldKind, FieldRect, FileCheck, RenderMode, SignatureField,
    SignatureMark, Signer, VerifyReport,
};
use dealerdesk_services::customer::{
    AddressInput, AddressView, CustomerInput, CustomerPage, CustomerSummary, CustomerUpdate,
    CustomerView, PiiField,
};
use dealerdesk_services::deal::preview::OptionQuote;
use dealerdesk_services::deal::{
    DealFilter, DealInput, DealOptionInput, DealOptionView, DealPage, DealStatus, DealSummary,
    DealView, LeaseTerms, LoanTerms, OptionKind, OptionTerms,
};
use dealerdesk_services::exports::SavedFile;
use dealerdesk_services::home::{HomeFigures, MonthCount};
use dealerdesk_services::identity::aamva::{Licence, LicenceProblem, ProblemCode, Sex};
use dealerdesk_services::identity::red_flags::FlagCode;
use dealerdesk_services::identity::verification::{
    Blocker, CandidateDecision, CandidateView, CheckInput, CheckMethod, CheckOutcome,
    ContactChannel, ContactState, ContactStatusView, Decision, DocumentType, DocumentView,
    ResolutionView, RuleResultView, RuleStatus, SanctionsScreenView, VerificationStatus,
    VerificationView,
};
use dealerdesk_services::ipc::{AppStatus, CommandError, ErrorCode};
use dealerdesk_services::links::desk::DeskLink;
use dealerdesk_services::links::outbox::Channel;
use dealerdesk_services::links::{IssueLink, IssuedLink, LinkPurpose, LinkState, LinkView};
use dealerdesk_services::sync::run::{ConflictView, FieldDiff, SyncReport, SyncStatus};
use dealerdesk_services::vehicle::{
    VehicleCondition, VehicleFilter, VehicleInput, VehiclePage, VehicleStatus, VehicleView,
    VinReport,
};
use dealerdesk_store::audit::{
    AuditEntryView, AuditFilter, AuditOutcome, AuditPage, AuditVerifyReport,
};
use ts_rs::{Config, TS};

fn generate() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorCode::decl(&cfg),
        CommandError::decl(&cfg),
        CustomerId::decl(&cfg),
        VehicleId::decl(&cfg),
        DealId::decl(&cfg),
        ApplicationId::decl(&cfg),
        IdentityCheckId::decl(&cfg),
        DocumentId::decl(&cfg),
        NoticeId::decl(&cfg),
        Role::decl(&cfg),
        StaffView::decl(&cfg),
        StaffName::decl(&cfg),
        Permission::decl(&cfg),
        SessionView::decl(&cfg),
        AppStatus::decl(&cfg),
        MfaEnrolment::decl(&cfg),
        SignInOutcome::decl(&cfg),
        NewStaff::decl(&cfg),
        MonthCount::decl(&cfg),
        HomeFigures::decl(&cfg),
        CustomerSummary::decl(&cfg),
        CustomerPage::decl(&cfg),
        AddressInput::decl(&cfg),
        AddressView::decl(&cfg),
        CustomerInput::decl(&cfg),
        CustomerUpdate::decl(&cfg),
        CustomerView::decl(&cfg),
        PiiField::decl(&cfg),
        AuditOutcome::decl(&cfg),
        AuditFilter::decl(&cfg),
        AuditEntryView::decl(&cfg),
        AuditPage::decl(&cfg),
        AuditVerifyReport::decl(&cfg),
        Sex::decl(&cfg),
        ProblemCode::decl(&cfg),
        LicenceProblem::decl(&cfg),
        Licence::decl(&cfg),
        VehicleCondition::decl(&cfg),
        VehicleStatus::decl(&cfg),
        VehicleInput::decl(&cfg),
        VehicleView::decl(&cfg),
        VehicleFilter::decl(&cfg),
        VehiclePage::decl(&cfg),
        VinReport::decl(&cfg),
        DealStatus::decl(&cfg),
        OptionKind::decl(&cfg),
        LoanTerms::decl(&cfg),
        LeaseTerms::decl(&cfg),
        OptionTerms::decl(&cfg),
        DealOptionInput::decl(&cfg),
        DealInput::decl(&cfg),
        DealOptionView::decl(&cfg),
        DealView::decl(&cfg),
        DealSummary::decl(&cfg),
        DealFilter::decl(&cfg),
        DealPage::decl(&cfg),
        OptionQuote::decl(&cfg),
        FlagCode::decl(&cfg),
        DocumentType::decl(&cfg),
        CheckMethod::decl(&cfg),
        CheckInput::decl(&cfg),
        RuleStatus::decl(&cfg),
        Decision::decl(&cfg),
        ResolutionView::decl(&cfg),
        RuleResultView::decl(&cfg),
        CandidateView::decl(&cfg),
        SanctionsScreenView::decl(&cfg),
        DocumentView::decl(&cfg),
        CheckOutcome::decl(&cfg),
        VerificationStatus::decl(&cfg),
        ContactChannel::decl(&cfg),
        ContactState::decl(&cfg),
        ContactStatusView::decl(&cfg),
        VerificationView::decl(&cfg),
        Blocker::decl(&cfg),
        CandidateDecision::decl(&cfg),
        LinkPurpose::decl(&cfg),
        LinkState::decl(&cfg),
        IssueLink::decl(&cfg),
        IssuedLink::decl(&cfg),
        LinkView::decl(&cfg),
        Channel::decl(&cfg),
        DeskLink::decl(&cfg),
        ApplicationState::decl(&cfg),
        Action::decl(&cfg),
        Unmet::decl(&cfg),
        Party::decl(&cfg),
        Intent::decl(&cfg),
        HousingStatus::decl(&cfg),
        ResidenceEntry::decl(&cfg),
        EmploymentEntry::decl(&cfg),
        OtherIncome::decl(&cfg),
        Reference::decl(&cfg),
        ApplicationInput::decl(&cfg),
        ApplicationDetails::decl(&cfg),
        ConsentInput::decl(&cfg),
        ConsentView::decl(&cfg),
        HistoryEntry::decl(&cfg),
        LenderDecision::decl(&cfg),
        DecisionView::decl(&cfg),
        StipCode::decl(&cfg),
        StipulationStatus::decl(&cfg),
        StipulationDocumentView::decl(&cfg),
        StipulationView::decl(&cfg),
        ApplicationView::decl(&cfg),
        ApplicationSummary::decl(&cfg),
        ApplicationFilter::decl(&cfg),
        ApplicationPage::decl(&cfg),
        PipelineFilter::decl(&cfg),
        PipelineRow::decl(&cfg),
        Count::decl(&cfg),
        PipelineWindow::decl(&cfg),
        Pipeline::decl(&cfg),
        ApprovalRate::decl(&cfg),
        TimeToDecision::decl(&cfg),
        MarkupRow::decl(&cfg),
        Analytics::decl(&cfg),
        NoticeKind::decl(&cfg),
        DeliveryMethod::decl(&cfg),
        NoticeParty::decl(&cfg),
        Bureau::decl(&cfg),
        ScoreDisclosure::decl(&cfg),
        NoticeView::decl(&cfg),
        NoticeDue::decl(&cfg),
        SavedFile::decl(&cfg),
        ImportedDecision::decl(&cfg),
        RenderMode::decl(&cfg),
        DocumentStatus::decl(&cfg),
        FieldKind::decl(&cfg),
        Signer::decl(&cfg),
        FieldRect::decl(&cfg),
        SignatureField::decl(&cfg),
        ContractRecord::decl(&cfg),
        VerifyReport::decl(&cfg),
        FileCheck::decl(&cfg),
        SignatureMark::decl(&cfg),
        EsignConsentInput::decl(&cfg),
        SignInput::decl(&cfg),
        SigningEvent::decl(&cfg),
        SigningStatus::decl(&cfg),
        CeremonyTexts::decl(&cfg),
        JacketPart::decl(&cfg),
        JacketMissing::decl(&cfg),
        JacketReport::decl(&cfg),
        PrintedJacket::decl(&cfg),
        RuleCode::decl(&cfg),
        RuleFailure::decl(&cfg),
        LenderAssessment::decl(&cfg),
        LenderView::decl(&cfg),
        SubmitReceipt::decl(&cfg),
        ProcessedMessage::decl(&cfg),
        SyncStatus::decl(&cfg),
        SyncReport::decl(&cfg),
        FieldDiff::decl(&cfg),
        ConflictView::decl(&cfg),
        EnrolmentView::decl(&cfg),
        SyncOverview::decl(&cfg),
    ];
    let mut out = String::from(
        "// GENERATED from the Rust types by `UPDATE_BINDINGS=1 cargo test --test it bindings`.\n\
         // Do not edit by hand: `cargo test` fails when this file is stale.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/api/bindings.ts");
    let fresh = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/api/bindings.ts is stale; run `UPDATE_BINDINGS=1 cargo test --test it bindings` and commit it"
    );
}
