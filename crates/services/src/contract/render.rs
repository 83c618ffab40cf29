//! The contract documents themselves, laid out on US Letter pages with [`crate::pdf`]: a retail
//! installment sale contract for a loan option and a closed-end motor vehicle lease for a lease
//! option.
//!
//! Every figure printed comes from the option's stored quote document (`{kind, input, limits,
//! quote, disclosure}`, the canonical JSON the desk saved); nothing is priced here. The renderer
//! is pure: the same [`ContractInput`], mode and signatures give the same bytes.
//!
//! The renderer also returns the signature and initial fields it laid out (page and rectangle),
//! so a signing ceremony can ask for each in order and draw the adopted signatures into them on
//! the next render.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ContractError;
use dealerdesk_pdf::{self as pdf, Align, DocInfo, Document, TextStyle, LETTER_WIDTH};
use dealerdesk_rules::ids::DocumentId;
use dealerdesk_rules::money::Money;
use dealerdesk_store::crypto::sha256_hex;

/// The FTC Holder Rule notice, verbatim from 16 CFR 433.2(a); printed in bold, at least 10-point.
pub const HOLDER_NOTICE: &str = "NOTICE: ANY HOLDER OF THIS CONSUMER CREDIT CONTRACT IS SUBJECT \
TO ALL CLAIMS AND DEFENSES WHICH THE DEBTOR COULD ASSERT AGAINST THE SELLER OF GOODS OR SERVICES \
OBTAINED PURSUANT HERETO OR WITH THE PROCEEDS HEREOF. RECOVERY HEREUNDER BY THE DEBTOR SHALL NOT \
EXCEED AMOUNTS PAID BY THE DEBTOR HEREUNDER.";

/// Height the lease's segregated disclosures need (heading, the four figures, the itemization
/// of the amount due and the payment calculation), so they start on a page that holds them all.
const SEGREGATED_HEIGHT: f32 = 500.0;

/// Title of the lease's segregated Regulation M box.
pub const REG_M_BOX_TITLE: &str = "FEDERAL CONSUMER LEASING ACT DISCLOSURES";
/// Title of the retail installment contract's Truth in Lending box.
pub const TILA_BOX_TITLE: &str = "FEDERAL TRUTH-IN-LENDING DISCLOSURES";

/// Authoritative (the one original) or a copy stamped COPY on every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum RenderMode {
    Original,
    Copy,
}

impl RenderMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::Original => "original",
            RenderMode::Copy => "copy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Signature,
    Initial,
}

/// Who signs a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    Buyer,
    CoBuyer,
    Dealer,
}

impl Signer {
    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Buyer => "buyer",
            Signer::CoBuyer => "co_buyer",
            Signer::Dealer => "dealer",
        }
    }
}

/// A rectangle on a page, in points from the page's TOP-left corner (US Letter, 612 × 792).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldRect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// A place a party signs or initials. Ids are stable for the same deal and kind of contract
/// (`buyer-sign`, `co_buyer-initial-1` …), in the order the ceremony should ask for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SignatureField {
    pub id: String,
    pub kind: FieldKind,
    pub signer: Signer,
    /// 1-based page number.
    pub page: u32,
    pub rect: FieldRect,
    /// What the field is for ("Buyer signature", "Buyer initials: optional products").
    pub label: String,
}

/// What a signer adopted for a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SignatureMark {
    /// An adopted typed signature: the signer's name as they typed it.
    Typed { name: String },
    /// A drawn signature as PNG bytes (at most 2000 × 1000 pixels), drawn into the field.
    Drawn {
        #[ts(type = "number[]")]
        png: Vec<u8>,
    },
}

/// A signature already given for a field, drawn into it on render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppliedSignature {
    pub field_id: String,
    pub mark: SignatureMark,
    /// When it was given, as printed under the mark (e.g. "2026-11-25 15:02 UTC").
    pub signed_at: String,
}

/// A party as the contract names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractParty {
    pub name: String,
    /// Address lines (may be empty).
    pub address: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractVehicle {
    pub year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub vin: String,
    /// "new" or "used".
    pub condition: String,
    pub odometer: i64,
}

/// Everything a contract is rendered from. `quote_document` is the option's stored canonical
/// JSON exactly as saved. Stored with each document, so signing re-renders the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractInput {
    /// Stable id of this document (becomes the PDF's /ID and identifier).
    pub document_id: DocumentId,
    /// Printed as the contract number.
    pub contract_number: String,
    /// The only time written into the file.
    pub created: DateTime<Utc>,
    pub dealer: ContractParty,
    pub buyer: ContractParty,
    pub co_buyer: Option<ContractParty>,
    pub vehicle: ContractVehicle,
    pub quote_document: String,
}

/// A rendered contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    pub page_count: u32,
    pub fields: Vec<SignatureField>,
    /// "retail_installment" or "lease".
    pub kind: &'static str,
}

/// One line of the certificate of completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CertificateEvent {
    pub seq: u32,
    /// RFC 3339 UTC.
    pub at: String,
    /// "consent" or "sign".
    pub kind: String,
    pub signer: Signer,
    pub signer_name: String,
    /// "esign_consent", "typed" or "drawn".
    pub method: String,
    pub field_id: Option<String>,
    pub device: String,
    /// The staff member who ran the ceremony.
    pub actor: String,
    pub sha256_before: String,
    pub sha256_after: String,
}

/// The certificate of completion appended when a signed contract is sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Certificate {
    /// The unsigned document the ceremony started from, and its SHA-256.
    pub draft_document_id: DocumentId,
    pub draft_sha256: String,
    /// Version and title of the ESIGN consumer disclosure the signers consented to.
    pub disclosure: String,
    pub events: Vec<CertificateEvent>,
}

// ----- the stored quote document, as read back ------------------------------------------------

#[derive(Deserialize)]
struct KindOnly {
    kind: String,
}

#[derive(Deserialize)]
struct LoanDoc {
    input: LoanIn,
    quote: LoanQ,
    disclosure: Tila,
}

#[derive(Deserialize)]
struct LoanIn {
    price: String,
    addons: String,
    taxes_fees: String,
    dealer_fees: String,
    down: String,
    trade: String,
    payoff: String,
    rebate: String,
    rate: String,
}

#[derive(Deserialize)]
struct LoanQ {
    cash_price: String,
    negative_equity: String,
    total_down_payment: String,
    term: u32,
    contract_date: NaiveDate,
}

#[derive(Deserialize)]
struct Tila {
    annual_percentage_rate: String,
    finance_charge: String,
    amount_financed: String,
    total_of_payments: String,
    total_sale_price: String,
    downpayment: String,
    payment_schedule: Vec<ScheduleLine>,
    late_charge: String,
    prepayment: String,
    security_interest: String,
    contract_reference: String,
}

#[derive(Deserialize)]
struct ScheduleLine {
    number_of_payments: u32,
    amount: String,
    first_due: NaiveDate,
    when_due: String,
}

#[derive(Deserialize)]
struct LeaseDoc {
    disclosure: RegM,
}

#[derive(Deserialize)]
struct RegM {
    segregated: Segregated,
    purchase_option_price: String,
    excess_mileage_rate: Option<String>,
    mileage_allowance_per_year: Option<u32>,
    early_termination_warning: String,
    rate_info: RateInfo,
}

#[derive(Deserialize)]
struct Segregated {
    amount_due_at_signing: DueAtSigning,
    how_paid: HowPaid,
    monthly_payments: MonthlyPayments,
    other_charges: OtherCharges,
    total_of_payments: String,
    payment_calculation: PaymentCalc,
}

