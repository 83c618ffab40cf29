//! The customer pages in a real headless browser: Debian's Chromium, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`, file descriptors 3 and 4, here two FIFOs), so
//! no WebDriver server or websocket client is needed. Skipped (with a note) when Chromium is not
//! installed.

use std::time::{Duration, Instant};

use dealerdesk_services::links::{self, LinkPurpose};
use serde_json::json;

use crate::support::links::{customer_id, issue_input};
use crate::support::web::{chromium, serve, Browser};
use crate::support::{cli_actor, fresh, now};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_onboarding_and_upload_flows() {
    // scripts/setup installs Chromium; a missing browser is a broken set-up, not a pass.
    let exe =
        chromium().expect("Chromium is not installed: run scripts/setup (apt install chromium)");
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let (base, _stop) = serve(&f.store).await;
    let onboarding = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("issued");
    let upload = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::UploadDocuments),
        now(),
    )
    .await
    .expect("issued");
    let token = |url: &str| links::token_from(url).expect("token").to_string();
    let (t1, t2) = (token(&onboarding.url), token(&upload.url));
    let dir = f.dir.path().to_path_buf();
    let pdf = dir.join("paystub.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("pdf");

    let run = tokio::task::spawn_blocking(move || {
        let mut b = Browser::launch(&exe, &dir);
        // Scan-equivalent open: the browser follows the link and lands on the check.
        b.navigate(&format!("{base}/l/{t1}"));
        let text = b.wait_for("/verify");
        assert!(text.contains("Confirm it is you"), "{text}");
        assert!(!text.contains("Maria"), "nothing personal before the check");
        assert_eq!(
            b.eval("location.href.includes('/l/')"),
            json!(false),
            "the token left the address bar"
        );
        b.fill_and_click(
            &[("dob", "03/09/1984"), ("zip", "75201")],
            "button[type=submit]",
        );
        let text = b.wait_for("/portal");
        assert!(text.contains("Create your online account"), "{text}");
        let pw = "blue harbor lantern ninety";
        b.fill_and_click(&[("password", pw), ("confirm", pw)], "button[type=submit]");
        let start = Instant::now();
        let secret = loop {
            let s = b.eval("(document.querySelector('code') || {}).textContent || ''");
            if let Some(s) = s.as_str().filter(|s| !s.is_empty()) {
                break s.to_string();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "enrolment page");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(b.eval("!!document.querySelector('.qr svg')"), json!(true));
        let code = dealerdesk_services::auth::totp_code_at(&secret, "x", now()).expect("code");
        b.fill_and_click(&[("code", &code)], "button[type=submit]");
        let start = Instant::now();
        loop {
            let text = b.wait_for("/portal");
            if text.contains("Your account is ready") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "confirmation: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let weight = b.eval("document.documentElement.outerHTML.length");
        assert!(weight.as_u64().unwrap_or(u64::MAX) < 100 * 1024);

        // Upload flow.
        b.navigate(&format!("{base}/l/{t2}"));
        b.wait_for("/verify");
        b.fill_and_click(
            &[("dob", "03/09/1984"), ("zip", "75201")],
            "button[type=submit]",
        );
        let text = b.wait_for("/portal");
        assert!(text.contains("Upload your documents"), "{text}");
        let doc = b.page("DOM.getDocument", json!({}));
        let root = doc["root"]["nodeId"].clone();
        let input = b.page(
            "DOM.querySelector",
            json!({"nodeId": root, "selector": "#file"}),
        );
        b.page(
            "DOM.setFileInputFiles",
            json!({"nodeId": input["nodeId"], "files": [pdf.to_string_lossy()]}),
        );
        b.eval("document.querySelector('button[type=submit]').click(); true");
        let start = Instant::now();
        loop {
            let text = b.wait_for("/portal/upload");
            if text.contains("Received paystub.pdf") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "upload: {text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the browser flows finish within 2 minutes")
        .expect("browser flows");
    let docs = links::list_documents(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from(cid.as_str()),
    )
    .await
    .expect("docs");
    assert_eq!(docs.len(), 1);
    let enrolled: Option<String> =
        sqlx::query_scalar("SELECT totp_secret_enc FROM portal_account WHERE customer_id = ?1")
            .bind(&cid)
            .fetch_one(f.store.pool())
            .await
            .expect("account");
    assert!(enrolled.is_some());
}
