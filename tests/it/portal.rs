//! The customer portal over real HTTP (in process, 127.0.0.1, an ephemeral port).

use chrono::Duration;
use dealerdesk_portal::LinkLimiter;
use dealerdesk_services::links::{self, LinkPurpose, LinkState};
use dealerdesk_store::Store;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;

use crate::support::links::{customer_id, issue_input};
use crate::support::web::{csrf_in, set_cookie, start};
use crate::support::{cli_actor, fresh, now};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_open_check_password_totp_confirmation() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("issued");
    let token = links::token_from(&issued.url).expect("token").to_string();
    let s = start(&f.store, LinkLimiter::default()).await;

    // Scan-equivalent open: the token moves into a cookie and leaves the address bar.
    let r = s.get(&format!("/l/{token}"), None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/verify");
    let h = r.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("default-src 'none'"));
    assert!(h["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let (link, raw) = set_cookie(h, "dd_link").expect("cookie");
    assert_eq!(link, token);
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
        "{raw}"
    );
    assert_eq!(
        links::get(&f.store, &issued.id, now())
            .await
            .expect("get")
            .state,
        LinkState::Opened
    );
    let cookie = format!("dd_link={link}");

    let verify = s.get("/verify", Some(&cookie)).await;
    assert_eq!(verify.status(), StatusCode::OK);
    let body = verify.text().await.expect("body");
    assert!(body.len() < 100 * 1024, "page weight");
    assert!(!body.contains("<script"), "no JavaScript");
    assert!(
        !body.contains("Maria"),
        "nothing personal before the knowledge check"
    );
    let csrf = csrf_in(&body);

    // A POST without the CSRF token is refused and redeems nothing.
    let r = s
        .post(
            "/verify",
            &cookie,
            &[("dob", "03/09/1984"), ("zip", "75201")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .post(
            "/verify",
            &cookie,
            &[("csrf", "0000"), ("dob", "03/09/1984"), ("zip", "75201")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .client
        .post(format!("{}/verify", s.base))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("dob", "03/09/1984"),
            ("zip", "75201"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a foreign origin is refused"
    );
    assert_eq!(
        links::get(&f.store, &issued.id, now())
            .await
            .expect("get")
            .state,
        LinkState::Opened
    );

    // A wrong answer says how many tries are left.
    let r = s
        .post(
            "/verify",
            &cookie,
            &[("csrf", &csrf), ("dob", "03/10/1984"), ("zip", "75201")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("2 tries left"));

    // As a browser posts under no-referrer: `Origin: null`.
    let r = s
        .client
        .post(format!("{}/verify", s.base))
        .header("cookie", &cookie)
        .header("origin", "null")
        .form(&[
            ("csrf", csrf.as_str()),
            ("dob", "03/09/1984"),
            ("zip", "75201"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/portal");
    let (session, _) = set_cookie(r.headers(), "dd_portal").expect("session");
    let portal_cookie = format!("dd_portal={session}");

    let body = s
        .get("/portal", Some(&portal_cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(body.contains("new-password"), "password step");
    let csrf = csrf_in(&body);
    let r = s
        .post(
            "/portal/password",
            &portal_cookie,
            &[("csrf", &csrf), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("12 characters"));
    let pw = "blue harbor lantern ninety";
    let r = s
        .post(
            "/portal/password",
            &portal_cookie,
            &[("csrf", &csrf), ("password", pw), ("confirm", pw)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let body = s
        .get("/portal", Some(&portal_cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(
        body.contains("<svg"),
        "QR code of the authenticator enrolment"
    );
    assert!(
        body.len() < 100 * 1024,
        "page weight with the QR code: {}",
        body.len()
    );
    let start = body.find("<code>").expect("secret") + 6;
    let secret = body[start..].split('<').next().expect("secret").to_string();
    let code = dealerdesk_services::auth::totp_code_at(&secret, "x", now()).expect("code");
    let r = s
        .post(
            "/portal/totp",
            &portal_cookie,
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            "/portal/totp",
            &portal_cookie,
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let body = s
        .get("/portal", Some(&portal_cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(body.contains("Your account is ready"), "{body}");
    let enrolled: Option<String> =
        sqlx::query_scalar("SELECT totp_secret_enc FROM portal_account WHERE customer_id = ?1")
            .bind(&cid)
            .fetch_one(f.store.pool())
            .await
            .expect("account");
    assert!(enrolled.is_some());

    // Used now: the same link gets the generic page.
    let r = s.get(&format!("/l/{token}"), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_used_and_revoked_links_get_the_same_page() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let s = start(&f.store, LinkLimiter::default()).await;
    let issue = |ttl: Option<u32>| {
        let mut input = issue_input(&cid, LinkPurpose::ConfirmContact);
        input.ttl_minutes = ttl;
        input
    };
    // Expired: issued 2 hours before the portal's clock with a 1-hour life.
    let expired = links::issue(&f.store, &a, &issue(Some(60)), now() - Duration::hours(2))
        .await
        .expect("issued");
    let revoked = links::issue(&f.store, &a, &issue(None), now())
        .await
        .expect("issued");
    links::revoke(&f.store, &a, &revoked.id, now())
        .await
        .expect("revoke");
    let used = links::issue(&f.store, &a, &issue(None), now())
        .await
        .expect("issued");
    let used_token = links::token_from(&used.url).expect("token").to_string();
    s.redeem(&used_token).await;
    let mut pages = Vec::new();
    for path in [
        format!("/l/{}", links::generate_token()),
        format!("/l/{}", links::token_from(&expired.url).expect("t")),
        format!("/l/{}", links::token_from(&revoked.url).expect("t")),
        format!("/l/{used_token}"),
        "/l/short".to_string(),
        "/l/%27%20OR%201%3D1".to_string(),
        "/nothing-here".to_string(),
    ] {
        let r = s.get(&path, None).await;
        let status = r.status();
        assert!(
            r.headers().get_all(SET_COOKIE).iter().next().is_none(),
            "{path}: no cookie"
        );
        pages.push((status, r.text().await.expect("body")));
    }
    assert!(pages.iter().all(|p| *p == pages[0]), "one generic page");
    assert_eq!(pages[0].0, StatusCode::NOT_FOUND);
    // A POST with no link cookie at all.
    let r = s
        .post("/verify", "", &[("dob", "03/09/1984"), ("zip", "75201")])
        .await;
    assert_eq!((r.status(), r.text().await.expect("body")), pages[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_link_is_rate_limited_per_token() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let s = start(&f.store, LinkLimiter::new(2, 100, Duration::minutes(10))).await;
    let path = format!("/l/{}", links::token_from(&issued.url).expect("t"));
    assert_eq!(s.get(&path, None).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get(&path, None).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.get(&path, None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        s.get(&path, None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'link.rate_limited'")
            .fetch_one(f.store.pool())
            .await
            .expect("count");
    assert_eq!(
        audited, 1,
        "the first refusal of the window is on record, once"
    );
}

async fn documents(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM link_document")
        .fetch_one(store.pool())
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_refuse_missing_csrf_wrong_types_and_oversized_files() {
    use reqwest::multipart::{Form, Part};
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::UploadDocuments),
        now(),
    )
    .await
    .expect("issued");
    let s = start(&f.store, LinkLimiter::default()).await;
    let cookie = s.redeem(links::token_from(&issued.url).expect("t")).await;
    let body = s
        .get("/portal", Some(&cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(body.contains("multipart/form-data"));
    let csrf = csrf_in(&body);
    let upload = |csrf: Option<String>, name: &'static str, bytes: Vec<u8>| {
        let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name));
        if let Some(c) = csrf {
            form = form.text("csrf", c);
        }
        s.client
            .post(format!("{}/portal/upload", s.base))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
    };
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();

    let r = upload(None, "paystub.pdf", pdf.clone())
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(documents(&f.store).await, 0);

    let r = upload(
        Some(csrf.clone()),
        "paystub.pdf",
        b"MZ\x90\x00 not a pdf".to_vec(),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("JPEG or PNG"));
    assert_eq!(documents(&f.store).await, 0);

    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(links::MAX_UPLOAD_BYTES + 1, b'x');
    let r = upload(Some(csrf.clone()), "big.pdf", big).await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    let mut huge = b"%PDF-1.4\n".to_vec();
    huge.resize(links::MAX_UPLOAD_BYTES + 200 * 1024, b'x');
    if let Ok(r) = upload(Some(csrf.clone()), "huge.pdf", huge).await {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(documents(&f.store).await, 0, "nothing stored");

    let r = upload(Some(csrf.clone()), "../../paystub.pdf", pdf.clone())
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("Received paystub.pdf"));
    let docs = links::list_documents(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from(cid.as_str()),
    )
    .await
    .expect("docs");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].content_type, "application/pdf");
    assert_eq!(docs[0].sha256, dealerdesk_store::crypto::sha256_hex(&pdf));
    assert_eq!(docs[0].size_bytes, pdf.len() as i64);
    let (_, bytes) = links::open_document(&f.store, &cli_actor(), &docs[0].id, now())
        .await
        .expect("open");
    assert_eq!(bytes, pdf, "stored encrypted, read back whole");
}