#[derive(Deserialize)]
struct DueAtSigning {
    cap_cost_reduction: String,
    first_monthly_payment: String,
    security_deposit: String,
    title_fees: String,
    registration_fees: String,
    acquisition_fee: String,
    total: String,
}

#[derive(Deserialize)]
struct HowPaid {
    net_trade_in_allowance: String,
    rebates_and_noncash_credits: String,
    cash: String,
    total: String,
}

#[derive(Deserialize)]
struct MonthlyPayments {
    first_payment: String,
    following_payments: u32,
    payment: String,
    total: String,
}

#[derive(Deserialize)]
struct OtherCharges {
    disposition_fee: String,
    total: String,
}

#[derive(Deserialize)]
struct PaymentCalc {
    agreed_value: String,
    gross_capitalized_cost: String,
    capitalized_cost_reduction: String,
    adjusted_capitalized_cost: String,
    residual_value: String,
    depreciation_and_amortized_amounts: String,
    rent_charge: String,
    total_of_base_monthly_payments: String,
    lease_term: u32,
    base_monthly_payment: String,
    monthly_sales_use_tax: String,
    total_monthly_payment: String,
}

#[derive(Deserialize)]
struct RateInfo {
    label: String,
    percent: String,
    notice: String,
}

pub(super) fn damaged(what: impl std::fmt::Display) -> ContractError {
    ContractError::QuoteDamaged(what.to_string())
}

/// `"4250.00"` → `$4,250.00`; anything else in the stored document is damage.
pub(super) fn usd(plain: &str) -> Result<String, ContractError> {
    Money::parse_user(plain)
        .map(|m| m.to_string())
        .map_err(|_| damaged(format!("the amount {plain:?} is not money")))
}

/// MM/DD/YYYY, as customers write dates.
pub(super) fn us_date(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

// ----- layout helpers ---------------------------------------------------------------------------

pub(super) const BODY: TextStyle = TextStyle::regular(8.5);
pub(super) const SMALL: TextStyle = TextStyle::regular(7.5);
pub(super) const HEAD: TextStyle = TextStyle::bold(10.0);
const CELL_PAD: f32 = 5.0;

pub(super) fn lh(style: TextStyle) -> f32 {
    style.size * style.leading
}

/// One boxed disclosure: a bold title, a description and the figure, like the federal boxes.
pub(super) struct Cell {
    pub(super) title: String,
    pub(super) desc: String,
    pub(super) figure: String,
}

/// A document with a running header on every page (and the COPY stamp in copy mode), the
/// fields laid out so far and the signatures to draw into them.
pub(super) struct Sheet<'a> {
    pub(super) doc: Document,
    header: String,
    copy: bool,
    stamped: usize,
    fields: Vec<SignatureField>,
    signatures: &'a [AppliedSignature],
}

impl<'a> Sheet<'a> {
    pub(super) fn new(
        info: DocInfo,
        header: String,
        mode: RenderMode,
        signatures: &'a [AppliedSignature],
    ) -> Result<Self, ContractError> {
        let mut s = Sheet {
            doc: Document::new(info)?,
            header,
            copy: mode == RenderMode::Copy,
            stamped: 0,
            fields: Vec::new(),
            signatures,
        };
        s.mark()?;
        Ok(s)
    }

    /// Draws the header (and COPY stamp) on pages not yet marked. Drawing always goes to the
    /// newest page, and no block here is taller than a page, so a page is never skipped.
    pub(super) fn mark(&mut self) -> Result<(), ContractError> {
        while self.stamped < self.doc.page_count() {
            let left = self.doc.left();
            self.doc
                .text_at(left, 30.0, &self.header, SMALL.with_grey(0.35))?;
            if self.copy {
                let style = TextStyle::bold(24.0).with_grey(0.45);
                let w = pdf::text_width("COPY", style)?;
                let x = LETTER_WIDTH - left - w;
                self.doc.text_at(x, 40.0, "COPY", style)?;
                let note = "Not the authoritative contract";
                let ns = SMALL.with_grey(0.45);
                let nw = pdf::text_width(note, ns)?;
                self.doc
                    .text_at(LETTER_WIDTH - left - w - nw - 8.0, 40.0, note, ns)?;
            }
            self.stamped += 1;
        }
        Ok(())
    }

    pub(super) fn para(&mut self, text: &str, style: TextStyle) -> Result<(), ContractError> {
        self.doc.paragraph(text, style, Align::Left)?;
        self.mark()
    }

    pub(super) fn centered(&mut self, text: &str, style: TextStyle) -> Result<(), ContractError> {
        self.doc.paragraph(text, style, Align::Center)?;
        self.mark()
    }

    pub(super) fn heading(&mut self, text: &str) -> Result<(), ContractError> {
        self.doc.ensure(lh(HEAD) + 3.0 * lh(BODY))?;
        self.mark()?;
        self.doc.space(6.0);
        self.doc.paragraph(text, HEAD, Align::Left)?;
        self.doc.space(2.0);
        self.mark()
    }

    pub(super) fn space(&mut self, pt: f32) {
        self.doc.space(pt);
    }

    /// Label on the left, amount right-aligned, on one line; `bold` for totals.
    pub(super) fn amount_line(
        &mut self,
        indent: f32,
        label: &str,
        amount: &str,
        bold: bool,
    ) -> Result<(), ContractError> {
        let style = if bold { TextStyle::bold(8.5) } else { BODY };
        let h = lh(style);
        self.doc.ensure(h)?;
        self.mark()?;
        let top = self.doc.cursor();
        let baseline = top + (h - style.size) / 2.0 + style.size * 0.8;
        let x = self.doc.left() + indent;
        self.doc.text_at(x, baseline, label, style)?;
        let w = pdf::text_width(amount, style)?;
        let right = self.doc.left() + self.doc.content_width() - 4.0;
        self.doc.text_at(right - w, baseline, amount, style)?;
        // A dotted leader would be noise in the extracted text; a hairline keeps the eye level.
        self.doc.space(h);
        Ok(())
    }

    /// A row of equal-width boxed cells; every figure sits on one common baseline.
    pub(super) fn cells(&mut self, cells: &[Cell]) -> Result<(), ContractError> {
        self.cells_weighted(cells, &vec![1.0; cells.len()], 11.0)
    }

    /// A row of boxed cells whose widths follow `weights`; every figure sits on one common
    /// baseline, in bold at `figure_size`.
    pub(super) fn cells_weighted(
        &mut self,
        cells: &[Cell],
        weights: &[f32],
        figure_size: f32,
    ) -> Result<(), ContractError> {
        let total_w = self.doc.content_width();
        let sum: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
        let widths: Vec<f32> = (0..cells.len())
            .map(|i| total_w * weights.get(i).copied().unwrap_or(1.0) / sum)
            .collect();
        let title = TextStyle::bold(8.5);
        let desc = TextStyle::regular(7.0);
        let fig = TextStyle::bold(figure_size);
        let mut wrapped = Vec::with_capacity(cells.len());
        let mut above = 0.0f32;
        let mut fig_lines = 1usize;
        for (c, w) in cells.iter().zip(&widths) {
            let inner = w - 2.0 * CELL_PAD;
            let t = pdf::wrap(&c.title, title, inner)?;
            let d = pdf::wrap(&c.desc, desc, inner)?;
            let f = pdf::wrap(&c.figure, fig, inner)?;
            above = above.max(t.len() as f32 * lh(title) + 2.0 + d.len() as f32 * lh(desc));
            fig_lines = fig_lines.max(f.len());
            wrapped.push((t, d, f));
        }
        let height = CELL_PAD + above + 4.0 + fig_lines as f32 * lh(fig) + CELL_PAD;
        self.doc.ensure(height)?;
        self.mark()?;
        let top = self.doc.cursor();
        let mut x = self.doc.left();
        for ((t, d, f), w) in wrapped.iter().zip(&widths) {
            let w = *w;
            self.doc.stroke_rect(x, top, w, height, 0.9);
            let mut y = top + CELL_PAD;
            for line in t {
                self.doc
                    .text_at(x + CELL_PAD, y + title.size * 0.9, line, title)?;
                y += lh(title);
            }
            y += 2.0;
            for line in d {
                self.doc
                    .text_at(x + CELL_PAD, y + desc.size * 0.9, line, desc)?;
                y += lh(desc);
            }
            let mut fy = top + CELL_PAD + above + 4.0;
            for line in f {
                self.doc
                    .text_at(x + CELL_PAD, fy + fig.size * 0.9, line, fig)?;
                fy += lh(fig);
            }
            x += w;
        }
        self.doc.space(height);
        Ok(())
    }

