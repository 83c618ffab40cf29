//! `dealerdesk portal serve`: the customer-facing web server that link URLs and QR codes open,
//! on the showroom network.
//!
//! Server-rendered HTML, no JavaScript, no third-party assets (one small stylesheet served from
//! here); every page is a few kilobytes. The flow: `GET /l/<token>` records the view, moves the
//! token into a cookie and redirects to `/verify`, so the token leaves the address bar and
//! history; `/verify` asks the knowledge check (date of birth, ZIP code) and redeems the link;
//! `/portal` then shows the purpose's steps.
//!
//! Security: a strict CSP (`default-src 'none'`), `frame-ancestors 'none'` and
//! `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` (the token never leaks in a Referer),
//! `nosniff`, `Cache-Control: no-store`. Every POST carries a CSRF token, an HMAC (per-process key)
//! of the cookie it acts on, compared in constant time; a cross-origin `Origin` is refused.
//! Cookies are `HttpOnly`, `SameSite=Strict`, and `Secure` when the portal's address is https.
//! Over plain http on a LAN demo a browser would drop `Secure` cookies, so they are sent without
//! it there (the command says so when it starts); put the portal behind https for real use.
//! Invalid, expired, used and revoked links all get the same page, with the same status.
//! Attempts are rate-limited per token and per client (in memory; see [`LinkLimiter`]).
//! Redemptions arriving together are committed together by the portal's [`RedeemWriter`].

mod rate;
mod writer;

pub use rate::{Attempt, LinkLimiter, RateLimiter};
pub use writer::RedeemWriter;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use dealerdesk_services::auth::MfaEnrolment;
use dealerdesk_services::contract::sign::{ESIGN_DISCLOSURE, INTENT_STATEMENT};
use dealerdesk_services::contract::FieldKind;
use dealerdesk_services::links::remote::{self, RemoteSigning};
use dealerdesk_services::links::{
    confirm_contact, confirm_totp, contact_details, enrolment, open, peek, portal_session,
    set_password, upload_document, ContactCorrection, KnowledgeAnswer, LinkError, LinkPurpose,
    PortalSession, RedeemRequest, MAX_UPLOAD_BYTES,
};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::Store;

const LINK_COOKIE: &str = "dd_link";
const SESSION_COOKIE: &str = "dd_portal";
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The clock the portal reads (injected in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How the portal runs.
pub struct PortalConfig {
    /// The address links point to (setting `portal_base_url`).
    pub base_url: String,
    /// Mark cookies `Secure` (on when `base_url` is https).
    pub secure_cookies: bool,
    pub dealership: String,
    pub limiter: LinkLimiter,
    pub clock: Clock,
}

impl PortalConfig {
    /// The configuration from the desk's settings, with the real clock and default limits.
    pub async fn for_store(store: &Store) -> Result<Self, LinkError> {
        let s = dealerdesk_services::links::settings(store).await?;
        Ok(Self {
            secure_cookies: s.portal_base_url.starts_with("https://"),
            base_url: s.portal_base_url,
            dealership: store.setting_text("dealership_name", "DealerDesk").await?,
            limiter: LinkLimiter::default(),
            clock: Arc::new(Utc::now),
        })
    }
}

struct Portal {
    store: Store,
    cfg: PortalConfig,
    csrf_key: [u8; 32],
    redemptions: RedeemWriter,
}

type Shared = Arc<Portal>;

/// The portal's routes, for [`serve`] or an in-process test.
pub fn router(store: Store, cfg: PortalConfig) -> Router {
    let mut csrf_key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut csrf_key);
    let state = Arc::new(Portal {
        redemptions: RedeemWriter::new(store.clone()),
        store,
        cfg,
        csrf_key,
    });
    Router::new()
        .route("/", get(home))
        .route("/style.css", get(style))
        .route("/l/{token}", get(open_link))
        .route("/verify", get(verify_page).post(verify_submit))
        .route("/portal", get(portal_page))
        .route("/portal/password", post(password_submit))
        .route("/portal/totp", post(totp_submit))
        .route("/portal/contact", post(contact_submit))
        .route("/portal/contract.pdf", get(contract_pdf_inline))
        .route("/portal/contract/download", get(contract_pdf_download))
        .route("/portal/consent", post(consent_submit))
        .route("/portal/sign", post(sign_submit))
        .route(
            "/portal/upload",
            post(upload_submit).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves the portal on `listener` until `shutdown` completes.
pub async fn serve(
    store: Store,
    cfg: PortalConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(store, cfg);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn security_headers(req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

// ----- helpers ------------------------------------------------------------------------------

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(p: &Portal, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{t} · {d}</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><header><p class=\"brand\">{d}</p></header><main><h1>{t}</h1>{body}</main></body></html>\n",
        t = esc(title),
        d = esc(&p.cfg.dealership),
    )
}

fn html(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        text,
    )
        .into_response()
}

fn with_cookies(mut res: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn cookie(p: &Portal, name: &str, value: &str, max_age: i64) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if p.cfg.secure_cookies { "; Secure" } else { "" }
    )
}

fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn csrf_for(p: &Portal, cookie_value: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&p.csrf_key).expect("any key length");
    mac.update(b"dealerdesk/portal-csrf/v1\0");
    mac.update(cookie_value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn csrf_ok(p: &Portal, headers: &HeaderMap, cookie_value: &str, given: Option<&str>) -> bool {
    // Browsers send `Origin: null` on form posts under `Referrer-Policy: no-referrer`; only a
    // named origin that is not ours is refused (the CSRF token is the real check).
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| *o != "null")
    {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin_host != host {
            return false;
        }
    }
    let expected = csrf_for(p, cookie_value);
    given.is_some_and(|g| bool::from(expected.as_bytes().ct_eq(g.as_bytes())))
}

fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(token)
    )
}

