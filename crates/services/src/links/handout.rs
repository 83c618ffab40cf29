//! The printable one-page handout for a link: the dealership's name, what the link is for, a
//! large QR code, the address in small print, when it stops working, what the customer will be
//! asked, and a safety line. Made only when the link is issued (the only time its URL exists).

use chrono::{DateTime, Local, Utc};
use dealerdesk_rules::ids::CustomerId;
use sha2::{Digest, Sha256};

use super::{IssuedLink, LinkError};
use dealerdesk_pdf::{Align, DocInfo, Document, PdfError, TextStyle};
use dealerdesk_store::{parse_ts, Store};

/// Size of the printed QR code including its quiet zone: 3.25 inches, easy for any phone.
const QR_SIZE: f32 = 234.0;

/// The handout as PDF bytes: one US Letter page.
///
/// - `purpose_text` completes "Scan the code with your phone's camera to …" (see
///   [`super::LinkPurpose::describe`]);
/// - `expires_at_local_text` is shown as given ("Nov 29, 2026 at 2:30 PM");
/// - `created` is the only time written into the file: the same arguments give the same bytes.
pub fn handout_pdf(
    dealership_name: &str,
    customer_first_name: &str,
    purpose_text: &str,
    url: &str,
    expires_at_local_text: &str,
    created: DateTime<Utc>,
) -> Result<Vec<u8>, PdfError> {
    let dealership = dealership_name.trim();
    let first = customer_first_name.trim();
    let purpose = purpose_text.trim().trim_end_matches('.');
    let expires = expires_at_local_text.trim();
    let document_id = {
        let mut h = Sha256::new();
        for part in [dealership, first, purpose, url, expires] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        format!("handout-{}", hex::encode(&h.finalize()[..12]))
    };
    let mut doc = Document::new(DocInfo {
        title: format!("{dealership}: your secure link"),
        subject: format!("A link to {purpose}"),
        author: dealership.to_string(),
        document_id,
        created,
    })?;

    doc.paragraph(dealership, TextStyle::bold(26.0), Align::Center)?;
    doc.space(8.0);
    doc.rule(1.0);
    doc.space(18.0);
    let hello = if first.is_empty() {
        "Hello,".to_string()
    } else {
        format!("Hello {first},")
    };
    doc.paragraph(&hello, TextStyle::regular(14.0), Align::Left)?;
    doc.space(4.0);
    doc.paragraph(
        &format!("Scan the code below with your phone's camera to {purpose}."),
        TextStyle::regular(14.0),
        Align::Left,
    )?;
    doc.space(10.0);
    doc.qr_code(url, QR_SIZE)?;
    doc.space(2.0);
    doc.paragraph(url, TextStyle::regular(9.0).with_grey(0.25), Align::Center)?;
    doc.space(16.0);

    // The expiry, boxed so it is the second thing the eye finds.
    let style = TextStyle::bold(15.0);
    let text = format!("Works until {expires}, once.");
    let pad = 10.0;
    let lines = dealerdesk_pdf::wrap(&text, style, doc.content_width() - 2.0 * pad)?.len();
    let height = lines as f32 * style.size * style.leading + 2.0 * pad;
    doc.ensure(height)?;
    let top = doc.cursor();
    doc.fill_rect(doc.left(), top, doc.content_width(), height, 0.93);
    doc.stroke_rect(doc.left(), top, doc.content_width(), height, 0.75);
    doc.space(pad);
    let inner = doc.content_width() - 2.0 * pad;
    doc.paragraph_in(doc.left() + pad, inner, &text, style, Align::Center)?;
    doc.space(pad + 16.0);

    let body = TextStyle::regular(12.0);
    doc.paragraph(
        "When the page opens you will be asked for your date of birth and ZIP code, \
         so that only you can use it.",
        body,
        Align::Left,
    )?;
    doc.space(6.0);
    doc.paragraph(
        "Keep this page to yourself: until it is used or expires, anyone holding it could \
         open the link.",
        body,
        Align::Left,
    )?;
    doc.space(10.0);
    doc.paragraph(
        "The dealership will never ask for your password.",
        TextStyle::bold(12.0),
        Align::Left,
    )?;
    doc.space(4.0);
    doc.paragraph(
        &format!("If you did not expect this page, call {dealership}."),
        body,
        Align::Left,
    )?;
    doc.finish()
}

/// The expiry as the customer reads it, in the desk's local time ("Nov 29, 2026 at 2:30 PM").
pub fn local_expiry_text(expires_at: DateTime<Utc>) -> String {
    expires_at
        .with_timezone(&Local)
        .format("%b %-d, %Y at %-I:%M %p")
        .to_string()
}

/// The handout for a link just issued: the dealership's name from the settings, the customer's
/// given name from their record, the expiry in local time.
pub async fn handout_for(
    store: &Store,
    link: &IssuedLink,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, LinkError> {
    let dealership = store.setting_text("dealership_name", "DealerDesk").await?;
    let given = dealerdesk_store::read::links::customer_given_name(
        store,
        &CustomerId::from(link.customer_id.as_str().trim()),
    )
    .await?;
    let given = given.ok_or_else(|| LinkError::CustomerNotFound(link.customer_id.to_string()))?;
    let expires = local_expiry_text(parse_ts(&link.expires_at));
    Ok(handout_pdf(
        &dealership,
        &given,
        link.purpose.describe(),
        &link.url,
        &expires,
        now,
    )?)
}