    /// Wrapped lines inside a box spanning the column, at `style`; `fill` grey behind.
    pub(super) fn boxed_text(
        &mut self,
        text: &str,
        style: TextStyle,
        fill: Option<f32>,
    ) -> Result<(), ContractError> {
        let pad = 6.0;
        let width = self.doc.content_width() - 2.0 * pad;
        let lines = pdf::wrap(text, style, width)?;
        let height = lines.len() as f32 * lh(style) + 2.0 * pad;
        self.doc.ensure(height)?;
        self.mark()?;
        let top = self.doc.cursor();
        let left = self.doc.left();
        if let Some(g) = fill {
            self.doc
                .fill_rect(left, top, self.doc.content_width(), height, g);
        }
        self.doc
            .stroke_rect(left, top, self.doc.content_width(), height, 1.0);
        self.doc.space(pad);
        self.doc
            .paragraph_in(left + pad, width, text, style, Align::Left)?;
        self.doc.space(pad);
        self.mark()
    }

    /// A signature or initial field at `x` on the current line, `width` wide; returns its
    /// height. The caller moves the cursor.
    pub(super) fn field_at(
        &mut self,
        x: f32,
        width: f32,
        id: &str,
        kind: FieldKind,
        signer: Signer,
        label: &str,
    ) -> Result<f32, ContractError> {
        let height = match kind {
            FieldKind::Signature => 34.0,
            FieldKind::Initial => 26.0,
        };
        let top = self.doc.cursor();
        let page = u32::try_from(self.doc.page_count()).unwrap_or(u32::MAX);
        // The line to sign on, the label under it.
        self.doc.line(x, top + height, x + width, top + height, 0.7);
        self.doc
            .text_at(x, top + height + 8.5, label, SMALL.with_grey(0.2))?;
        if let Some(sig) = self.signatures.iter().find(|s| s.field_id == id) {
            match &sig.mark {
                SignatureMark::Typed { name } => {
                    let style = TextStyle::regular(match kind {
                        FieldKind::Signature => 14.0,
                        FieldKind::Initial => 11.0,
                    });
                    let shown = match kind {
                        FieldKind::Signature => name.trim().to_string(),
                        FieldKind::Initial => initials(name),
                    };
                    self.doc
                        .text_at(x + 4.0, top + height - 10.0, &shown, style)?;
                    let note = format!("Signed electronically {}", sig.signed_at.trim());
                    self.doc.text_at(
                        x + 4.0,
                        top + height - 1.5,
                        &note,
                        TextStyle::regular(5.5).with_grey(0.3),
                    )?;
                }
                SignatureMark::Drawn { png } => {
                    let (rgba, w, h) = decode_png(png)?;
                    self.doc.image_rgba(
                        rgba,
                        w,
                        h,
                        x + 2.0,
                        top + 1.0,
                        width - 4.0,
                        height - 9.0,
                    )?;
                    let note = format!("Signed electronically {}", sig.signed_at.trim());
                    self.doc.text_at(
                        x + 4.0,
                        top + height - 1.5,
                        &note,
                        TextStyle::regular(5.5).with_grey(0.3),
                    )?;
                }
            }
        }
        self.fields.push(SignatureField {
            id: id.to_string(),
            kind,
            signer,
            page,
            rect: FieldRect {
                x,
                y: top,
                width,
                height,
            },
            label: label.to_string(),
        });
        Ok(height + 12.0)
    }

    /// Initial fields for the buyer and co-buyer side by side, after a clause.
    pub(super) fn initials_row(
        &mut self,
        n: usize,
        co_buyer: bool,
        what: &str,
    ) -> Result<(), ContractError> {
        self.doc.ensure(44.0)?;
        self.mark()?;
        self.doc.space(4.0);
        let left = self.doc.left();
        let h = self.field_at(
            left,
            110.0,
            &format!("buyer-initial-{n}"),
            FieldKind::Initial,
            Signer::Buyer,
            &format!("Buyer initials: {what}"),
        )?;
        if co_buyer {
            self.field_at(
                left + 250.0,
                110.0,
                &format!("co_buyer-initial-{n}"),
                FieldKind::Initial,
                Signer::CoBuyer,
                &format!("Co-buyer initials: {what}"),
            )?;
        }
        self.doc.space(h);
        Ok(())
    }

    /// A signature line with a date line beside it.
    pub(super) fn signature_line(
        &mut self,
        id: &str,
        signer: Signer,
        label: &str,
    ) -> Result<(), ContractError> {
        self.doc.ensure(52.0)?;
        self.mark()?;
        self.doc.space(6.0);
        let left = self.doc.left();
        let h = self.field_at(left, 300.0, id, FieldKind::Signature, signer, label)?;
        let top = self.doc.cursor();
        let dx = left + 330.0;
        self.doc.line(dx, top + 34.0, dx + 120.0, top + 34.0, 0.7);
        self.doc
            .text_at(dx, top + 42.5, "Date", SMALL.with_grey(0.2))?;
        if let Some(sig) = self.signatures.iter().find(|s| s.field_id == id) {
            let date: String = sig.signed_at.trim().chars().take(10).collect();
            self.doc
                .text_at(dx + 4.0, top + 24.0, &date, TextStyle::regular(10.0))?;
        }
        self.doc.space(h);
        Ok(())
    }

    pub(super) fn finish(self) -> Result<(Vec<u8>, u32, Vec<SignatureField>), ContractError> {
        let pages = u32::try_from(self.doc.page_count()).unwrap_or(u32::MAX);
        let bytes = self.doc.finish()?;
        Ok((bytes, pages, self.fields))
    }
}

/// Largest drawn signature image, in pixels.
pub const MAX_SIGNATURE_PIXELS: (usize, usize) = (2000, 1000);