fn now(p: &Portal) -> DateTime<Utc> {
    (p.cfg.clock)()
}

/// The one page for every link that cannot be used (unknown, malformed, expired, used, revoked,
/// burned) and for an ended session: same words, same status.
fn unusable(p: &Portal) -> Response {
    html(
        StatusCode::NOT_FOUND,
        page(
            p,
            "This link cannot be used",
            "<p>The link may have expired, been used already, or been cancelled.</p><p>Ask the dealership for a new link.</p>",
        ),
    )
}

fn forbidden(p: &Portal) -> Response {
    html(
        StatusCode::FORBIDDEN,
        page(
            p,
            "Please try again",
            "<p>This form expired or did not come from this page. Go back, reload the page and send it again.</p><p>Nothing was saved.</p>",
        ),
    )
}

fn too_many(p: &Portal) -> Response {
    html(
        StatusCode::TOO_MANY_REQUESTS,
        page(
            p,
            "Too many attempts",
            "<p>Please wait a few minutes, then try again.</p>",
        ),
    )
}

/// Counts an attempt with a link token; the refusal page when over a limit. The first refusal
/// of a window is audited (not every one: a flood must not fill the audit log).
async fn limited(p: &Portal, token: &str, client: &str, t: DateTime<Utc>) -> Option<Response> {
    match p.cfg.limiter.attempt(token, client, t) {
        Attempt::Allowed => None,
        Attempt::Refused { first, limit } => {
            if first {
                let event = AuditEvent::new(
                    format!("portal:{client}"),
                    "link.rate_limited",
                    AuditOutcome::Denied,
                )
                .detail(format!("{limit} limit reached"));
                if let Err(e) = audit::record(&p.store, t, &event).await {
                    tracing::error!(error = %e, "could not audit a rate-limit refusal");
                }
            }
            Some(too_many(p))
        }
    }
}

fn failure(p: &Portal, e: &LinkError) -> Response {
    match e {
        LinkError::Unusable | LinkError::SessionEnded => unusable(p),
        LinkError::RateLimited => too_many(p),
        other => {
            tracing::error!(error = %other, "portal error");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                page(
                    p,
                    "Something went wrong",
                    "<p>Please try again in a moment. If it keeps happening, call the dealership.</p>",
                ),
            )
        }
    }
}

fn error_note(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default()
}

// ----- pages --------------------------------------------------------------------------------

async fn home(State(p): State<Shared>) -> Response {
    html(
        StatusCode::OK,
        page(
            &p,
            "Customer portal",
            "<p>Open the link or scan the QR code the dealership gave you.</p>",
        ),
    )
}

