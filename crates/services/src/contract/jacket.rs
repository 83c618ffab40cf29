//! The deal jacket: one PDF holding a deal's documents for the lender or the file, printed in
//! one go: a cover with the contents, the authoritative contract (the signed and sealed version
//! when there is one, ending with its certificate of completion), the credit application
//! document (signed and sealed when it is, else the current one, else printed afresh), and the
//! disclosures the deal has (adverse-action notices).
//!
//! The jacket is a COPY, never the authoritative original: every part is rendered in copy mode
//! (the notices, which have no copy mode, get the stamp laid over them), and every sheet carries
//! a jacket footer. The assembled file is recorded as a `deal_jacket` document (never
//! authoritative, never signed), so `contract verify` recognises it as a copy on record; its
//! manifest (the parts, their sources and their hashes) is stored with it. Audited as
//! `contract.jacket`. Any signed-in staff member may print one.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::{ApplicationId, DealId, DocumentId};
use lopdf::{Dictionary, Object, ObjectId, Stream};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::render::{Sheet, BODY, SMALL};
use super::sign::render_copy;
use super::{
    application_doc, get_document, record_document, ContractError, ContractRecord, DocumentStatus,
    NewDocument, Origin, Pdf, RenderMode,
};
use crate::application::adverse;
use crate::auth::Actor;
use crate::deal;
use dealerdesk_pdf::{DocInfo, PdfError, TextStyle};
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::read::contract as contract_read;
use dealerdesk_store::repo::contract_document as doc_repo;
use dealerdesk_store::{new_id, Store};

/// Kind of a deal jacket in `contract_document`.
pub const KIND: &str = "deal_jacket";

/// One document in the jacket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JacketPart {
    /// "contract", "credit_application" or "adverse_action_notice".
    pub kind: String,
    pub title: String,
    /// The document on record this part copies (a contract document or notice id).
    pub source_id: Option<String>,
    /// SHA-256 of that document on record.
    pub source_sha256: Option<String>,
    pub signed: bool,
    /// First page of the part in the jacket (1-based; the cover is page 1).
    pub first_page: u32,
    pub page_count: u32,
}

/// A document the jacket would hold but cannot, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JacketMissing {
    pub title: String,
    pub reason: String,
}

/// A part ready to assemble: its description and its (copy) bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct PartInput {
    pub part: JacketPart,
    pub pdf: Vec<u8>,
    /// The part's own pages already say COPY (rendered in copy mode).
    pub stamped: bool,
}

/// Everything a jacket is assembled from.
#[derive(Debug, Clone, PartialEq)]
pub struct JacketInput {
    pub jacket_id: String,
    pub number: String,
    pub created: DateTime<Utc>,
    pub deal_id: DealId,
    pub dealer: String,
    pub customer: String,
    pub vehicle: String,
    pub printed_by: String,
    pub parts: Vec<PartInput>,
    pub missing: Vec<JacketMissing>,
}

/// What is stored with the jacket (its `input_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    deal_id: String,
    number: String,
    parts: Vec<JacketPart>,
    missing: Vec<JacketMissing>,
}

/// An assembled jacket.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub page_count: u32,
    pub cover_pages: u32,
    pub parts: Vec<JacketPart>,
}

/// A jacket printed and recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Jacket {
    pub record: ContractRecord,
    pub parts: Vec<JacketPart>,
    pub missing: Vec<JacketMissing>,
    pub pdf: Vec<u8>,
}

/// What the desk and the CLI are told about a printed jacket.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JacketReport {
    pub record: ContractRecord,
    pub parts: Vec<JacketPart>,
    pub missing: Vec<JacketMissing>,
}

/// A jacket printed to the exports folder (and opened to print).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PrintedJacket {
    pub jacket: JacketReport,
    pub file: crate::exports::SavedFile,
}

impl Jacket {
    pub fn report(&self) -> JacketReport {
        JacketReport {
            record: self.record.clone(),
            parts: self.parts.clone(),
            missing: self.missing.clone(),
        }
    }
}