/// A PNG as RGBA pixels (8 bits a channel): any PNG colour type and depth is normalized.
fn decode_png(bytes: &[u8]) -> Result<(Vec<u8>, usize, usize), ContractError> {
    let bad = || ContractError::Signing {
        field: "mark",
        message: "the drawn signature is not a readable PNG image; draw it again".into(),
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| bad())?;
    let (w, h) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    if w == 0 || h == 0 || w > MAX_SIGNATURE_PIXELS.0 || h > MAX_SIGNATURE_PIXELS.1 {
        return Err(ContractError::Signing {
            field: "mark",
            message: format!(
                "the drawn signature image is {w} × {h} pixels; at most {} × {} fit",
                MAX_SIGNATURE_PIXELS.0, MAX_SIGNATURE_PIXELS.1
            ),
        });
    }
    let mut buf = vec![0u8; reader.output_buffer_size().ok_or_else(bad)?];
    let info = reader.next_frame(&mut buf).map_err(|_| bad())?;
    let data = buf.get(..info.line_size * h).ok_or_else(bad)?;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for row in data.chunks_exact(info.line_size) {
        match info.color_type {
            png::ColorType::Grayscale => {
                for g in row.iter().take(w) {
                    rgba.extend_from_slice(&[*g, *g, *g, 255]);
                }
            }
            png::ColorType::GrayscaleAlpha => {
                for px in row.chunks_exact(2).take(w) {
                    rgba.extend_from_slice(&[px[0], px[0], px[0], px[1]]);
                }
            }
            png::ColorType::Rgb => {
                for px in row.chunks_exact(3).take(w) {
                    rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
                }
            }
            png::ColorType::Rgba => rgba.extend_from_slice(row.get(..w * 4).ok_or_else(bad)?),
            png::ColorType::Indexed => return Err(bad()),
        }
    }
    if rgba.len() != w * h * 4 {
        return Err(bad());
    }
    Ok((rgba, w, h))
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

pub(super) fn party_text(role: &str, p: &ContractParty) -> String {
    let mut s = format!("{role}: {}", p.name.trim());
    for line in p.address.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        s.push_str("\n   ");
        s.push_str(line);
    }
    s
}

fn vehicle_cells(v: &ContractVehicle) -> Vec<Cell> {
    let model = match v.trim.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{} {}", v.model, t),
        None => v.model.clone(),
    };
    vec![
        Cell {
            title: "New/Used".into(),
            desc: String::new(),
            figure: if v.condition == "new" { "New" } else { "Used" }.into(),
        },
        Cell {
            title: "Year".into(),
            desc: String::new(),
            figure: v.year.to_string(),
        },
        Cell {
            title: "Make".into(),
            desc: String::new(),
            figure: v.make.clone(),
        },
        Cell {
            title: "Model".into(),
            desc: String::new(),
            figure: model,
        },
        Cell {
            title: "Vehicle Identification Number".into(),
            desc: format!("Odometer {} miles", grouped(v.odometer)),
            figure: v.vin.clone(),
        },
    ]
}

/// 41250 → "41,250".
pub(super) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The vehicle row: the VIN needs the widest cell.
pub(super) fn vehicle_row(s: &mut Sheet<'_>, v: &ContractVehicle) -> Result<(), ContractError> {
    s.cells_weighted(&vehicle_cells(v), &[0.8, 0.6, 1.1, 1.5, 2.2], 10.0)
}

fn signers_block(
    s: &mut Sheet<'_>,
    input: &ContractInput,
    buyer_word: &str,
    dealer_word: &str,
) -> Result<(), ContractError> {
    s.signature_line(
        "buyer-sign",
        Signer::Buyer,
        &format!("{buyer_word} signature: {}", input.buyer.name.trim()),
    )?;
    if let Some(co) = &input.co_buyer {
        s.signature_line(
            "co_buyer-sign",
            Signer::CoBuyer,
            &format!(
                "Co-{} signature: {}",
                buyer_word.to_lowercase(),
                co.name.trim()
            ),
        )?;
    }
    s.signature_line(
        "dealer-sign",
        Signer::Dealer,
        &format!(
            "{dealer_word}: {} (by its authorized representative)",
            input.dealer.name.trim()
        ),
    )
}

/// The certificate of completion: the event trail of the signing ceremony, on its own page(s).
fn certificate_page(
    s: &mut Sheet<'_>,
    input: &ContractInput,
    c: &Certificate,
) -> Result<(), ContractError> {
    certificate_pages(
        s,
        &format!("Contract no. {}", input.contract_number),
        c,
        |signer| signer.as_str().replace('_', "-"),
    )
}

/// The certificate of completion of any document signed through the ceremony: `number` names
/// the document ("Contract no. 1234-1"), `party` words a signer as the document calls them.
pub(super) fn certificate_pages(
    s: &mut Sheet<'_>,
    number: &str,
    c: &Certificate,
    party: impl Fn(Signer) -> String,
) -> Result<(), ContractError> {
    s.doc.new_page();
    s.mark()?;
    s.centered("CERTIFICATE OF COMPLETION", TextStyle::bold(14.0))?;
    s.centered("Electronic signature record", TextStyle::regular(9.0))?;
    s.space(6.0);
    s.para(
        &format!(
            "{number}. Document signed: {}. SHA-256 of the unsigned document: {}. \
Consumer disclosure and consent: {}.",
            c.draft_document_id, c.draft_sha256, c.disclosure
        ),
        BODY,
    )?;
    s.para(
        "Each event below records who acted, when (UTC), on which device, by which method, and the \
SHA-256 of the document immediately before and after the event. This certificate is part of the \
sealed document; the SHA-256 of the sealed file is recorded in the dealership's audit log.",
        SMALL,
    )?;
    for e in &c.events {
        s.heading(&format!(
            "{}. {} — {} ({})",
            e.seq,
            match e.kind.as_str() {
                "consent" => "Consent to electronic records and signatures",
                _ => "Signature",
            },
            e.signer_name.trim(),
            party(e.signer)
        ))?;
        let field = e
            .field_id
            .as_deref()
            .map(|f| format!("Field: {f}. "))
            .unwrap_or_default();
        s.para(
            &format!(
                "Time: {}. {field}Method: {}. Device: {}. Hosted by: {}.",
                e.at,
                e.method,
                e.device.trim(),
                e.actor
            ),
            BODY,
        )?;
        s.para(
            &format!(
                "Document SHA-256 before: {}\nDocument SHA-256 after: {}",
                e.sha256_before, e.sha256_after
            ),
            SMALL,
        )?;
    }
    Ok(())
}

/// Renders the contract for the option's stored quote: a retail installment sale contract for
/// a loan, a closed-end vehicle lease for a lease.
pub fn render(
    input: &ContractInput,
    mode: RenderMode,
    signatures: &[AppliedSignature],
) -> Result<Rendered, ContractError> {
    render_with(input, mode, signatures, None)
}

/// [`render`], ending with a certificate of completion page when `certificate` is given (a
/// sealed, signed contract).
pub fn render_with(
    input: &ContractInput,
    mode: RenderMode,
    signatures: &[AppliedSignature],
    certificate: Option<&Certificate>,
) -> Result<Rendered, ContractError> {
    let kind: KindOnly = serde_json::from_str(&input.quote_document).map_err(damaged)?;
    let (bytes, page_count, fields, kind) = match kind.kind.as_str() {
        "loan" => {
            let doc: LoanDoc = serde_json::from_str(&input.quote_document).map_err(damaged)?;
            let (b, p, f) = risc(input, &doc, mode, signatures, certificate)?;
            (b, p, f, "retail_installment")
        }
        "lease" => {
            let doc: LeaseDoc = serde_json::from_str(&input.quote_document).map_err(damaged)?;
            let (b, p, f) = lease(input, &doc, mode, signatures, certificate)?;
            (b, p, f, "lease")
        }
        other => return Err(damaged(format!("unknown option kind {other:?}"))),
    };
    if let Some(unknown) = signatures
        .iter()
        .find(|s| !fields.iter().any(|f| f.id == s.field_id))
    {
        return Err(ContractError::UnknownField(unknown.field_id.clone()));
    }
    Ok(Rendered {
        sha256: sha256_hex(&bytes),
        bytes,
        page_count,
        fields,
        kind,
    })
}

pub(super) type Laid = (Vec<u8>, u32, Vec<SignatureField>);