async fn not_found(State(p): State<Shared>) -> Response {
    unusable(&p)
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

const STYLE: &str = "body{font:17px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}\
header{background:#1f3a5f;color:#fff;padding:.6rem 1rem}.brand{margin:0;font-weight:600}\
main{max-width:32rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem}h2{font-size:1.15rem}\
label{display:block;margin:.8rem 0 .2rem;font-weight:600}\
input{font:inherit;width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #8a94a3;border-radius:6px;background:#fff}\
button{font:inherit;margin-top:1rem;padding:.65rem 1.2rem;border:0;border-radius:6px;background:#1f5fbf;color:#fff}\
button.secondary{background:#e4e8ee;color:#1b1f24}.error{color:#a4161a;font-weight:600}\
.qr svg{width:240px;height:240px}code{word-break:break-all}dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem}\
:focus{outline:3px solid #f0a500;outline-offset:2px}\
.check{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}.check input{width:1.4rem;height:1.4rem;flex:none;margin:.15rem 0 0}\
.disclosure{background:#fff;border:1px solid #c9d0da;border-radius:6px;padding:.2rem 1rem;font-size:.95rem}\
.doc a{display:inline-block;margin:.3rem 1rem .3rem 0}";

fn client_of(addr: &SocketAddr) -> String {
    addr.ip().to_string()
}

async fn open_link(
    State(p): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    let client = client_of(&addr);
    let t = now(&p);
    if let Some(refused) = limited(&p, &token, &client, t).await {
        return refused;
    }
    match open(&p.store, &token, &client, t).await {
        Ok(l) => {
            let max_age = (l.expires_at - t).num_seconds().clamp(1, 15 * 60);
            with_cookies(
                redirect("/verify"),
                &[cookie(&p, LINK_COOKIE, &token, max_age)],
            )
        }
        Err(e) => failure(&p, &e),
    }
}

fn verify_form(p: &Portal, token: &str, purpose: LinkPurpose, message: Option<&str>) -> String {
    page(
        p,
        "Confirm it is you",
        &format!(
            "<p>This link lets you {what}. First, confirm two details we have on file.</p>{err}\
<form method=\"post\" action=\"/verify\">{csrf}\
<label for=\"dob\">Date of birth (MM/DD/YYYY)</label><input id=\"dob\" name=\"dob\" autocomplete=\"bday\" inputmode=\"numeric\" required>\
<label for=\"zip\">ZIP code of your home address</label><input id=\"zip\" name=\"zip\" autocomplete=\"postal-code\" inputmode=\"numeric\" maxlength=\"10\" required>\
<button type=\"submit\">Continue</button></form>",
            what = esc(purpose.describe()),
            err = error_note(message),
            csrf = csrf_field(&csrf_for(p, token)),
        ),
    )
}

async fn verify_page(State(p): State<Shared>, headers: HeaderMap) -> Response {
    let Some(token) = read_cookie(&headers, LINK_COOKIE) else {
        return unusable(&p);
    };
    match peek(&p.store, &token, now(&p)).await {
        Ok(l) => html(StatusCode::OK, verify_form(&p, &token, l.purpose, None)),
        Err(e) => failure(&p, &e),
    }
}

#[derive(Deserialize)]
struct VerifyForm {
    csrf: Option<String>,
    dob: Option<String>,
    zip: Option<String>,
}

async fn verify_submit(
    State(p): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<VerifyForm>,
) -> Response {
    let Some(token) = read_cookie(&headers, LINK_COOKIE) else {
        return unusable(&p);
    };
    if !csrf_ok(&p, &headers, &token, form.csrf.as_deref()) {
        return forbidden(&p);
    }
    let client = client_of(&addr);
    let t = now(&p);
    if let Some(refused) = limited(&p, &token, &client, t).await {
        return refused;
    }
    let answer = KnowledgeAnswer {
        dob: form.dob.unwrap_or_default(),
        zip: form.zip.unwrap_or_default(),
    };
    let clear = cookie(&p, LINK_COOKIE, "", 0);
    let request = RedeemRequest {
        token: token.clone(),
        answer,
        client: client.clone(),
        now: t,
    };
    match p.redemptions.redeem(request).await {
        Ok(r) => with_cookies(
            redirect("/portal"),
            &[
                clear,
                cookie(
                    &p,
                    SESSION_COOKIE,
                    &r.session_token,
                    dealerdesk_services::links::PORTAL_SESSION_LIFETIME.num_seconds(),
                ),
            ],
        ),
        Err(LinkError::KnowledgeCheckFailed { remaining }) if remaining > 0 => {
            let purpose = match peek(&p.store, &token, t).await {
                Ok(l) => l.purpose,
                Err(e) => return failure(&p, &e),
            };
            let msg = format!(
                "Those details do not match our records. {remaining} {} left.",
                if remaining == 1 { "try" } else { "tries" }
            );
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                verify_form(&p, &token, purpose, Some(&msg)),
            )
        }
        Err(LinkError::KnowledgeCheckFailed { .. }) => with_cookies(unusable(&p), &[clear]),
        Err(e) => with_cookies(failure(&p, &e), &[clear]),
    }
}

