//! Links benchmark, on a fresh database in a temporary directory (WAL, `synchronous=FULL`, as the
//! desk runs), for one customer whose identity check came out verified (links are issued only
//! for those):
//! - issuing a link (token, hash, insert, change journal, audit entry; no QR code), one at a time;
//! - redeeming links with N concurrent clients, through the portal's redemption writer
//!   (`RedeemWriter`, group commit) without HTTP;
//! - the same over HTTP: N concurrent clients each POST the knowledge check to the portal
//!   (`/verify`) on 127.0.0.1, each on a connection opened beforehand, timed from the request to the end of the response.
//!
//! Every redemption is a real one with the knowledge check (date of birth and ZIP, decrypted
//! from the store), all N clients released at once by a barrier; redemptions are committed by the
//! portal's writer in batches (group commit, `links::redeem_batch`), so a client's time includes waiting
//! for the batch it joined and that batch's fsync.
//!
//! Reports p50/p95/p99/max. `cargo run --release --bin links-bench -- --issues 2000 --clients 200`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use dealerdesk_portal::{LinkLimiter, PortalConfig, RedeemWriter};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::customer::{self, AddressInput, CustomerInput};
use dealerdesk_services::links::{self, IssueLink, KnowledgeAnswer, LinkPurpose, RedeemRequest};
use dealerdesk_store::{OpenMode, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn report(label: &str, mut d: Vec<Duration>) {
    if d.is_empty() {
        return;
    }
    d.sort();
    let q = |p: f64| d[((d.len() as f64 * p).ceil() as usize).clamp(1, d.len()) - 1];
    println!(
        "{label:<44} n={:<5} p50={:>9.3?} p95={:>9.3?} p99={:>9.3?} max={:>9.3?}",
        d.len(),
        q(0.50),
        q(0.95),
        q(0.99),
        d[d.len() - 1]
    );
}

fn person() -> CustomerInput {
    CustomerInput {
        given_name: "Maria".into(),
        middle_name: None,
        family_name: "Gonzalez".into(),
        suffix: None,
        dob: "03/09/1984".into(),
        ssn: "123-45-6789".into(),
        licence_number: None,
        licence_state: None,
        phone: "(214) 555-0187".into(),
        email: Some("maria@example.com".into()),
        employer: None,
        job_title: None,
        monthly_income: "6250.00".into(),
        address: AddressInput {
            line1: "4821 Lakeview Dr".into(),
            line2: None,
            city: "Dallas".into(),
            state: "TX".into(),
            zip: "75201".into(),
            since: "2020-06-01".into(),
        },
        previous_address: None,
    }
}

async fn http(addr: SocketAddr, request: String) -> std::io::Result<(u16, String)> {
    exchange(tokio::net::TcpStream::connect(addr).await?, request).await
}

async fn exchange(mut s: tokio::net::TcpStream, request: String) -> std::io::Result<(u16, String)> {
    s.write_all(request.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, text))
}