fn risc(
    input: &ContractInput,
    d: &LoanDoc,
    mode: RenderMode,
    signatures: &[AppliedSignature],
    certificate: Option<&Certificate>,
) -> Result<Laid, ContractError> {
    let t = &d.disclosure;
    let dealer = input.dealer.name.trim();
    let info = DocInfo {
        title: "Retail Installment Sale Contract".into(),
        subject: format!(
            "{} {} {} for {}",
            input.vehicle.year,
            input.vehicle.make,
            input.vehicle.model,
            input.buyer.name.trim()
        ),
        author: dealer.to_string(),
        document_id: input.document_id.to_string(),
        created: input.created,
    };
    let header = format!(
        "{dealer} · Retail Installment Sale Contract · Contract no. {}",
        input.contract_number
    );
    let mut s = Sheet::new(info, header, mode, signatures)?;
    let co = input.co_buyer.is_some();

    s.centered("RETAIL INSTALLMENT SALE CONTRACT", TextStyle::bold(15.0))?;
    s.centered("Simple Finance Charge", TextStyle::regular(9.0))?;
    s.space(4.0);
    s.para(
        &format!(
            "Contract no. {}    Contract date: {}",
            input.contract_number,
            us_date(d.quote.contract_date)
        ),
        BODY,
    )?;
    s.space(4.0);
    s.para(&party_text("Seller-Creditor", &input.dealer), BODY)?;
    s.para(&party_text("Buyer", &input.buyer), BODY)?;
    if let Some(c) = &input.co_buyer {
        s.para(&party_text("Co-Buyer", c), BODY)?;
    }
    s.space(4.0);
    s.para(
        "You, the Buyer (and Co-Buyer, if any), may buy the vehicle below for cash or on credit. \
By signing this contract, you choose to buy the vehicle on credit under the agreements in this \
contract. You agree to pay the Seller-Creditor (sometimes \"we\" or \"us\") the Amount Financed \
and Finance Charge in U.S. funds according to the payment schedule below. We will figure your \
finance charge on a daily basis. The Truth-In-Lending Disclosures below are part of this contract.",
        BODY,
    )?;
    s.space(4.0);
    vehicle_row(&mut s, &input.vehicle)?;

    s.heading(TILA_BOX_TITLE)?;
    s.cells(&[
        Cell {
            title: "ANNUAL PERCENTAGE RATE".into(),
            desc: "The cost of your credit as a yearly rate.".into(),
            figure: format!("{} %", t.annual_percentage_rate),
        },
        Cell {
            title: "FINANCE CHARGE".into(),
            desc: "The dollar amount the credit will cost you.".into(),
            figure: usd(&t.finance_charge)?,
        },
        Cell {
            title: "Amount Financed".into(),
            desc: "The amount of credit provided to you or on your behalf.".into(),
            figure: usd(&t.amount_financed)?,
        },
        Cell {
            title: "Total of Payments".into(),
            desc: "The amount you will have paid after you have made all payments as scheduled."
                .into(),
            figure: usd(&t.total_of_payments)?,
        },
        Cell {
            title: "Total Sale Price".into(),
            desc: format!(
                "The total cost of your purchase on credit, including your downpayment of {}.",
                usd(&t.downpayment)?
            ),
            figure: usd(&t.total_sale_price)?,
        },
    ])?;
    s.space(6.0);
    s.para("Your payment schedule will be:", TextStyle::bold(8.5))?;
    s.amount_line(
        0.0,
        "Number of payments      When payments are due",
        "Amount of each payment",
        true,
    )?;
    for line in &t.payment_schedule {
        let when = if line.when_due == "final" {
            format!("Final payment due {}", us_date(line.first_due))
        } else {
            format!("Monthly beginning {}", us_date(line.first_due))
        };
        s.amount_line(
            0.0,
            &format!(
                "{:>4}                               {when}",
                line.number_of_payments
            ),
            &usd(&line.amount)?,
            false,
        )?;
    }
    s.space(4.0);
    s.para(&format!("Late Charge. {}", t.late_charge), BODY)?;
    s.para(&format!("Prepayment. {}", t.prepayment), BODY)?;
    s.para(&format!("Security Interest. {}", t.security_interest), BODY)?;
    s.para(
        &format!("Additional Information. {}", t.contract_reference),
        BODY,
    )?;
    s.para(
        &format!(
            "The contract rate of the finance charge is {} % a year, computed on the unpaid balance; \
the {} payments above are due as scheduled.",
            d.input.rate, d.quote.term
        ),
        SMALL,
    )?;

    s.heading("ITEMIZATION OF AMOUNT FINANCED")?;
    let trade = Money::parse_user(&d.input.trade).map_err(damaged)?;
    let payoff = Money::parse_user(&d.input.payoff).map_err(damaged)?;
    let net_trade = trade - payoff;
    let positive_trade = if net_trade.is_negative() {
        Money::ZERO
    } else {
        net_trade
    };
    s.amount_line(
        0.0,
        "1. Cash price of the vehicle",
        &usd(&d.input.price)?,
        false,
    )?;
    s.amount_line(
        0.0,
        "2. Optional products (service contract, GAP, maintenance plan; see below)",
        &usd(&d.input.addons)?,
        false,
    )?;
    s.amount_line(
        0.0,
        "3. Taxes and official fees (paid to public officials)",
        &usd(&d.input.taxes_fees)?,
        false,
    )?;
    s.amount_line(
        0.0,
        "4. Documentary and dealer service fees",
        &usd(&d.input.dealer_fees)?,
        false,
    )?;
    s.amount_line(
        0.0,
        "5. Total cash price (1 + 2 + 3 + 4)",
        &usd(&d.quote.cash_price)?,
        true,
    )?;
    s.amount_line(0.0, "6. Downpayment:", "", false)?;
    s.amount_line(
        18.0,
        "Gross trade-in allowance",
        &usd(&d.input.trade)?,
        false,
    )?;
    s.amount_line(
        18.0,
        "Less payoff on the trade-in",
        &usd(&d.input.payoff)?,
        false,
    )?;
    s.amount_line(
        18.0,
        "Net trade-in (if less than zero, see line 7)",
        &positive_trade.to_string(),
        false,
    )?;
    s.amount_line(18.0, "Cash downpayment", &usd(&d.input.down)?, false)?;
    s.amount_line(18.0, "Manufacturer's rebate", &usd(&d.input.rebate)?, false)?;
    s.amount_line(
        18.0,
        "Total downpayment",
        &usd(&d.quote.total_down_payment)?,
        true,
    )?;
    s.amount_line(
        0.0,
        "7. Prior credit or lease balance above the trade-in allowance (negative equity)",
        &usd(&d.quote.negative_equity)?,
        false,
    )?;
    s.amount_line(
        0.0,
        "8. Amount Financed (5 − 6 + 7)",
        &usd(&t.amount_financed)?,
        true,
    )?;

    s.heading("OPTIONAL PRODUCTS")?;
    s.para(
        &format!(
            "Optional products bought with this contract: {} in total (line 2 above). Service \
contracts, GAP waivers and maintenance plans are not required to obtain credit and are not a \
factor in the credit decision. You may cancel an optional product under its own terms; a refund \
of any unearned charge is credited to your account. You want these products only if you have \
initialed below.",
            usd(&d.input.addons)?
        ),
        BODY,
    )?;
    s.initials_row(1, co, "optional products")?;

    s.heading("OTHER IMPORTANT AGREEMENTS")?;
    for (title, text) in RISC_TERMS {
        s.para(&format!("{title} {text}"), BODY)?;
        s.space(3.0);
    }
    s.initials_row(2, co, "I have read these terms")?;

    s.heading("ARBITRATION PROVISION")?;
    s.para(ARBITRATION_WARNING, TextStyle::bold(8.5))?;
    s.space(3.0);
    for text in ARBITRATION {
        s.para(text, BODY)?;
        s.space(3.0);
    }
    s.initials_row(3, co, "arbitration provision")?;

    s.heading("HOLDER NOTICE")?;
    s.boxed_text(HOLDER_NOTICE, TextStyle::bold(10.0), None)?;
    s.space(4.0);
    s.para(
        "If you are buying a used vehicle: The information you see on the window form for this \
vehicle is part of this contract. Information on the window form overrides any contrary \
provisions in the contract of sale.",
        BODY,
    )?;
    s.heading("SIGNATURES")?;
    s.para(
        "Do not sign this contract before you read it or if it contains any blank spaces. You \
are entitled to an exact copy of the contract you sign. By signing below you agree to the terms \
of this contract, including the federal disclosures, and you confirm you received a completely \
filled-in copy when you signed it.",
        TextStyle::bold(8.5),
    )?;
    signers_block(&mut s, input, "Buyer", "Seller-Creditor")?;
    s.space(6.0);
    s.para(
        &format!(
            "Assignment by Seller: the Seller-Creditor, {dealer}, may assign this contract and \
its rights in it to a lender or other holder, subject to the Holder Notice above."
        ),
        SMALL,
    )?;
    if let Some(c) = certificate {
        certificate_page(&mut s, input, c)?;
    }
    s.finish()
}