/// The portal session from the cookie, with the cookie's value (for CSRF).
async fn session_of(p: &Portal, headers: &HeaderMap) -> Result<(PortalSession, String), Response> {
    let Some(token) = read_cookie(headers, SESSION_COOKIE) else {
        return Err(unusable(p));
    };
    match portal_session(&p.store, &token, now(p)).await {
        Ok(s) => Ok((s, token)),
        Err(e) => Err(failure(p, &e)),
    }
}

fn password_form(p: &Portal, csrf: &str, message: Option<&str>) -> String {
    page(
        p,
        "Create your online account",
        &format!(
            "<p>Choose a password of at least 12 characters. A few unrelated words work well.</p>{err}\
<form method=\"post\" action=\"/portal/password\">{csrf}\
<label for=\"password\">New password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" maxlength=\"128\" required>\
<label for=\"confirm\">Type it again</label><input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required>\
<button type=\"submit\">Continue</button></form>",
            err = error_note(message),
            csrf = csrf_field(csrf),
        ),
    )
}

fn totp_form(p: &Portal, csrf: &str, e: &MfaEnrolment, message: Option<&str>) -> String {
    let svg = e.qr_svg.find("<svg").map(|i| &e.qr_svg[i..]).unwrap_or("");
    page(
        p,
        "Protect your account",
        &format!(
            "<p>Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…), then enter the 6-digit code it shows.</p>\
<div class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\">{svg}</div>\
<p>Cannot scan? Enter this key in the app: <code>{secret}</code></p>{err}\
<form method=\"post\" action=\"/portal/totp\">{csrf}\
<label for=\"code\">6-digit code</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"7\" required>\
<button type=\"submit\">Finish</button></form>",
            secret = esc(&e.secret_base32),
            err = error_note(message),
            csrf = csrf_field(csrf),
        ),
    )
}

fn contact_form(
    p: &Portal,
    csrf: &str,
    c: &dealerdesk_services::links::ContactDetails,
    message: Option<&str>,
) -> String {
    let field = |id: &str, label: &str, value: &str, auto: &str| {
        format!(
            "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" value=\"{}\" autocomplete=\"{auto}\">",
            esc(value)
        )
    };
    page(
        p,
        "Are these details right?",
        &format!(
            "<p>Check your phone, e-mail and address. If something is wrong, correct it and send it: the dealership will confirm the change.</p>{err}\
<form method=\"post\" action=\"/portal/contact\">{csrf}{}{}{}{}{}{}{}\
<button type=\"submit\" name=\"action\" value=\"confirm\">These are right</button> \
<button type=\"submit\" name=\"action\" value=\"correct\" class=\"secondary\">Send my corrections</button></form>",
            field("phone", "Mobile phone", &dealerdesk_rules::validate::format_phone(&c.phone), "tel"),
            field("email", "E-mail", c.email.as_deref().unwrap_or(""), "email"),
            field("line1", "Street address", &c.line1, "address-line1"),
            field("line2", "Apartment, suite (optional)", c.line2.as_deref().unwrap_or(""), "address-line2"),
            field("city", "City", &c.city, "address-level2"),
            field("state", "State", &c.state, "address-level1"),
            field("zip", "ZIP code", &c.zip, "postal-code"),
            err = error_note(message),
            csrf = csrf_field(csrf),
        ),
    )
}