fn cookie_of(response: &str, name: &str) -> Option<String> {
    response
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .filter_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

fn csrf_of(response: &str) -> Option<String> {
    let start = response.find("name=\"csrf\" value=\"")? + 19;
    response[start..].split('"').next().map(str::to_string)
}

/// Links are issued only for verified customers: load a small fictional sanctions list and check
/// the customer's passport by hand, as the demo does.
async fn verify_identity(
    store: &Store,
    actor: &Actor,
    customer_id: &dealerdesk_rules::ids::CustomerId,
    today: NaiveDate,
) -> Result<(), Box<dyn std::error::Error>> {
    use dealerdesk_services::identity::sanctions::{self, synthetic, ListFiles};
    use dealerdesk_services::identity::verification::{
        self, CheckInput, CheckOutcome, DocumentType,
    };
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let list = synthetic::generate(200, &mut rng);
    let files = ListFiles {
        sdn: ("bench-sdn.csv", list.sdn.as_bytes()),
        alt: Some(("bench-alt.csv", list.alt.as_bytes())),
        add: Some(("bench-add.csv", list.add.as_bytes())),
    };
    sanctions::import(store, actor, &files, None, Utc::now()).await?;
    let passport = CheckInput::ManualEntry {
        document_type: DocumentType::Passport,
        issuer: "USA".into(),
        number: "X12345678".into(),
        expiry: "2031-01-31".into(),
        dob: Some("03/09/1984".into()),
        issued: None,
    };
    let v =
        verification::run_check(store, actor, customer_id, &passport, Utc::now(), today).await?;
    if v.outcome != CheckOutcome::Verified {
        return Err(format!(
            "the bench customer's identity check came out {:?}",
            v.outcome
        )
        .into());
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issues = arg("--issues", 2000);
    let clients = arg("--clients", 200);
    let dir = std::env::temp_dir().join(format!("dealerdesk-links-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("bench.db"), OpenMode::CreateIfMissing).await?;
    let actor = Actor::Cli("bench".into());
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).ok_or("date")?;
    let cid = customer::create(&store, &actor, &person(), Utc::now(), today)
        .await?
        .id;
    verify_identity(&store, &actor, &cid, today).await?;
    let input = IssueLink {
        customer_id: cid.clone(),
        purpose: LinkPurpose::ConfirmContact,
        ttl_minutes: None,
        application_id: None,
    };

    // Issue latency.
    for _ in 0..50 {
        links::issue(&store, &actor, &input, Utc::now()).await?;
    }
    let mut times = Vec::with_capacity(issues);
    for _ in 0..issues {
        let t = Instant::now();
        links::issue(&store, &actor, &input, Utc::now()).await?;
        times.push(t.elapsed());
    }
    report("issue (one at a time)", times);

    // Core redemption with N concurrent clients.
    let mut tokens = Vec::with_capacity(clients);
    for _ in 0..clients {
        let l = links::issue(&store, &actor, &input, Utc::now()).await?;
        tokens.push(links::token_from(&l.url).ok_or("token")?.to_string());
    }
    // Through the portal's redemption writer (group commit), without HTTP.
    let writer = RedeemWriter::new(store.clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(clients));
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let writer = writer.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let answer = KnowledgeAnswer {
                dob: "03/09/1984".into(),
                zip: "75201".into(),
            };
            let t = Instant::now();
            let request = RedeemRequest {
                token,
                answer,
                client: format!("c{i}"),
                now: Utc::now(),
            };
            let ok = writer.redeem(request).await.is_ok();
            (t.elapsed(), ok)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        let (d, ok) = t.await?;
        if !ok {
            return Err("a core redemption failed".into());
        }
        times.push(d);
    }
    report(&format!("redeem, core, {clients} concurrent"), times);

    // Over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let cfg = PortalConfig {
        base_url: format!("http://{addr}"),
        secure_cookies: false,
        dealership: "Bench Motors".into(),
        limiter: LinkLimiter::new(100, 1_000_000, chrono::Duration::minutes(10)),
        clock: Arc::new(Utc::now),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(dealerdesk_portal::serve(
        store.clone(),
        cfg,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut prepared = Vec::with_capacity(clients);
    let mut page_bytes = 0;
    for _ in 0..clients {
        let l = links::issue(&store, &actor, &input, Utc::now()).await?;
        let token = links::token_from(&l.url).ok_or("token")?.to_string();
        let (_, r) = http(
            addr,
            format!("GET /l/{token} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        )
        .await?;
        let cookie = cookie_of(&r, "dd_link").ok_or("no link cookie")?;
        let (_, r) = http(
            addr,
            format!("GET /verify HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
        )
        .await?;
        page_bytes = r.len();
        let csrf = csrf_of(&r).ok_or("no csrf")?;
        let body = format!("csrf={csrf}&dob=03%2F09%2F1984&zip=75201");
        prepared.push(format!(
            "POST /verify HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(clients));
    let mut tasks = Vec::new();
    for request in prepared {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            // Connected first (as a load tool with 200 open connections would be), then all
            // requests at once; timed from sending the request to the end of the response.
            let stream = tokio::net::TcpStream::connect(addr).await;
            barrier.wait().await;
            let t = Instant::now();
            let r = match stream {
                Ok(s) => exchange(s, request).await,
                Err(e) => Err(e),
            };
            (t.elapsed(), r.map(|(s, _)| s).unwrap_or(0))
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        let (d, status) = t.await?;
        if status != 303 {
            return Err(format!("an HTTP redemption answered {status}").into());
        }
        times.push(d);
    }
    report(
        &format!("redeem, HTTP POST /verify, {clients} concurrent"),
        times,
    );
    println!(
        "knowledge-check page: {page_bytes} bytes with headers (+ style.css {} bytes)",
        {
            let (_, css) = http(
                addr,
                format!("GET /style.css HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
            )
            .await?;
            css.len()
        }
    );
    let _ = stop.send(());
    let _ = server.await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