const ARBITRATION_WARNING: &str = "PLEASE REVIEW - IMPORTANT - AFFECTS YOUR LEGAL RIGHTS. \
1. EITHER YOU OR WE MAY CHOOSE TO HAVE ANY DISPUTE BETWEEN US DECIDED BY ARBITRATION AND NOT IN \
COURT OR BY JURY TRIAL. 2. IF A DISPUTE IS ARBITRATED, YOU WILL GIVE UP YOUR RIGHT TO \
PARTICIPATE AS A CLASS REPRESENTATIVE OR CLASS MEMBER ON ANY CLASS CLAIM YOU MAY HAVE AGAINST US. \
3. DISCOVERY AND RIGHTS TO APPEAL IN ARBITRATION ARE GENERALLY MORE LIMITED THAN IN A LAWSUIT, AND \
OTHER RIGHTS THAT YOU AND WE WOULD HAVE IN COURT MAY NOT BE AVAILABLE IN ARBITRATION.";

const ARBITRATION: &[&str] = &[
    "Any claim or dispute, whether in contract, tort, statute or otherwise (including the \
interpretation and scope of this Arbitration Provision and the arbitrability of the claim or \
dispute), between you and us or our employees, agents, successors or assigns, which arises out of \
or relates to your credit application, purchase or condition of this vehicle, this contract or any \
resulting transaction or relationship (including any such relationship with third parties who do \
not sign this contract) shall, at your or our election, be resolved by neutral, binding \
arbitration and not by a court action.",
    "If federal law provides that a claim or dispute is not subject to binding arbitration, this \
Arbitration Provision shall not apply to such claim or dispute. Any claim or dispute is to be \
arbitrated on an individual basis and not as a class action. You expressly waive any right you may \
have to arbitrate a class action.",
    "You may choose the American Arbitration Association or any other organization to conduct the \
arbitration, subject to our approval. You may get a copy of the rules of an arbitration \
organization by contacting the organization or visiting its website. Arbitrators shall be \
attorneys or retired judges and shall be selected under the applicable rules. The arbitrator shall \
apply governing substantive law and the applicable statute of limitations.",
    "The arbitration hearing shall be conducted in the federal district in which you reside unless \
the Seller-Creditor is a party to the claim or dispute, in which case the hearing will be held in \
the federal district where this contract was executed. We will pay your filing, administration, \
service or case management fee and your arbitrator or hearing fee all up to a maximum of $5,000, \
unless the law or the rules of the chosen arbitration organization require us to pay more.",
    "You and we retain the right to seek remedies in small claims court for disputes or claims \
within that court's jurisdiction, unless such action is transferred, removed or appealed to a \
different court. Neither you nor we waive the right to arbitrate by using self-help remedies, such \
as repossession, or by filing an action to recover the vehicle, to recover a deficiency balance, \
or for individual injunctive relief. Any court having jurisdiction may enter judgment on the \
arbitrator's award. This Arbitration Provision shall survive any termination, payoff or transfer \
of this contract. If any part of this Arbitration Provision, other than waivers of class action \
rights, is deemed or found to be unenforceable for any reason, the remainder shall remain \
enforceable.",
];

const RISC_TERMS: &[(&str, &str)] = &[
    ("How we will figure the finance charge.", "We will figure the finance charge on a daily basis at the contract rate on the unpaid part of the Amount Financed. The Finance Charge, Total of Payments and Total Sale Price shown above assume that you will make every payment on the day it is due. Your Finance Charge, Total of Payments and Total Sale Price will be more if you pay late and less if you pay early; changes may take the form of a larger or smaller final payment or, at our option, more or fewer payments of the same amount as your scheduled payment with a smaller final payment."),
    ("How we will apply payments.", "We may apply each payment to the earned and unpaid part of the Finance Charge, to the unpaid part of the Amount Financed and to other amounts you owe under this contract in any order we choose."),
    ("You may prepay.", "You may prepay all or part of the unpaid part of the Amount Financed at any time without penalty. If you do so, you must pay the earned and unpaid part of the Finance Charge and all other amounts due up to the date of your payment."),
    ("Security interest.", "You give us a security interest in the vehicle and all parts or goods put on it, all money or goods received for the vehicle, all insurance, maintenance, service or other contracts we finance for you, and all proceeds of insurance, maintenance, service or other contracts we finance for you. This secures payment of all you owe on this contract and your other agreements in this contract."),
    ("Insurance.", "You agree to have physical damage insurance covering loss of or damage to the vehicle for the term of this contract, naming us as loss payee. You may buy the insurance from anyone you choose who is acceptable to us. You are not required to buy credit insurance to obtain credit."),
    ("Default.", "You will be in default if you do not pay any payment on time, if you gave false or misleading information on your credit application, if you start a proceeding in bankruptcy or one is started against you, or if you break any agreement in this contract. If you default, you agree to pay our reasonable costs of collection as the law allows."),
    ("Taking the vehicle.", "If you default, we may take (repossess) the vehicle from you if we do so peacefully and the law allows it. If we take the vehicle, any accessories, equipment and replacement parts will stay with it. If there is personal property in the vehicle, we may store it for you at your expense."),
    ("Getting the vehicle back.", "If we repossess the vehicle, you may pay to get it back (redeem) as the law allows. We will tell you how much to pay. Your right to redeem ends when we sell the vehicle. If you do not redeem, we may sell it; we will send you notice before we sell it. If the proceeds do not pay all you owe, you must pay the rest as the law allows."),
    ("Using the vehicle.", "You agree not to remove the vehicle from the U.S. or Canada for more than 30 days without our written permission, not to sell, rent, lease or transfer any interest in the vehicle or this contract without our written permission, and not to expose the vehicle to misuse, seizure, confiscation or involuntary transfer."),
    ("Warranties Seller disclaims.", "Unless the Seller makes a written warranty, or enters into a service contract within 90 days from the date of this contract, the Seller makes no warranties, express or implied, on the vehicle, and there will be no implied warranties of merchantability or of fitness for a particular purpose. This does not affect any warranties covering the vehicle that the vehicle manufacturer may provide."),
    ("Electronic contracting and signature.", "You agree that this contract may be an electronic record signed with electronic signatures, that it is the authoritative copy held by us or our assignee, and that any printed or exported copy is marked COPY."),
    ("Servicing and collection contacts.", "You agree that we may try to contact you in writing, by e-mail, or using prerecorded or artificial voice messages, text messages and automatic telephone dialing systems, as the law allows, at the addresses and numbers you give us, for servicing and collecting this contract."),
    ("Third-party agreements.", "Service contracts, GAP waivers and other optional products you buy are separate agreements with their providers. Their terms, including cancellation and refunds, are in those agreements. We are not responsible for their performance beyond what the law requires."),
    ("Applicable law.", "Federal law and the law of the state of the Seller-Creditor's address apply to this contract. If any part of this contract is not valid, all other parts stay valid. We may delay or refrain from enforcing any of our rights under this contract without losing them."),
    ("Notices.", "You agree to tell us in writing within 30 days if you change your address or the place where you keep the vehicle. Notices we send to the last address you gave us are given to you."),
    ("Entire agreement.", "This contract, with any documents it refers to, is the entire agreement between you and us about the sale and financing of the vehicle. Any change to this contract must be in writing and signed by you and us."),
];