fn upload_form(p: &Portal, csrf: &str, message: Option<&str>, done: Option<&str>) -> String {
    page(
        p,
        "Upload your documents",
        &format!(
            "<p>Upload a photo (JPEG or PNG) or a PDF of each document the dealership asked for, up to 8 MB each.</p>{done}{err}\
<form method=\"post\" action=\"/portal/upload\" enctype=\"multipart/form-data\">{csrf}\
<label for=\"file\">Document</label><input id=\"file\" name=\"file\" type=\"file\" accept=\"image/jpeg,image/png,application/pdf\" required>\
<button type=\"submit\">Upload</button></form>",
            done = done
                .map(|d| format!("<p role=\"status\">{}</p>", esc(d)))
                .unwrap_or_default(),
            err = error_note(message),
            csrf = csrf_field(csrf),
        ),
    )
}

async fn render_portal(
    p: &Portal,
    s: &PortalSession,
    csrf: &str,
    message: Option<&str>,
    status: StatusCode,
) -> Response {
    let body = match (s.purpose, s.stage.as_str()) {
        (LinkPurpose::PortalOnboarding, "password") => password_form(p, csrf, message),
        (LinkPurpose::PortalOnboarding, "totp") => match enrolment(&p.store, s).await {
            Ok(e) => totp_form(p, csrf, &e, message),
            Err(e) => return failure(p, &e),
        },
        (LinkPurpose::PortalOnboarding, _) => page(
            p,
            "Your account is ready",
            "<p>Your online finance account is set up and protected by your authenticator app. You can close this page.</p>",
        ),
        (LinkPurpose::ConfirmContact, "contact") => {
            match contact_details(&p.store, s, now(p)).await {
                Ok(c) => contact_form(p, csrf, &c, message),
                Err(e) => return failure(p, &e),
            }
        }
        (LinkPurpose::ConfirmContact, _) => page(
            p,
            "Thank you",
            "<p>We have your answer. If you sent a correction, the dealership will confirm it with you.</p>",
        ),
        (LinkPurpose::UploadDocuments, _) => upload_form(p, csrf, message, None),
        (LinkPurpose::RemoteSigning, _) => {
            return remote_page(p, s, csrf, message.map(|m| ("", m)), status).await
        }
    };
    html(status, body)
}

async fn portal_page(State(p): State<Shared>, headers: HeaderMap) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    render_portal(&p, &s, &csrf_for(&p, &cookie_value), None, StatusCode::OK).await
}

