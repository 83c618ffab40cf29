//! The portal over real HTTP: the server in process on an ephemeral port ([`start`], [`serve`])
//! with a client ([`Server`]) and its cookies and forms, and a headless Chromium driven over the
//! DevTools protocol ([`Browser`]).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dealerdesk_portal::{LinkLimiter, PortalConfig};
use dealerdesk_store::Store;
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::now;

// ----- the portal over HTTP -------------------------------------------------------------------

/// A portal running in process for a test, with a client that does not follow redirects; the
/// portal stops when this is dropped.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the portal on 127.0.0.1 (an ephemeral port) over `store`, with `limiter`.
pub async fn start(store: &Store, limiter: LinkLimiter) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let cfg = PortalConfig {
        base_url: format!("http://{addr}"),
        secure_cookies: false,
        dealership: "Lakeside Motors".into(),
        limiter,
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
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _stop: stop,
    }
}

/// The value and the whole header of the `Set-Cookie` that sets `name`, if one does.
pub fn set_cookie(h: &HeaderMap, name: &str) -> Option<(String, String)> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_string();
            (value, v.to_string())
        })
}

/// The CSRF token of the form in `body`.
pub fn csrf_in(body: &str) -> String {
    let start = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    body[start..].split('"').next().expect("value").to_string()
}

impl Server {
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.expect("GET")
    }
    pub async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Open → knowledge check → the portal session cookie.
    pub async fn redeem(&self, token: &str) -> String {
        let r = self.get(&format!("/l/{token}"), None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (link, _) = set_cookie(r.headers(), "dd_link").expect("link cookie");
        let cookie = format!("dd_link={link}");
        let body = self
            .get("/verify", Some(&cookie))
            .await
            .text()
            .await
            .expect("body");
        let r = self
            .post(
                "/verify",
                &cookie,
                &[
                    ("csrf", &csrf_in(&body)),
                    ("dob", "03/09/1984"),
                    ("zip", "75201"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (session, _) = set_cookie(r.headers(), "dd_portal").expect("session cookie");
        format!("dd_portal={session}")
    }
}

// ----- a headless browser ---------------------------------------------------------------------

/// Where Chromium is installed, if it is.
pub fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// A headless Chromium on a DevTools pipe, attached to one page; killed when dropped.
pub struct Browser {
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
    /// Starts Chromium `exe` with its pipes and profile in `dir`, and opens a blank page.
    pub fn launch(exe: &Path, dir: &Path) -> Browser {
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

    /// Sends a DevTools command (to `session`, or the browser) and waits for its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
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

    /// Sends a DevTools command to the page.
    pub fn page(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.call(Some(&s), method, params)
    }

    /// Evaluates `expr` in the page and returns its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.page(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Waits until the page at `path` has loaded, and returns its text.
    pub fn wait_for(&mut self, path: &str) -> String {
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

    /// Goes to `url`.
    pub fn navigate(&mut self, url: &str) {
        self.page("Page.navigate", json!({"url": url}));
    }

    /// Sets the inputs `fields` (by id) and clicks the element `button` selects.
    pub fn fill_and_click(&mut self, fields: &[(&str, &str)], button: &str) {
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

/// Starts the portal on 127.0.0.1 over `store`; returns its base URL and the sender that stops
/// it.
pub async fn serve(store: &Store) -> (String, tokio::sync::oneshot::Sender<()>) {
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