fn lo(e: lopdf::Error) -> ContractError {
    ContractError::Pdf(PdfError::Write(e.to_string()))
}

fn status_words(status: DocumentStatus) -> &'static str {
    match status {
        DocumentStatus::Signed => "signed and sealed, with its certificate of completion",
        DocumentStatus::Signing => "being signed (signatures so far)",
        DocumentStatus::Draft => "not yet signed",
        DocumentStatus::Void => "replaced",
    }
}

fn hex12(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_hexdigit)
        .skip(20)
        .take(12)
        .collect::<String>()
        .to_uppercase()
}

/// Gathers the deal's documents as COPY parts for jacket `jacket_id`. Refuses a deal without
/// an authoritative contract (print the contract first): the jacket is built around it.
pub async fn jacket_input(
    store: &Store,
    actor: &Actor,
    deal_id: &DealId,
    jacket_id: &DocumentId,
    number: &str,
    now: DateTime<Utc>,
) -> Result<JacketInput, ContractError> {
    let deal_id = &DealId::from(deal_id.as_str().trim());
    let d = deal::get_deal(store, deal_id).await?;
    let contract_id = {
        let mut conn = store.pool().acquire().await?;
        doc_repo::authoritative_contract(&mut conn, deal_id)
            .await?
            .map(|(id, _)| id)
    };
    let contract_id = contract_id.ok_or_else(|| ContractError::NotReady {
        field: "deal_id",
        message: "this deal has no contract yet; print the contract first, then the jacket".into(),
    })?;
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    let (rec, _, copy) = render_copy(
        store,
        &DocumentId::from(contract_id.as_str()),
        &DocumentId::from(format!("{jacket_id}-contract")),
    )
    .await?;
    parts.push(PartInput {
        part: JacketPart {
            kind: "contract".into(),
            title: format!(
                "{}, {}",
                if rec.kind == "lease" {
                    "Closed-end motor vehicle lease"
                } else {
                    "Retail installment sale contract"
                },
                status_words(rec.status)
            ),
            source_id: Some(rec.id.to_string()),
            source_sha256: Some(rec.sha256.clone()),
            signed: rec.status == DocumentStatus::Signed,
            first_page: 0,
            page_count: copy.page_count,
        },
        pdf: copy.bytes,
        stamped: true,
    });

    // The deal's credit application: the newest one still alive (as the contract's co-buyer).
    let application_id = contract_read::current_application_of_deal(store, deal_id).await?;
    let mut all_applications = contract_read::applications_of_deal(store, deal_id).await?;
    match &application_id {
        None => missing.push(JacketMissing {
            title: "Credit application".into(),
            reason: "no credit application on record for this deal".into(),
        }),
        Some(app_id) => {
            let doc_id = {
                let mut conn = store.pool().acquire().await?;
                doc_repo::authoritative_application_doc(
                    &mut conn,
                    &ApplicationId::from(app_id.as_str()),
                )
                .await?
                .map(|(id, _)| id)
            };
            match doc_id {
                Some(doc_id) => {
                    let (rec, _, copy) = render_copy(
                        store,
                        &DocumentId::from(doc_id.as_str()),
                        &DocumentId::from(format!("{jacket_id}-application")),
                    )
                    .await?;
                    parts.push(PartInput {
                        part: JacketPart {
                            kind: "credit_application".into(),
                            title: format!("Credit application, {}", status_words(rec.status)),
                            source_id: Some(rec.id.to_string()),
                            source_sha256: Some(rec.sha256.clone()),
                            signed: rec.status == DocumentStatus::Signed,
                            first_page: 0,
                            page_count: copy.page_count,
                        },
                        pdf: copy.bytes,
                        stamped: true,
                    });
                }
                None => {
                    let number = format!("A{}", hex12(app_id));
                    match application_doc::application_input(
                        store,
                        &ApplicationId::from(app_id.as_str()),
                        &DocumentId::from(format!("{jacket_id}-application")),
                        &number,
                        now,
                    )
                    .await
                    {
                        Ok((input, _)) => {
                            let r = application_doc::render_application(
                                &input,
                                RenderMode::Copy,
                                &[],
                                None,
                            )?;
                            parts.push(PartInput {
                                part: JacketPart {
                                    kind: "credit_application".into(),
                                    title: "Credit application, printed for this jacket (no \
signed application on record)"
                                        .into(),
                                    source_id: None,
                                    source_sha256: None,
                                    signed: false,
                                    first_page: 0,
                                    page_count: r.page_count,
                                },
                                pdf: r.bytes,
                                stamped: true,
                            });
                        }
                        Err(ContractError::NotReady { message, .. }) => {
                            missing.push(JacketMissing {
                                title: "Credit application".into(),
                                reason: message,
                            })
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    // Disclosures on record for the deal's applications: adverse-action notices.
    if let Some(app_id) = &application_id {
        // the chosen application last, so its notices follow it
        all_applications.retain(|a| a != app_id);
        all_applications.push(app_id.clone());
    }
    for app_id in &all_applications {
        let notices =
            adverse::notices_for_application(store, &ApplicationId::from(app_id.as_str()), now)
                .await
                .map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
        for n in notices {
            let pdf = adverse::render_pdf(&n)?;
            let pages = page_count(&pdf)?;
            parts.push(PartInput {
                part: JacketPart {
                    kind: "adverse_action_notice".into(),
                    title: format!(
                        "Notice of action taken on the credit application ({}, decided {})",
                        n.lender.name.trim(),
                        n.decided_at.get(..10).unwrap_or(&n.decided_at)
                    ),
                    source_id: Some(n.id.to_string()),
                    source_sha256: Some(sha256_hex(&pdf)),
                    signed: false,
                    first_page: 0,
                    page_count: pages,
                },
                pdf,
                stamped: false,
            });
        }
    }

    let dealer = store.setting_text("dealership_name", "DealerDesk").await?;
    let v = super::vehicle_of(store, &d.vehicle_id).await?;
    Ok(JacketInput {
        jacket_id: jacket_id.to_string(),
        number: number.to_string(),
        created: now,
        deal_id: d.id,
        dealer,
        customer: d.customer_name.clone(),
        vehicle: format!("{} {} {} · VIN {}", v.year, v.make, v.model, v.vin),
        printed_by: actor.name(),
        parts,
        missing,
    })
}

fn page_count(pdf: &[u8]) -> Result<u32, ContractError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(lo)?;
    u32::try_from(doc.get_pages().len())
        .map_err(|_| ContractError::Pdf(PdfError::Write("too many pages".into())))
}

/// The cover with the contents, the parts' first pages counted from `cover_pages`.
fn cover(input: &JacketInput, parts: &[JacketPart]) -> Result<(Vec<u8>, u32), ContractError> {
    let info = DocInfo {
        title: "Deal Jacket".into(),
        subject: format!(
            "Deal jacket of deal {} for {}",
            input.deal_id, input.customer
        ),
        author: input.dealer.clone(),
        document_id: format!("{}-cover", input.jacket_id),
        created: input.created,
    };
    let header = format!(
        "{} · Deal Jacket · Jacket no. {}",
        input.dealer.trim(),
        input.number
    );
    let mut s = Sheet::new(info, header, RenderMode::Copy, &[])?;
    s.centered("DEAL JACKET", TextStyle::bold(15.0))?;
    s.centered(
        "A printed COPY of the deal's documents; not the authoritative original",
        TextStyle::regular(9.0),
    )?;
    s.space(6.0);
    s.amount_line(0.0, "Jacket no.", &input.number, true)?;
    s.amount_line(0.0, "Deal", input.deal_id.as_str(), false)?;
    s.amount_line(0.0, "Customer", input.customer.trim(), false)?;
    s.amount_line(0.0, "Vehicle", &input.vehicle, false)?;
    s.amount_line(0.0, "Dealer", input.dealer.trim(), false)?;
    s.amount_line(
        0.0,
        "Printed",
        &format!(
            "{} by {}",
            input.created.format("%m/%d/%Y %H:%M UTC"),
            input.printed_by
        ),
        false,
    )?;
    s.heading("CONTENTS")?;
    for (i, p) in parts.iter().enumerate() {
        let last = p.first_page + p.page_count.saturating_sub(1);
        let pages = if p.page_count <= 1 {
            format!("page {}", p.first_page)
        } else {
            format!("pages {}–{last}", p.first_page)
        };
        // A long title wraps; the page range stays on its first line.
        let title = format!("{}. {}", i + 1, p.title);
        let lines = dealerdesk_pdf::wrap(&title, BODY, s.doc.content_width() - 110.0)?;
        for (n, line) in lines.iter().enumerate() {
            s.amount_line(0.0, line, if n == 0 { &pages } else { "" }, false)?;
        }
        if let (Some(id), Some(sha)) = (&p.source_id, &p.source_sha256) {
            s.para(&format!("On record as {id}, SHA-256 {sha}"), SMALL)?;
        }
    }
    if !input.missing.is_empty() {
        s.heading("NOT IN THIS JACKET")?;
        for m in &input.missing {
            s.para(&format!("{}: {}.", m.title, m.reason), BODY)?;
        }
    }
    s.space(8.0);
    s.para(
        "Each document above is a copy of the one on record; the originals stay in DealerDesk \
and `dealerdesk contract verify FILE` tells whether a file is exactly a document on record. This \
jacket itself is recorded as a copy.",
        SMALL,
    )?;
    let (bytes, pages, _) = s.finish()?;
    Ok((bytes, pages))
}

/// Assembles the jacket: the cover, then every part, stamped and footed. Pure: the same input
/// gives the same bytes.
pub fn assemble_jacket(input: &JacketInput) -> Result<Assembled, ContractError> {
    // The cover's length decides where the parts start; it settles in a pass or two.
    let mut cover_pages = 1u32;
    let mut parts: Vec<JacketPart>;
    let mut cover_pdf;
    let mut rounds = 0;
    loop {
        let mut next = cover_pages + 1;
        parts = input
            .parts
            .iter()
            .map(|p| {
                let part = JacketPart {
                    first_page: next,
                    ..p.part.clone()
                };
                next += p.part.page_count;
                part
            })
            .collect();
        let (bytes, pages) = cover(input, &parts)?;
        cover_pdf = bytes;
        rounds += 1;
        if pages == cover_pages || rounds > 3 {
            cover_pages = pages;
            break;
        }
        cover_pages = pages;
    }
    let mut sources: Vec<(&[u8], bool)> = vec![(&cover_pdf, true)];
    sources.extend(input.parts.iter().map(|p| (p.pdf.as_slice(), p.stamped)));
    let bytes = merge(input, &sources)?;
    let page_count = cover_pages + input.parts.iter().map(|p| p.part.page_count).sum::<u32>();
    Ok(Assembled {
        sha256: sha256_hex(&bytes),
        bytes,
        page_count,
        cover_pages,
        parts,
    })
}

/// An inherited page attribute, looked up the page tree.
fn inherited(doc: &lopdf::Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut id = page;
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(v) = dict.get(key) {
            return Some(match v {
                Object::Reference(r) => doc.get_object(*r).ok()?.clone(),
                other => other.clone(),
            });
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}

/// `(text)` as a PDF literal string (ASCII; parentheses and backslashes escaped).
fn pdf_string(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('-'),
        }
    }
    out.push(')');
    out
}

fn merge(input: &JacketInput, sources: &[(&[u8], bool)]) -> Result<Vec<u8>, ContractError> {
    let mut out = lopdf::Document::with_version("1.7");
    let mut next_id = 1u32;
    let mut pages: Vec<(ObjectId, bool)> = Vec::new();
    for (bytes, stamped) in sources {
        let mut d = lopdf::Document::load_mem(bytes).map_err(lo)?;
        d.renumber_objects_with(next_id);
        next_id = d.max_id + 1;
        let page_ids: Vec<ObjectId> = d.get_pages().into_values().collect();
        for pid in &page_ids {
            let attrs: Vec<(&[u8], Option<Object>)> = [
                b"Resources".as_slice(),
                b"MediaBox".as_slice(),
                b"CropBox".as_slice(),
                b"Rotate".as_slice(),
            ]
            .into_iter()
            .map(|k| (k, inherited(&d, *pid, k)))
            .collect();
            let page = d
                .get_object_mut(*pid)
                .and_then(Object::as_dict_mut)
                .map_err(lo)?;
            for (k, v) in attrs {
                if let Some(v) = v {
                    page.set(k, v);
                }
            }
            pages.push((*pid, *stamped));
        }
        for (id, obj) in d.objects {
            let skip = match &obj {
                Object::Dictionary(dict) => matches!(
                    dict.get(b"Type").and_then(Object::as_name),
                    Ok(b"Catalog") | Ok(b"Pages")
                ),
                _ => false,
            };
            if !skip {
                out.objects.insert(id, obj);
            }
        }
    }
    out.max_id = next_id;
    let helv = out.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type1".to_vec())),
        ("BaseFont", Object::Name(b"Helvetica".to_vec())),
        ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
    ]));
    let helv_bold = out.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type1".to_vec())),
        ("BaseFont", Object::Name(b"Helvetica-Bold".to_vec())),
        ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
    ]));
    let open = out.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    let pages_id = out.new_object_id();
    let total = pages.len();
    for (i, (pid, stamped)) in pages.iter().enumerate() {
        let mut ops = format!(
            "Q\nq BT /DDJKH 7 Tf 0.35 g 54 34 Td {} Tj ET Q\n",
            pdf_string(&format!(
                "Deal jacket {} - sheet {} of {total} - COPY",
                input.number,
                i + 1
            ))
        );
        if !stamped {
            ops.push_str(&format!(
                "q BT /DDJKB 24 Tf 0.45 g 470 736 Td {} Tj ET BT /DDJKH 7.5 Tf 0.45 g 330 742 Td {} Tj ET Q\n",
                pdf_string("COPY"),
                pdf_string("Not the authoritative original")
            ));
        }
        let overlay = out.add_object(Stream::new(Dictionary::new(), ops.into_bytes()));
        let (contents, resources) = {
            let page = out.get_dictionary(*pid).map_err(lo)?;
            (
                page.get(b"Contents").ok().cloned(),
                page.get(b"Resources").ok().cloned(),
            )
        };
        let mut list = vec![Object::Reference(open)];
        match contents {
            Some(Object::Array(a)) => list.extend(a),
            Some(other) => list.push(other),
            None => {}
        }
        list.push(Object::Reference(overlay));
        let mut resources = match resources {
            Some(Object::Reference(r)) => out
                .get_object(r)
                .and_then(Object::as_dict)
                .map_err(lo)?
                .clone(),
            Some(Object::Dictionary(d)) => d,
            _ => Dictionary::new(),
        };
        let mut fonts = match resources.get(b"Font") {
            Ok(Object::Reference(r)) => out
                .get_object(*r)
                .and_then(Object::as_dict)
                .map_err(lo)?
                .clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        fonts.set("DDJKH", Object::Reference(helv));
        fonts.set("DDJKB", Object::Reference(helv_bold));
        resources.set("Font", Object::Dictionary(fonts));
        let page = out
            .get_object_mut(*pid)
            .and_then(Object::as_dict_mut)
            .map_err(lo)?;
        page.set("Contents", Object::Array(list));
        page.set("Resources", Object::Dictionary(resources));
        page.set("Parent", Object::Reference(pages_id));
    }
    out.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            (
                "Kids",
                Object::Array(pages.iter().map(|(p, _)| Object::Reference(*p)).collect()),
            ),
            (
                "Count",
                Object::Integer(i64::try_from(total).unwrap_or(i64::MAX)),
            ),
        ])),
    );
    let catalog = out.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    let when = input.created.format("D:%Y%m%d%H%M%SZ").to_string();
    let text = |s: &str| Object::String(s.as_bytes().to_vec(), lopdf::StringFormat::Literal);
    let info = out.add_object(Dictionary::from_iter(vec![
        ("Title", text(&format!("Deal Jacket {}", input.number))),
        ("Author", text(&input.dealer)),
        ("Creator", text("DealerDesk")),
        ("Producer", text("DealerDesk (lopdf)")),
        ("CreationDate", text(&when)),
        ("ModDate", text(&when)),
    ]));
    out.trailer.set("Root", Object::Reference(catalog));
    out.trailer.set("Info", Object::Reference(info));
    let id = Sha256::digest(format!("dealerdesk:{}", input.jacket_id).as_bytes());
    let id = hex::encode(&id[..16]).into_bytes();
    out.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    out.prune_objects();
    out.compress();
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)
        .map_err(|e| ContractError::Pdf(PdfError::Write(e.to_string())))?;
    Ok(bytes)
}