/// Re-renders the current step with the error of a refused submission (`Invalid` errors), or
/// the generic failure page.
async fn refused(p: &Portal, s: &PortalSession, csrf: &str, e: LinkError) -> Response {
    match e {
        LinkError::Invalid { .. } => {
            render_portal(
                p,
                s,
                csrf,
                Some(&e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        other => failure(p, &other),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

async fn password_submit(
    State(p): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&p, &headers, &cookie_value, form.csrf.as_deref()) {
        return forbidden(&p);
    }
    let csrf = csrf_for(&p, &cookie_value);
    let password = form.password.unwrap_or_default();
    if Some(&password) != form.confirm.as_ref() {
        return refused(
            &p,
            &s,
            &csrf,
            dealerdesk_services::links::invalid("confirm", "the two passwords are not the same"),
        )
        .await;
    }
    match set_password(&p.store, &s, &password, now(&p)).await {
        Ok(_) => redirect("/portal"),
        Err(e) => refused(&p, &s, &csrf, e).await,
    }
}

#[derive(Deserialize)]
struct TotpForm {
    csrf: Option<String>,
    code: Option<String>,
}

async fn totp_submit(
    State(p): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<TotpForm>,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&p, &headers, &cookie_value, form.csrf.as_deref()) {
        return forbidden(&p);
    }
    let csrf = csrf_for(&p, &cookie_value);
    match confirm_totp(&p.store, &s, form.code.as_deref().unwrap_or(""), now(&p)).await {
        Ok(()) => redirect("/portal"),
        Err(e) => refused(&p, &s, &csrf, e).await,
    }
}

#[derive(Deserialize)]
struct ContactForm {
    csrf: Option<String>,
    action: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
}

async fn contact_submit(
    State(p): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ContactForm>,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&p, &headers, &cookie_value, form.csrf.as_deref()) {
        return forbidden(&p);
    }
    let csrf = csrf_for(&p, &cookie_value);
    let correction = (form.action.as_deref() == Some("correct")).then(|| ContactCorrection {
        phone: form.phone.unwrap_or_default(),
        email: form.email.filter(|e| !e.trim().is_empty()),
        line1: form.line1.unwrap_or_default(),
        line2: form.line2.filter(|l| !l.trim().is_empty()),
        city: form.city.unwrap_or_default(),
        state: form.state.unwrap_or_default(),
        zip: form.zip.unwrap_or_default(),
    });
    match confirm_contact(&p.store, &s, correction.as_ref(), now(&p)).await {
        Ok(_) => redirect("/portal"),
        Err(e) => refused(&p, &s, &csrf, e).await,
    }
}

async fn upload_submit(
    State(p): State<Shared>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let csrf = csrf_for(&p, &cookie_value);
    let mut given_csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().unwrap_or("document").to_string();
                let data = match field.bytes().await {
                    Ok(d) => d,
                    Err(e) => return upload_too_big(&p, &csrf, e.status()),
                };
                match name.as_str() {
                    "csrf" => given_csrf = Some(String::from_utf8_lossy(&data).into_owned()),
                    "file" if file.is_none() => file = Some((file_name, data.to_vec())),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => return upload_too_big(&p, &csrf, e.status()),
        }
    }
    if !csrf_ok(&p, &headers, &cookie_value, given_csrf.as_deref()) {
        return forbidden(&p);
    }
    let Some((name, bytes)) = file else {
        return refused(
            &p,
            &s,
            &csrf,
            dealerdesk_services::links::invalid("file", "choose a file to upload"),
        )
        .await;
    };
    match upload_document(&p.store, &s, &name, &bytes, now(&p)).await {
        Ok(d) => html(
            StatusCode::OK,
            upload_form(
                &p,
                &csrf,
                None,
                Some(&format!(
                    "Received {} ({} KB). You can upload another document or close this page.",
                    d.file_name,
                    (d.size_bytes + 1023) / 1024
                )),
            ),
        ),
        Err(e @ LinkError::Invalid { .. }) if bytes.len() > MAX_UPLOAD_BYTES => html(
            StatusCode::PAYLOAD_TOO_LARGE,
            upload_form(&p, &csrf, Some(&e.to_string()), None),
        ),
        Err(e) => refused(&p, &s, &csrf, e).await,
    }
}

fn upload_too_big(p: &Portal, csrf: &str, status: StatusCode) -> Response {
    let (status, msg) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            status,
            "the file is larger than 8 MB; take a smaller photo or scan",
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            "the upload did not arrive whole; try again",
        )
    };
    html(status, upload_form(p, csrf, Some(msg), None))
}

// ----- remote signing -----------------------------------------------------------------------

/// What the signing events record as the device: that it was a remote link, the client's
/// address and a summary of its user agent (browser and system, never the whole string).
fn device_of(headers: &HeaderMap, addr: &SocketAddr) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    format!(
        "remote link from {}, {}",
        client_of(addr),
        user_agent_summary(ua)
    )
}

/// "Chrome 131 on Android", "Safari on iPhone", "HeadlessChrome 131 on Linux"… or "unknown
/// browser".
pub fn user_agent_summary(ua: &str) -> String {
    let version = |name: &str| -> Option<String> {
        let at = ua.find(&format!("{name}/"))?;
        let rest = &ua[at + name.len() + 1..];
        let major: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        Some(if major.is_empty() {
            name.to_string()
        } else {
            format!("{name} {major}")
        })
    };
    let browser = ["Edg", "Firefox", "HeadlessChrome", "Chrome", "CriOS"]
        .iter()
        .find_map(|b| version(b))
        .map(|b| b.replace("Edg ", "Edge ").replace("CriOS", "Chrome"))
        .or_else(|| ua.contains("Safari/").then(|| "Safari".to_string()))
        .unwrap_or_else(|| "unknown browser".to_string());
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v);
    match system {
        Some(s) => format!("{browser} on {s}"),
        None => browser,
    }
}

/// An error shown next to the input it is about (or at the top, field "").
fn note_at(err: Option<(&str, &str)>, fields: &[&str]) -> String {
    match err {
        Some((f, m)) if fields.contains(&f) => error_note(Some(m)),
        _ => String::new(),
    }
}

fn document_links() -> &'static str {
    "<p class=\"doc\"><a href=\"/portal/contract.pdf\" target=\"_blank\" rel=\"noopener\">Open the contract (PDF)</a><a href=\"/portal/contract/download\">Download it</a></p>"
}