fn lease(
    input: &ContractInput,
    d: &LeaseDoc,
    mode: RenderMode,
    signatures: &[AppliedSignature],
    certificate: Option<&Certificate>,
) -> Result<Laid, ContractError> {
    let r = &d.disclosure;
    let g = &r.segregated;
    let pc = &g.payment_calculation;
    let dealer = input.dealer.name.trim();
    let info = DocInfo {
        title: "Closed-End Motor Vehicle Lease".into(),
        subject: format!(
            "{} {} {} for {}",
            input.vehicle.year,
            input.vehicle.make,
            input.vehicle.model,
            input.buyer.name.trim()
        ),
        author: dealer.to_string(),
        document_id: input.document_id.to_string(),
        created: input.created,
    };
    let header = format!(
        "{dealer} · Closed-End Motor Vehicle Lease · Lease no. {}",
        input.contract_number
    );
    let mut s = Sheet::new(info, header, mode, signatures)?;
    let co = input.co_buyer.is_some();

    s.centered(
        "CLOSED-END MOTOR VEHICLE LEASE AGREEMENT",
        TextStyle::bold(15.0),
    )?;
    s.space(4.0);
    s.para(&format!("Lease no. {}", input.contract_number), BODY)?;
    s.para(&party_text("Lessor", &input.dealer), BODY)?;
    s.para(&party_text("Lessee", &input.buyer), BODY)?;
    if let Some(c) = &input.co_buyer {
        s.para(&party_text("Co-Lessee", c), BODY)?;
    }
    s.space(4.0);
    s.para(
        "In this lease, \"you\" and \"your\" mean each Lessee who signs it; \"we\", \"us\" and \
\"our\" mean the Lessor and its assignee. You agree to lease the vehicle below from us for the \
lease term, on the terms of this lease.",
        BODY,
    )?;
    s.space(4.0);
    vehicle_row(&mut s, &input.vehicle)?;

    // The segregated disclosures (12 CFR 1013.3(a)(2)): everything 1013.4(b) to (f) asks for,
    // and nothing else, inside one frame on one page: the four boxed figures, the itemization of
    // the amount due at signing and the payment calculation (the layout of model form H-1).
    // The lease rate, the early-termination warning and the rest follow outside the frame.
    s.doc.ensure(SEGREGATED_HEIGHT)?;
    s.mark()?;
    let frame_page = s.doc.page_count();
    let frame_top = s.doc.cursor();
    s.heading(REG_M_BOX_TITLE)?;
    let mp = &g.monthly_payments;
    s.cells(&[
        Cell {
            title: "Amount Due at Lease Signing or Delivery".into(),
            desc: "(Itemized below)".into(),
            figure: usd(&g.amount_due_at_signing.total)?,
        },
        Cell {
            title: "Monthly Payments".into(),
            desc: format!(
                "Your first monthly payment of {} is due at lease signing, followed by {} \
payments of {} due on the same day of each following month. The total of your monthly payments \
is {}.",
                usd(&mp.first_payment)?,
                mp.following_payments,
                usd(&mp.payment)?,
                usd(&mp.total)?
            ),
            figure: usd(&mp.payment)?,
        },
        Cell {
            title: "Other Charges".into(),
            desc: format!(
                "(not part of your monthly payment) Disposition fee (if you do not purchase the \
vehicle) {}. Total:",
                usd(&g.other_charges.disposition_fee)?
            ),
            figure: usd(&g.other_charges.total)?,
        },
        Cell {
            title: "Total of Payments".into(),
            desc: "(The amount you will have paid by the end of the lease)".into(),
            figure: usd(&g.total_of_payments)?,
        },
    ])?;

    s.heading("Itemization of Amount Due at Lease Signing or Delivery")?;
    let due = &g.amount_due_at_signing;
    s.amount_line(0.0, "Amount due at lease signing or delivery:", "", true)?;
    s.amount_line(
        18.0,
        "Capitalized cost reduction",
        &usd(&due.cap_cost_reduction)?,
        false,
    )?;
    s.amount_line(
        18.0,
        "First monthly payment",
        &usd(&due.first_monthly_payment)?,
        false,
    )?;
    s.amount_line(
        18.0,
        "Refundable security deposit",
        &usd(&due.security_deposit)?,
        false,
    )?;
    s.amount_line(18.0, "Title fees", &usd(&due.title_fees)?, false)?;
    s.amount_line(
        18.0,
        "Registration fees",
        &usd(&due.registration_fees)?,
        false,
    )?;
    s.amount_line(18.0, "Acquisition fee", &usd(&due.acquisition_fee)?, false)?;
    s.amount_line(18.0, "Total", &usd(&due.total)?, true)?;
    let hp = &g.how_paid;
    s.amount_line(
        0.0,
        "How the amount due at lease signing or delivery will be paid:",
        "",
        true,
    )?;
    s.amount_line(
        18.0,
        "Net trade-in allowance",
        &usd(&hp.net_trade_in_allowance)?,
        false,
    )?;
    s.amount_line(
        18.0,
        "Rebates and noncash credits",
        &usd(&hp.rebates_and_noncash_credits)?,
        false,
    )?;
    s.amount_line(18.0, "Amount to be paid in cash", &usd(&hp.cash)?, false)?;
    s.amount_line(18.0, "Total", &usd(&hp.total)?, true)?;

    s.heading("Your monthly payment is determined as shown below")?;
    let lines: [(&str, String, bool); 12] = [
        ("Agreed value of the vehicle", usd(&pc.agreed_value)?, false),
        (
            "Gross capitalized cost (the agreed value plus other items you pay over the lease term)",
            usd(&pc.gross_capitalized_cost)?,
            false,
        ),
        (
            "Capitalized cost reduction (rebate, net trade-in allowance, cash that reduces the gross capitalized cost)",
            usd(&pc.capitalized_cost_reduction)?,
            false,
        ),
        ("Adjusted capitalized cost (the amount used in calculating your base monthly payment)", usd(&pc.adjusted_capitalized_cost)?, true),
        ("Residual value (the value of the vehicle at the end of the lease)", usd(&pc.residual_value)?, false),
        (
            "Depreciation and any amortized amounts (the amount charged for the vehicle's decline in value and other items paid over the lease term)",
            usd(&pc.depreciation_and_amortized_amounts)?,
            false,
        ),
        ("Rent charge (the amount charged in addition to the depreciation and amortized amounts)", usd(&pc.rent_charge)?, false),
        ("Total of base monthly payments (depreciation plus rent charge)", usd(&pc.total_of_base_monthly_payments)?, true),
        ("Lease term (number of months in your lease)", format!("{} months", pc.lease_term), false),
        ("Base monthly payment", usd(&pc.base_monthly_payment)?, false),
        ("Monthly sales/use tax", usd(&pc.monthly_sales_use_tax)?, false),
        ("Total monthly payment", usd(&pc.total_monthly_payment)?, true),
    ];
    for (label, amount, bold) in &lines {
        // Long descriptions wrap; the amount stays on the label's first line.
        let style = if *bold { TextStyle::bold(8.5) } else { BODY };
        let wrapped = pdf::wrap(label, style, s.doc.content_width() - 110.0)?;
        let mut first = true;
        for l in wrapped {
            let a = if first { amount.as_str() } else { "" };
            s.amount_line(0.0, &l, a, *bold)?;
            first = false;
        }
    }
    s.space(4.0);
    if s.doc.page_count() == frame_page {
        let pad = 4.0;
        let left = s.doc.left() - pad;
        let height = s.doc.cursor() - frame_top + pad;
        s.doc.stroke_rect(
            left,
            frame_top - pad,
            s.doc.content_width() + 2.0 * pad,
            height + pad,
            1.4,
        );
    }
    s.space(8.0);
    s.para(
        &format!(
            "{} {} % — {}",
            r.rate_info.label, r.rate_info.percent, r.rate_info.notice
        ),
        SMALL,
    )?;

    s.heading("Early Termination and Default")?;
    s.boxed_text(&r.early_termination_warning, TextStyle::bold(9.0), None)?;
    s.space(3.0);
    s.para(
        "You may end this lease early at any time. If you do, or if we end it after a default, \
the early termination charge is the amount by which the adjusted lease balance on the date of \
termination is more than the vehicle's realized value, plus the disposition fee and any past due \
payments and other amounts you owe under this lease.",
        BODY,
    )?;
    s.initials_row(1, co, "early termination")?;

    s.heading("Excessive Wear and Use")?;
    s.para(
        "You may be charged for excessive wear based on our standards for normal use. Excessive \
wear includes: damage to the body, glass, lights or trim; tires with less than 1/8 inch of tread \
or that do not match; mechanical or electrical parts that do not work; interior burns, tears or \
stains; and any missing equipment or keys. You pay the reasonable cost to repair it, whether or \
not we repair it.",
        BODY,
    )?;
    s.heading("Excess Mileage")?;
    let mileage = match (r.mileage_allowance_per_year, &r.excess_mileage_rate) {
        (Some(per_year), Some(rate)) => format!(
            "You may drive the vehicle {per_year} miles a year ({} miles over the lease term) \
without a charge for excess mileage. You will be charged {} for each mile above that.",
            u64::from(per_year) * u64::from(pc.lease_term) / 12,
            usd(rate)?
        ),
        (Some(per_year), None) => format!(
            "You may drive the vehicle {per_year} miles a year without a charge for excess mileage."
        ),
        (None, Some(rate)) => format!(
            "You will be charged {} for each mile driven above the allowance agreed in writing.",
            usd(rate)?
        ),
        (None, None) => "There is no charge for excess mileage under this lease.".to_string(),
    };
    s.para(&mileage, BODY)?;
    s.heading("Purchase Option at End of Lease Term")?;
    s.para(
        &format!(
            "You have an option to purchase the vehicle at the end of the lease term for {}, \
plus official fees and taxes. The disposition fee is not charged if you buy the vehicle.",
            usd(&r.purchase_option_price)?
        ),
        BODY,
    )?;
    s.heading("Other Important Terms")?;
    for (title, text) in LEASE_TERMS {
        s.para(&format!("{title} {text}"), BODY)?;
        s.space(3.0);
    }
    s.initials_row(2, co, "I have read these terms")?;
    s.heading("SIGNATURES")?;
    s.para(
        "THIS IS A LEASE. YOU HAVE NO OWNERSHIP RIGHTS IN THE VEHICLE UNLESS AND UNTIL YOU \
EXERCISE YOUR OPTION TO PURCHASE IT. Do not sign this lease before you read it or if it contains \
blank spaces. You are entitled to an exact copy of the lease you sign.",
        TextStyle::bold(8.5),
    )?;
    signers_block(&mut s, input, "Lessee", "Lessor")?;
    if let Some(c) = certificate {
        certificate_page(&mut s, input, c)?;
    }
    s.finish()
}

