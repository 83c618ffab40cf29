//! The shared PDF layer and the link handout, checked from the outside with poppler's tools
//! (`pdftotext`, `pdffonts`, `pdfinfo`, `pdftoppm`) and a QR decoder.

use std::path::{Path, PathBuf};
use std::process::Command;

use dealerdesk_pdf::{Align, DocInfo, Document, TextStyle};
use dealerdesk_services::links::handout::handout_pdf;

use crate::support::{fresh, now};

const URL: &str = "http://192.168.1.20:8080/l/Qm9vdHN0cmFwX3Rva2VuX2Zvcl90ZXN0aW5nX29ubHlfMTIzNA";
const EXPIRES: &str = "Nov 28, 2026 at 3:00 PM";
const PURPOSE: &str = "set up your online finance account";

fn handout(dealership: &str) -> Vec<u8> {
    handout_pdf(dealership, "Maria", PURPOSE, URL, EXPIRES, now()).expect("handout")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write pdf");
    p
}

fn tool(name: &str, args: &[&str], file: &Path) -> String {
    let o = Command::new(name)
        .args(args)
        .arg(file)
        .args(if name == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// The page's text with all runs of whitespace made one space.
fn text_of(file: &Path) -> String {
    tool("pdftotext", &[], file)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn squeezed(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn the_handout_says_who_what_where_and_until_when() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "h.pdf", &handout("Lakeside Motors"));
    let text = text_of(&f);
    assert!(text.contains("Lakeside Motors"), "{text}");
    assert!(text.contains("Hello Maria,"), "{text}");
    assert!(text.contains(PURPOSE), "{text}");
    assert!(
        text.contains(&format!("Works until {EXPIRES}, once.")),
        "{text}"
    );
    assert!(text.contains("date of birth and ZIP code"), "{text}");
    assert!(
        text.contains("The dealership will never ask for your password."),
        "{text}"
    );
    assert!(text.contains("Page 1 of 1"), "{text}");
    // The URL may wrap; it is all there.
    assert!(squeezed(&text).contains(URL), "{text}");
}

#[test]
fn the_handout_is_one_letter_page_with_the_font_embedded_and_subset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "h.pdf", &handout("Lakeside Motors"));
    let info = tool("pdfinfo", &[], &f);
    assert!(info.contains("612 x 792 pts"), "{info}");
    let pages = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .expect("Pages line");
    assert_eq!(pages.split_whitespace().last(), Some("1"), "{info}");

    let fonts = tool("pdffonts", &[], &f);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "regular and bold: {fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let name = cols[0];
        assert!(name.contains("DejaVuSans"), "{fonts}");
        // "ABCDEF+Name" is how a subset is named.
        let (tag, _) = name.split_once('+').expect("subset tag");
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "{name}"
        );
        let n = cols.len();
        // … emb sub uni object-id generation
        assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "{fonts}");
    }
    let size = std::fs::metadata(&f).expect("size").len();
    assert!(size < 100_000, "subsetting keeps it small: {size} bytes");
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = handout("Lakeside Motors");
    let b = handout("Lakeside Motors");
    assert_eq!(a, b);
    // The creation time is the explicit parameter, and it is the only time in the file.
    let later = now() + chrono::Duration::days(1);
    let c = handout_pdf("Lakeside Motors", "Maria", PURPOSE, URL, EXPIRES, later).expect("pdf");
    assert_ne!(a, c);
    assert!(String::from_utf8_lossy(&a).contains("D:20261125150000"));
    // Another customer's handout is another document.
    let d = handout_pdf("Lakeside Motors", "Ann", PURPOSE, URL, EXPIRES, now()).expect("pdf");
    assert_ne!(a, d);
}

#[test]
fn a_very_long_dealership_name_wraps_instead_of_overflowing() {
    let name = "The Extraordinarily Long Named Family Owned Lakeside Motors Chevrolet Buick GMC \
                Cadillac Superstore of Greater Springfield";
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "long.pdf", &handout(name));
    let text = text_of(&f);
    assert!(text.contains(name), "{text}");
    // Every line stays inside the page: poppler reports each word's box.
    let bbox = tool("pdftotext", &["-bbox"], &f);
    for line in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
        let attr = |k: &str| -> f32 {
            let start = line.find(&format!("{k}=\"")).expect(k) + k.len() + 2;
            let end = start + line[start..].find('"').expect("quote");
            line[start..end].parse().expect("number")
        };
        assert!(attr("xMin") >= 0.0 && attr("xMax") <= 612.0, "{line}");
    }
    let info = tool("pdfinfo", &[], &f);
    assert!(info.contains("612 x 792 pts"), "{info}");
}