/// Prints the deal jacket of `deal_id` and records it: a `deal_jacket` document (a copy, never
/// authoritative) with its manifest, audited `contract.jacket`, in one transaction. Any staff
/// member. Refuses a deal with no contract ([`ContractError::NotReady`]); stores nothing then.
#[tracing::instrument(skip_all, err)]
pub async fn jacket_for_deal(
    store: &Store,
    actor: &Actor,
    deal_id: &DealId,
    now: DateTime<Utc>,
) -> Result<Jacket, ContractError> {
    let deal_id = &DealId::from(deal_id.as_str().trim());
    let id = DocumentId::from(new_id());
    let version = {
        let mut conn = store.pool().acquire().await?;
        doc_repo::next_version(&mut conn, deal_id).await?
    };
    let number = format!("J{}-{version}", hex12(deal_id.as_str()));
    let input = jacket_input(store, actor, deal_id, &id, &number, now).await?;
    let a = assemble_jacket(&input)?;
    let manifest = Manifest {
        deal_id: deal_id.to_string(),
        number: number.clone(),
        parts: a.parts.clone(),
        missing: input.missing.clone(),
    };
    let manifest_json =
        serde_json::to_string(&manifest).map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    let manifest_sha = sha256_hex(manifest_json.as_bytes());
    let mut w = store.write(now).await?;
    record_document(
        w.conn(),
        store,
        &NewDocument {
            id: id.as_str(),
            origin: Origin {
                deal_id: deal_id.as_str(),
                option_id: None,
                option_position: None,
                application_id: None,
                kind: KIND,
                quote_sha256: &manifest_sha,
            },
            version,
            status: DocumentStatus::Draft,
            authoritative: false,
            rendered: Pdf {
                bytes: &a.bytes,
                sha256: &a.sha256,
                page_count: a.page_count,
            },
            fields_json: "[]",
            input_json: &manifest_json,
            supersedes: None,
            actor,
            signed_at: None,
        },
        now,
    )
    .await?;
    let contents = a
        .parts
        .iter()
        .map(|p| {
            format!(
                "{} {} p{}+{}",
                p.kind,
                p.source_id.as_deref().unwrap_or("-"),
                p.first_page,
                p.page_count
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let event = AuditEvent::new(actor.name(), "contract.jacket", AuditOutcome::Success)
        .subject(format!("contract:{id}"))
        .detail(format!(
            "deal:{deal_id} jacket {number} COPY {} pages sha256:{} ({contents})",
            a.page_count, a.sha256
        ));
    w.audit(event);
    w.commit().await?;
    let record = get_document(store, &DocumentId::from(id.as_str())).await?;
    Ok(Jacket {
        record,
        parts: a.parts,
        missing: input.missing,
        pdf: a.bytes,
    })
}