const LEASE_TERMS: &[(&str, &str)] = &[
    ("Insurance.", "You must keep the vehicle insured against physical damage and carry liability insurance in at least the amounts the law of your state requires, naming us as loss payee and additional insured."),
    ("Maintenance.", "You are responsible for all maintenance and repairs the manufacturer recommends, and for keeping the vehicle registered and inspected as the law requires."),
    ("Security deposit.", "We will return any refundable security deposit within 30 days after the end of the lease, less any amounts you owe under this lease."),
    ("Standards for wear and use; return.", "When the lease ends you must return the vehicle to the place we tell you, with an odometer statement, all keys and all equipment that came with it."),
    ("Warranties.", "The vehicle is covered by the manufacturer's standard new vehicle warranty if it is new. We make no other warranties, express or implied, unless we give them in writing."),
    ("Electronic contracting and signature.", "You agree that this lease may be an electronic record signed with electronic signatures, that it is the authoritative copy held by us or our assignee, and that any printed or exported copy is marked COPY."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_notice_is_the_rule_text_word_for_word() {
        assert_eq!(
            HOLDER_NOTICE,
            "NOTICE: ANY HOLDER OF THIS CONSUMER CREDIT CONTRACT IS SUBJECT TO ALL CLAIMS AND \
DEFENSES WHICH THE DEBTOR COULD ASSERT AGAINST THE SELLER OF GOODS OR SERVICES OBTAINED \
PURSUANT HERETO OR WITH THE PROCEEDS HEREOF. RECOVERY HEREUNDER BY THE DEBTOR SHALL NOT EXCEED \
AMOUNTS PAID BY THE DEBTOR HEREUNDER."
        );
    }

    #[test]
    fn initials_grouping_and_money_are_printed_as_customers_read_them() {
        assert_eq!(initials("maria  elena gonzalez"), "MEG");
        assert_eq!(grouped(41_250), "41,250");
        assert_eq!(grouped(12), "12");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(usd("21383.08").ok().as_deref(), Some("$21,383.08"));
        assert!(matches!(usd("twelve"), Err(ContractError::QuoteDamaged(_))));
        assert_eq!(
            us_date(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap_or_default()),
            "12/25/2026"
        );
    }

    #[test]
    fn a_damaged_document_or_signature_image_is_a_typed_error() {
        assert!(matches!(
            decode_png(b"\x89PNG not really"),
            Err(ContractError::Signing { field: "mark", .. })
        ));
        let input = ContractInput {
            document_id: "x".into(),
            contract_number: "1".into(),
            created: DateTime::<Utc>::default(),
            dealer: ContractParty {
                name: "D".into(),
                address: vec![],
            },
            buyer: ContractParty {
                name: "B".into(),
                address: vec![],
            },
            co_buyer: None,
            vehicle: ContractVehicle {
                year: 2020,
                make: "M".into(),
                model: "X".into(),
                trim: None,
                vin: "V".into(),
                condition: "used".into(),
                odometer: 1,
            },
            quote_document: r#"{"kind":"boat"}"#.into(),
        };
        assert!(matches!(
            render(&input, RenderMode::Original, &[]),
            Err(ContractError::QuoteDamaged(_))
        ));
        let not_json = ContractInput {
            quote_document: "{".into(),
            ..input
        };
        assert!(matches!(
            render(&not_json, RenderMode::Copy, &[]),
            Err(ContractError::QuoteDamaged(_))
        ));
    }
}