#[test]
fn characters_the_font_lacks_are_refused_not_dropped() {
    let err = handout_pdf(
        "Lakeside \u{1F697} Motors",
        "Maria",
        PURPOSE,
        URL,
        EXPIRES,
        now(),
    )
    .expect_err("emoji");
    assert!(
        matches!(err, dealerdesk_pdf::PdfError::UnsupportedCharacter { .. }),
        "{err}"
    );
    // Accented names are fine.
    let ok = handout_pdf("Peña Autohaus Zürich", "José", PURPOSE, URL, EXPIRES, now());
    assert!(ok.is_ok());
}

#[test]
fn long_documents_flow_onto_numbered_pages() {
    let mut doc = Document::new(DocInfo {
        title: "Flow".into(),
        subject: String::new(),
        author: "DealerDesk".into(),
        document_id: "flow-test".into(),
        created: now(),
    })
    .expect("doc");
    for i in 0..120 {
        doc.paragraph(
            &format!(
                "Paragraph {i}: the finance charge is the dollar amount the credit will cost you."
            ),
            TextStyle::regular(11.0),
            Align::Left,
        )
        .expect("paragraph");
    }
    let pages = doc.page_count();
    assert!(pages >= 3, "{pages}");
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "flow.pdf", &doc.finish().expect("finish"));
    let text = text_of(&f);
    for p in 1..=pages {
        assert!(text.contains(&format!("Page {p} of {pages}")), "{p}");
    }
    assert!(text.contains("Paragraph 0:") && text.contains("Paragraph 119:"));
}

/// Reads a binary PGM (P5) as written by `pdftoppm -gray`.
fn read_pgm(bytes: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .expect("ascii")
                .to_string(),
        );
    }
    assert_eq!(fields[0], "P5");
    let w: usize = fields[1].parse().expect("width");
    let h: usize = fields[2].parse().expect("height");
    (w, h, &bytes[i + 1..i + 1 + w * h])
}

#[test]
fn the_printed_qr_code_scans_back_to_the_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "h.pdf", &handout("Lakeside Motors"));
    let prefix = dir.path().join("page");
    let o = Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-singlefile"])
        .arg(&f)
        .arg(&prefix)
        .output()
        .expect("run pdftoppm");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pgm = std::fs::read(dir.path().join("page.pgm")).expect("pgm");
    let (w, h, px) = read_pgm(&pgm);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    let (_, content) = grids[0].decode().expect("decodes");
    assert_eq!(content, URL);
}

#[tokio::test]
async fn the_cli_writes_the_handout_when_issuing() {
    use crate::support::desk::verified_customer;
    use crate::support::{cli_actor, code, json};
    let f = fresh().await;
    let cid = verified_customer(&f.store).await;
    dealerdesk_services::settings::apply(
        &f.store,
        &cli_actor(),
        None,
        Some("Lakeside Motors"),
        now(),
    )
    .await
    .expect("settings");
    let db = f.db_path();
    f.store.close().await;
    let pdf = f.dir.path().join("handout.pdf");
    let o = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .arg("--db")
        .arg(&db)
        .args([
            "link",
            "issue",
            "--customer",
            cid.as_str(),
            "--purpose",
            "upload_documents",
            "--ttl",
            "24h",
            "--handout",
        ])
        .arg(&pdf)
        .arg("--json")
        .env_remove("DEALERDESK_DB")
        .env_remove("DEALERDESK_KEY_FILE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run dealerdesk");
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let issued = json(&o);
    let url = issued["url"].as_str().expect("url");
    let text = text_of(&pdf);
    assert!(text.contains("Lakeside Motors"), "{text}");
    assert!(text.contains("Hello Maria,"), "{text}");
    assert!(
        text.contains("upload the documents your lender asked for"),
        "{text}"
    );
    assert!(text.contains("Works until"), "{text}");
    assert!(squeezed(&text).contains(url), "{text}");
}

#[tokio::test]
async fn a_dealership_name_the_font_cannot_print_is_refused_in_the_settings() {
    let f = fresh().await;
    let err = dealerdesk_services::settings::apply(
        &f.store,
        &crate::support::cli_actor(),
        None,
        Some("Lakeside \u{1F697} Motors"),
        now(),
    )
    .await
    .expect_err("emoji in the name");
    assert!(err.to_string().contains("cannot be printed"), "{err}");
    let name = dealerdesk_services::settings::read(&f.store)
        .await
        .expect("read");
    assert_eq!(name.dealership_name, "DealerDesk");
}
