//! Contract rendering: a 4-page retail installment sale contract (buyer and co-buyer) rendered
//! from a stored quote document (target ≤ 50 ms, file ≤ 300 KB), and, when `chromium` is on the
//! PATH, headless Chromium printing the same contract's text as HTML to PDF (`--print-to-pdf`)
//! in the same run, with the ratio printed at the end (target ≥ 10×).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dealerdesk_rules::finance::Limits;
use dealerdesk_services::contract::{
    self, ContractInput, ContractParty, ContractVehicle, RenderMode,
};
use dealerdesk_services::deal::{price_option, LoanTerms, OptionTerms};

fn input() -> ContractInput {
    let terms = OptionTerms::Loan(LoanTerms {
        price: "32500".into(),
        addons: "1895".into(),
        taxes_fees: "2310".into(),
        dealer_fees: "499".into(),
        down: "3000".into(),
        trade: "9000".into(),
        payoff: "11000".into(),
        rebate: "1000".into(),
        rate: "7.49".into(),
        term: 72,
        contract_date: "2026-11-25".into(),
        first_payment: None,
    });
    let priced = match price_option(&terms, &Limits::default(), None, "") {
        Ok(p) => p,
        Err(e) => panic!("the bench deal prices: {e}"),
    };
    ContractInput {
        document_id: "0193a5f0-0000-7000-8000-00000000bench".into(),
        contract_number: "BENCH-1".into(),
        created: Utc
            .with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
            .single()
            .unwrap_or_default(),
        dealer: ContractParty {
            name: "Lakeside Motors".into(),
            address: vec!["1200 Lakeshore Blvd".into(), "Dallas, TX 75201".into()],
        },
        buyer: ContractParty {
            name: "Maria Elena Gonzalez".into(),
            address: vec!["4821 Lakeview Dr, Apt 12".into(), "Dallas, TX 75201".into()],
        },
        co_buyer: Some(ContractParty {
            name: "Luis Gonzalez".into(),
            address: vec!["4821 Lakeview Dr, Apt 12".into(), "Dallas, TX 75201".into()],
        }),
        vehicle: ContractVehicle {
            year: 2025,
            make: "Toyota".into(),
            model: "Camry".into(),
            trim: Some("XSE".into()),
            vin: "4T1B61HK5KU000001".into(),
            condition: "new".into(),
            odometer: 12,
        },
        quote_document: priced.document,
    }
}

/// The contract's text, page by page, as simple semantic HTML with the same boxes and page
/// breaks, for Chromium to print.
fn html_of(pdf: &Path) -> Option<String> {
    let o = Command::new("pdftotext").arg(pdf).arg("-").output().ok()?;
    let text = String::from_utf8(o.stdout).ok()?;
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Retail Installment Sale Contract</title>\
<style>@page{size:letter;margin:0.75in}body{font-family:'DejaVu Sans',sans-serif;font-size:8.5pt}\
h1{font-size:15pt;text-align:center}p{margin:0 0 3pt}.box{border:1pt solid #000;padding:6pt;font-weight:bold;font-size:10pt}\
section{page-break-after:always}table{border-collapse:collapse;width:100%}td{border:0.9pt solid #000;padding:5pt;vertical-align:top}</style>\
</head><body>",
    );
    for page in text.split('\u{c}').filter(|p| !p.trim().is_empty()) {
        html.push_str("<section>");
        for para in page.split("\n\n") {
            let p = para.trim().replace('&', "&amp;").replace('<', "&lt;");
            if p.is_empty() {
                continue;
            }
            if p.starts_with("NOTICE: ANY HOLDER") {
                html.push_str(&format!("<div class=\"box\">{p}</div>"));
            } else if p.contains("RETAIL INSTALLMENT SALE CONTRACT") {
                html.push_str(&format!("<h1>{p}</h1>"));
            } else {
                html.push_str(&format!("<p>{p}</p>"));
            }
        }
        html.push_str("</section>");
    }
    html.push_str("</body></html>");
    Some(html)
}

fn chromium_print(html: &Path, out: &Path) -> bool {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn chromium_available() -> bool {
    Command::new("chromium")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn bench(c: &mut Criterion) {
    let input = input();
    let rendered = match contract::render(&input, RenderMode::Original, &[]) {
        Ok(r) => r,
        Err(e) => panic!("the bench contract renders: {e}"),
    };
    eprintln!(
        "contract: {} pages, {} bytes ({:.1} KB)",
        rendered.page_count,
        rendered.bytes.len(),
        rendered.bytes.len() as f64 / 1024.0
    );
    assert!(rendered.bytes.len() <= 300 * 1024, "file ≤ 300 KB");

    let mut g = c.benchmark_group("contract");
    g.bench_function("render_risc_4_pages", |b| {
        b.iter(|| contract::render(black_box(&input), RenderMode::Original, &[]))
    });
    g.finish();

    if !chromium_available() {
        eprintln!("chromium not found: skipping the headless Chromium comparison");
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dd-contract-bench-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let pdf = dir.join("contract.pdf");
    let html_path = dir.join("contract.html");
    let out = dir.join("chromium.pdf");
    let html = std::fs::write(&pdf, &rendered.bytes)
        .ok()
        .and_then(|()| html_of(&pdf));
    let Some(html) = html else {
        eprintln!("pdftotext not found: skipping the headless Chromium comparison");
        return;
    };
    if std::fs::write(&html_path, html).is_err() || !chromium_print(&html_path, &out) {
        eprintln!("chromium could not print: skipping the comparison");
        return;
    }
    let mut g = c.benchmark_group("contract_vs_chromium");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("chromium_headless_print_to_pdf", |b| {
        b.iter(|| chromium_print(black_box(&html_path), &out))
    });
    g.finish();

    // The ratio, measured back to back in this run.
    let runs = 5u32;
    let t = Instant::now();
    for _ in 0..runs {
        chromium_print(&html_path, &out);
    }
    let chromium = t.elapsed() / runs;
    let n = 200u32;
    let t = Instant::now();
    for _ in 0..n {
        let _ = black_box(contract::render(&input, RenderMode::Original, &[]));
    }
    let ours = t.elapsed() / n;
    let chromium_size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "render {:.2} ms vs chromium --print-to-pdf {:.1} ms: {:.0}x faster (chromium file {} bytes)",
        ours.as_secs_f64() * 1000.0,
        chromium.as_secs_f64() * 1000.0,
        chromium.as_secs_f64() / ours.as_secs_f64().max(1e-9),
        chromium_size
    );
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(contract_benches, bench);
criterion_main!(contract_benches);
