//! The customer pages in a real headless browser: Debian's Chromium, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`, file descriptors 3 and 4, here two FIFOs), so
//! no WebDriver server or websocket client is needed. Skipped (with a note) when Chromium is not
//! installed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dealerdesk_portal::{LinkLimiter, PortalConfig};
use dealerdesk_services::links::{self, LinkPurpose};
use dealerdesk_store::Store;
use serde_json::{json, Value};

use crate::links::{customer_id, issue_input};
use crate::support::{cli_actor, fresh, now};

pub(crate) fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

pub(crate) struct Browser {
    child: Child,
    to: std::fs::File,
    from: BufReader<std::fs::File>,
    next_id: u64,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    pub(crate) fn launch(exe: &Path, dir: &Path) -> Browser {
        let input = dir.join("cdp-in");
        let output = dir.join("cdp-out");
        for f in [&input, &output] {
            let ok = Command::new("mkfifo").arg(f).status().expect("mkfifo");
            assert!(ok.success(), "mkfifo");
        }
        let child = Command::new("bash")
            .arg("-c")
            .arg("exec \"$0\" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --disable-dev-shm-usage --remote-debugging-pipe --user-data-dir=\"$3\" about:blank 3<\"$1\" 4>\"$2\"")
            .arg(exe)
            .arg(&input)
            .arg(&output)
            .arg(dir.join("profile"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let to = std::fs::OpenOptions::new()
            .write(true)
            .open(&input)
            .expect("open pipe to chromium");
        let from = BufReader::new(std::fs::File::open(&output).expect("open pipe from chromium"));
        let mut b = Browser {
            child,
            to,
            from,
            next_id: 0,
            session: String::new(),
        };
        let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("target id").to_string();
        let attached = b.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().expect("session").to_string();
        b
    }

    pub(crate) fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.to
            .write_all(format!("{msg}\0").as_bytes())
            .expect("write to chromium");
        self.to.flush().expect("flush");
        loop {
            let mut buf = Vec::new();
            let n = self
                .from
                .read_until(0, &mut buf)
                .expect("read from chromium");
            assert!(n > 0, "chromium closed the pipe");
            buf.pop();
            let v: Value = serde_json::from_slice(&buf).expect("json from chromium");
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    pub(crate) fn page(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.call(Some(&s), method, params)
    }

    pub(crate) fn eval(&mut self, expr: &str) -> Value {
        let r = self.page(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Waits until the page at `path` has loaded, and returns its text.
    pub(crate) fn wait_for(&mut self, path: &str) -> String {
        let start = Instant::now();
        loop {
            // One evaluation for the path, the state and the text: with two, a navigation
            // between them paired the old page's "complete" with the new page half parsed.
            let state = self.eval(
                "[location.pathname, document.readyState, document.body ? document.body.innerText : '']",
            );
            let part = |i: usize| state.get(i).and_then(|v| v.as_str()).unwrap_or("");
            if part(0) == path && part(1) == "complete" {
                return part(2).to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waiting for {path}, at {} {}",
                part(0),
                part(1)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn navigate(&mut self, url: &str) {
        self.page("Page.navigate", json!({"url": url}));
    }

    pub(crate) fn fill_and_click(&mut self, fields: &[(&str, &str)], button: &str) {
        let mut js = String::new();
        for (id, value) in fields {
            js.push_str(&format!(
                "document.getElementById({}).value = {};",
                json!(id),
                json!(value)
            ));
        }
        js.push_str(&format!(
            "document.querySelector({}).click(); true",
            json!(button)
        ));
        self.eval(&js);
    }
}

pub(crate) async fn serve(store: &Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let cfg = PortalConfig {
        base_url: format!("http://{addr}"),
        secure_cookies: false,
        dealership: "Lakeside Motors".into(),
        limiter: LinkLimiter::default(),
        clock: Arc::new(now),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(dealerdesk_portal::serve(
        store.clone(),
        cfg,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    (format!("http://{addr}"), stop)
}

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
    let docs = links::list_documents(&f.store, &cli_actor(), &cid)
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