fn consent_form(p: &Portal, csrf: &str, r: &RemoteSigning, err: Option<(&str, &str)>) -> String {
    let disclosure: String = ESIGN_DISCLOSURE
        .split(" (")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                format!("<p><strong>{}</strong></p>", esc(part))
            } else {
                format!("<p>({}</p>", esc(part))
            }
        })
        .collect();
    let known = ["opened_pdf", "agreed"];
    let top = match err {
        Some((f, _)) if known.contains(&f) => String::new(),
        other => error_note(other.map(|(_, m)| m)),
    };
    page(
        p,
        "Review and sign your contract",
        &format!(
            "<p>{name}, the dealership sent you your contract to sign electronically. Please read this first.</p>{top}\
<h2>Consent to electronic records and signatures</h2><div class=\"disclosure\">{disclosure}</div>\
<h2>Your contract</h2><p>Open the contract as a PDF to check you can read it on this device, and read it before you sign.</p>{links}\
<form method=\"post\" action=\"/portal/consent\">{csrf}{e1}\
<label class=\"check\" for=\"opened_pdf\"><input type=\"checkbox\" id=\"opened_pdf\" name=\"opened_pdf\" value=\"yes\"> I was able to open the PDF</label>{e2}\
<label class=\"check\" for=\"agreed\"><input type=\"checkbox\" id=\"agreed\" name=\"agreed\" value=\"yes\"> I agree to use electronic records and signatures for this contract</label>\
<button type=\"submit\">I agree</button></form>\
<p>Prefer paper? Close this page and call the dealership: paper copies are free.</p>",
            name = esc(&r.buyer_name),
            links = document_links(),
            e1 = note_at(err, &["opened_pdf"]),
            e2 = note_at(err, &["agreed"]),
            csrf = csrf_field(csrf),
        ),
    )
}

fn sign_form(
    p: &Portal,
    csrf: &str,
    r: &RemoteSigning,
    f: &dealerdesk_services::contract::SignatureField,
    err: Option<(&str, &str)>,
) -> String {
    let (what, auto) = match f.kind {
        FieldKind::Initial => ("your initials", "off"),
        _ => ("your full name", "name"),
    };
    let known = ["mark", "intent_confirmed"];
    let top = match err {
        Some((f, _)) if known.contains(&f) => String::new(),
        other => error_note(other.map(|(_, m)| m)),
    };
    page(
        p,
        &format!("Sign {} of {}", r.position, r.buyer_fields),
        &format!(
            "<h2>{label}</h2><p>Page {page} of the contract. {links}</p>{top}\
<form method=\"post\" action=\"/portal/sign\">{csrf}<input type=\"hidden\" name=\"field_id\" value=\"{id}\">\
<label for=\"mark\">Type {what} to adopt it as your signature</label>{e1}<input id=\"mark\" name=\"mark\" autocomplete=\"{auto}\" maxlength=\"120\" required>\
{e2}<label class=\"check\" for=\"intent\"><input type=\"checkbox\" id=\"intent\" name=\"intent\" value=\"yes\"> {intent}</label>\
<button type=\"submit\">Sign</button></form>",
            label = esc(&f.label),
            page = f.page,
            links = document_links(),
            id = esc(&f.id),
            intent = esc(INTENT_STATEMENT),
            e1 = note_at(err, &["mark"]),
            e2 = note_at(err, &["intent_confirmed"]),
            csrf = csrf_field(csrf),
        ),
    )
}

fn signed_page(p: &Portal) -> String {
    page(
        p,
        "Thank you, you have signed",
        "<p>Your signatures are recorded. The dealership's finance manager will countersign the contract and give you your copy of the signed contract.</p><p>This link has now ended. You can close this page.</p>",
    )
}

/// The remote signing step the session is at: consent, the next field, or done.
async fn remote_page(
    p: &Portal,
    s: &PortalSession,
    csrf: &str,
    err: Option<(&str, &str)>,
    status: StatusCode,
) -> Response {
    let r = match remote::remote_signing(&p.store, s).await {
        Ok(r) => r,
        Err(e) => return failure(p, &e),
    };
    let body = if !r.consented {
        consent_form(p, csrf, &r, err)
    } else if let Some(f) = &r.next_field {
        sign_form(p, csrf, &r, f, err)
    } else if r.done {
        signed_page(p)
    } else {
        page(
            p,
            "Waiting for the dealership",
            "<p>The next signature on this contract is not yours. The dealership will let you know when it is your turn.</p>",
        )
    };
    html(status, body)
}

async fn remote_refused(p: &Portal, s: &PortalSession, csrf: &str, e: LinkError) -> Response {
    match &e {
        LinkError::Invalid { field, message } => {
            remote_page(
                p,
                s,
                csrf,
                Some((field, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        other => failure(p, other),
    }
}

async fn contract_pdf(p: &Portal, headers: &HeaderMap, download: bool) -> Response {
    let (s, _) = match session_of(p, headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match remote::remote_pdf(&p.store, &s, now(p)).await {
        Ok((doc, pdf)) => {
            let short: String = doc.chars().filter(char::is_ascii_alphanumeric).collect();
            let short = &short[short.len().saturating_sub(8)..];
            let disposition = format!(
                "{}; filename=\"contract-{short}.pdf\"",
                if download { "attachment" } else { "inline" }
            );
            let mut res = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/pdf")],
                pdf,
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => failure(p, &e),
    }
}

async fn contract_pdf_inline(State(p): State<Shared>, headers: HeaderMap) -> Response {
    contract_pdf(&p, &headers, false).await
}

async fn contract_pdf_download(State(p): State<Shared>, headers: HeaderMap) -> Response {
    contract_pdf(&p, &headers, true).await
}

#[derive(Deserialize)]
struct ConsentForm {
    csrf: Option<String>,
    opened_pdf: Option<String>,
    agreed: Option<String>,
}

async fn consent_submit(
    State(p): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&p, &headers, &cookie_value, form.csrf.as_deref()) {
        let e = dealerdesk_services::links::invalid(
            "csrf",
            "a form without this page's CSRF token (or from another site)",
        );
        remote::refused(&p.store, &s, "consent", e, now(&p)).await;
        return forbidden(&p);
    }
    let csrf = csrf_for(&p, &cookie_value);
    let device = device_of(&headers, &addr);
    match remote::remote_consent(
        &p.store,
        &s,
        &device,
        form.agreed.is_some(),
        form.opened_pdf.is_some(),
        now(&p),
    )
    .await
    {
        Ok(_) => redirect("/portal"),
        Err(e) => remote_refused(&p, &s, &csrf, e).await,
    }
}

#[derive(Deserialize)]
struct SignForm {
    csrf: Option<String>,
    field_id: Option<String>,
    mark: Option<String>,
    intent: Option<String>,
}

async fn sign_submit(
    State(p): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> Response {
    let (s, cookie_value) = match session_of(&p, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&p, &headers, &cookie_value, form.csrf.as_deref()) {
        let e = dealerdesk_services::links::invalid(
            "csrf",
            "a form without this page's CSRF token (or from another site)",
        );
        remote::refused(&p.store, &s, "sign", e, now(&p)).await;
        return forbidden(&p);
    }
    let csrf = csrf_for(&p, &cookie_value);
    let device = device_of(&headers, &addr);
    match remote::remote_sign(
        &p.store,
        &s,
        form.field_id.as_deref().unwrap_or(""),
        form.mark.as_deref().unwrap_or(""),
        form.intent.is_some(),
        &device,
        now(&p),
    )
    .await
    {
        // The customer's part is over and the session has ended: the thanks page is the
        // answer itself (there is no session left to redirect to).
        Ok(r) if r.done => with_cookies(
            html(StatusCode::OK, signed_page(&p)),
            &[cookie(&p, SESSION_COOKIE, "", 0)],
        ),
        Ok(_) => redirect("/portal"),
        Err(e) => remote_refused(&p, &s, &csrf, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn user_agents_are_summarised() {
        assert_eq!(
            user_agent_summary("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"),
            "Chrome 131 on Android"
        );
        assert_eq!(
            user_agent_summary("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"),
            "Safari on iPhone"
        );
        assert_eq!(
            user_agent_summary("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"),
            "HeadlessChrome 131 on Linux"
        );
        assert_eq!(user_agent_summary(""), "unknown browser");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dd_link=abc; dd_portal=xyz"),
        );
        assert_eq!(read_cookie(&h, "dd_link").as_deref(), Some("abc"));
        assert_eq!(read_cookie(&h, "dd_portal").as_deref(), Some("xyz"));
        assert_eq!(read_cookie(&h, "nope"), None);
    }
}
