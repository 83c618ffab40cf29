//! Two desks and a hub, through the binary on a real PostgreSQL: what one desk does the other
//! sees, a desk keeps working while the hub is down, and both converge by the rules when it is
//! back, with the overwritten version kept for review.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use dealerdesk_store::sync_rows::{self, SYNCED};
use dealerdesk_store::{OpenMode, Store};

use crate::hub::{database, hub, new_code, serve_on};
use crate::support::{code, dd, dd_input, json};

/// Every synced row of a desk, as it travels (children included), by (table, id).
async fn rows(db: &Path) -> BTreeMap<(String, String), serde_json::Value> {
    let store = Store::open(db, OpenMode::MustExist).await.expect("open");
    let mut out = BTreeMap::new();
    for spec in SYNCED {
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT CAST({} AS TEXT) FROM {}",
            spec.key, spec.table
        ))
        .fetch_all(store.pool())
        .await
        .expect("ids");
        let mut conn = store.pool().acquire().await.expect("conn");
        for id in ids {
            let row = sync_rows::snapshot(&mut conn, spec.table, &id)
                .await
                .expect("snapshot")
                .expect("row");
            out.insert((spec.table.to_string(), id), serde_json::Value::Object(row));
        }
    }
    store.close().await;
    out
}

/// Both desks hold exactly the same synced rows.
pub(crate) async fn assert_converged(a: &Path, b: &Path) -> usize {
    let (ra, rb) = (rows(a).await, rows(b).await);
    let only_a: Vec<_> = ra.keys().filter(|k| !rb.contains_key(*k)).collect();
    let only_b: Vec<_> = rb.keys().filter(|k| !ra.contains_key(*k)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "rows on one desk only: A {only_a:?} / B {only_b:?}"
    );
    for (k, v) in &ra {
        assert_eq!(Some(v), rb.get(k), "{k:?} differs");
    }
    ra.len()
}

fn sync_now(db: &Path) -> serde_json::Value {
    let o = dd(db, &["sync", "now", "--json"]);
    assert_eq!(code(&o), 0, "{o:?}");
    json(&o)
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Saves deal `id` again with `notes`, its options as they are.
fn save_notes(db: &Path, id: &str, notes: &str) {
    let shown = json(&dd(db, &["deal", "show", id, "--json"]));
    let d = &shown["deal"];
    save_deal(db, Some(id), &deal_input(d, &d["vehicle_id"], notes));
}

/// A deal's input (the desk's DealInput) from `deal show`'s deal, on `vehicle` with `notes`.
fn deal_input(
    d: &serde_json::Value,
    vehicle: &serde_json::Value,
    notes: &str,
) -> serde_json::Value {
    let options: Vec<serde_json::Value> = d["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            serde_json::json!({
                "label": o["label"], "selected": o["selected"],
                "monthly_payment": o["monthly_payment"], "terms": o["terms"],
            })
        })
        .collect();
    serde_json::json!({
        "customer_id": d["customer_id"], "vehicle_id": vehicle,
        "salesperson": d["salesperson"], "status": d["status"], "notes": notes,
        "options": options,
    })
}

/// Saves a deal (a new one without `id`); its id.
fn save_deal(db: &Path, id: Option<&str>, input: &serde_json::Value) -> String {
    let mut args = vec!["deal", "save", "--json"];
    if let Some(id) = id {
        args.extend(["--id", id]);
    }
    let saved = dd_input(db, &args, Some(input.to_string().as_bytes()));
    assert_eq!(code(&saved), 0, "{saved:?}");
    json(&saved)["deal"]["id"]
        .as_str()
        .expect("deal id")
        .to_string()
}

/// Renders, signs and seals the contract of `deal` at desk `db`; the sealed PDF's path.
fn sign_contract(db: &Path, dir: &Path, deal: &str) -> std::path::PathBuf {
    let draft = dir.join("draft.pdf");
    let r = dd(
        db,
        &[
            "contract",
            "render",
            "--deal",
            deal,
            "--out",
            draft.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(code(&r), 0, "{r:?}");
    let doc = json(&r)["contract"]["id"]
        .as_str()
        .expect("document")
        .to_string();
    let status = json(&dd(db, &["contract", "status", &doc, "--json"]));
    let fields = status["signing"]["fields"]
        .as_array()
        .expect("fields")
        .clone();
    let buyer = fields
        .iter()
        .find(|f| f["id"] == "buyer-sign")
        .and_then(|f| f["label"].as_str())
        .and_then(|l| l.split_once(": "))
        .map(|(_, n)| n.to_string())
        .expect("buyer name");
    let c = dd(
        db,
        &[
            "contract",
            "consent",
            &doc,
            "--signer",
            "buyer",
            "--name",
            &buyer,
            "--agree",
            "--opened-pdf",
        ],
    );
    assert_eq!(code(&c), 0, "{c:?}");
    for f in &fields {
        let name = if f["signer"] == "dealer" {
            "Morgan Reyes"
        } else {
            buyer.as_str()
        };
        let id = f["id"].as_str().expect("field id");
        let s = dd(
            db,
            &[
                "contract", "sign", &doc, "--field", id, "--name", name, "--intent",
            ],
        );
        assert_eq!(code(&s), 0, "{s:?}");
    }
    let signed = dir.join("signed.pdf");
    let s = dd(
        db,
        &[
            "contract",
            "seal",
            &doc,
            "--out",
            signed.to_str().expect("path"),
        ],
    );
    assert_eq!(code(&s), 0, "{s:?}");
    signed
}

#[cfg(unix)]
#[tokio::test]
async fn two_desks_work_as_one_dealership_and_converge_after_the_hub_was_down() {
    let url = database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let bind = format!("127.0.0.1:{}", free_port());
    let (mut server, base) = serve_on(&url, &state, &bind);

    // Desk A (the sales floor) has the dealership's customers, deals and applications.
    let a = dir.path().join("a.db");
    assert_eq!(code(&dd(&a, &["demo", "--customers", "20"])), 0);
    let code_a = new_code(&url, &state);
    let e = dd(
        &a,
        &[
            "sync", "enrol", "--hub", &base, "--code", &code_a, "--name", "Floor",
        ],
    );
    assert_eq!(code(&e), 0, "{e:?}");
    let first = sync_now(&a);
    let sent = first["pushed"].as_u64().expect("pushed");
    assert!(sent > 100, "{first}");
    assert_eq!(first["conflicts"], 0, "{first}");

    // Desk B (the F&I office) starts empty and takes all of it.
    let b = dir.path().join("b.db");
    assert_eq!(code(&dd(&b, &["init"])), 0);
    // Staff accounts stay on each desk until the group publishes them: B has its own.
    for (user, name, role) in [
        ("morgan.fi", "Morgan Reyes", "finance-manager"),
        ("sam.sales", "Sam Patel", "sales"),
    ] {
        let s = dd(&b, &["staff", "add", user, "--name", name, "--role", role]);
        assert_eq!(code(&s), 0, "{s:?}");
    }
    let code_b = new_code(&url, &state);
    let e = dd(
        &b,
        &[
            "sync", "enrol", "--hub", &base, "--code", &code_b, "--name", "F&I",
        ],
    );
    assert_eq!(code(&e), 0, "{e:?}");
    let took = sync_now(&b);
    assert_eq!(took["pulled"].as_u64(), Some(sent), "{took}");
    assert_eq!(took["conflicts"], 0, "{took}");
    let shared = assert_converged(&a, &b).await;
    assert!(shared > 100, "{shared} rows");
    for list in [
        &["customer", "find", "a", "--json"][..],
        &["deal", "list", "--json"],
        &["application", "list", "--json"],
        &["vehicle", "list", "--json"],
    ] {
        assert_eq!(json(&dd(&a, list)), json(&dd(&b, list)), "{list:?}");
    }

    // The finance manager at B contracts and signs a deal made at A; A sees it signed.
    let deals = json(&dd(&b, &["deal", "list", "--json"]));
    let ids: Vec<String> = deals["deals"]
        .as_array()
        .expect("deals")
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_string))
        .collect();
    let (signed_deal, edited_deal) = (&ids[0], &ids[1]);
    let signed = sign_contract(&b, dir.path(), signed_deal);
    assert!(sync_now(&b)["pushed"].as_u64().unwrap_or(0) > 0);
    assert!(sync_now(&a)["pulled"].as_u64().unwrap_or(0) > 0);
    let v = json(&dd(
        &a,
        &[
            "contract",
            "verify",
            signed.to_str().expect("path"),
            "--json",
        ],
    ));
    assert_eq!(
        (v["on_record"].clone(), v["signed"].clone()),
        (true.into(), true.into()),
        "{v}"
    );
    assert_converged(&a, &b).await;

    // Nothing new: nothing sent, nothing taken again.
    for db in [&a, &b] {
        let again = sync_now(db);
        assert_eq!(
            (again["pushed"].as_u64(), again["pulled"].as_u64()),
            (Some(0), Some(0)),
            "{again}"
        );
    }

    // The hub goes down. Both desks keep working, on the same deal.
    let _ = Command::new("kill")
        .args(["-KILL", &server.id().to_string()])
        .status();
    let _ = server.wait();
    save_notes(&a, edited_deal, "trade-in appraised at A");
    let vin = "1HGCM82633A004352";
    add_vehicle(&a, vin);
    let offline = dd(&a, &["sync", "now", "--json"]);
    assert_ne!(code(&offline), 0, "{offline:?}");
    assert!(
        String::from_utf8_lossy(&offline.stdout).contains("could not be reached"),
        "{offline:?}"
    );
    let st = json(&dd(&a, &["sync", "status", "--json"]));
    assert!(st["offline_since"].is_string(), "{st}");
    assert!(st["waiting"].as_i64().unwrap_or(0) >= 2, "{st}");
    // B changes the same deal a little later.
    std::thread::sleep(std::time::Duration::from_millis(20));
    save_notes(&b, edited_deal, "customer asked for 60 months (B)");

    // The hub is back: everything converges, the later change wins, and A's overwritten notes
    // wait for review at A.
    let (mut server, _) = serve_on(&url, &state, &bind);
    let ra = sync_now(&a);
    let rb = sync_now(&b);
    let ra2 = sync_now(&a);
    assert_eq!(
        ra["conflicts"], 0,
        "A pushed first: nothing to conflict with yet: {ra}"
    );
    assert_eq!(rb["conflicts"], 0, "B's later change wins on the hub: {rb}");
    assert_eq!(
        ra2["conflicts"], 1,
        "A takes B's later version and keeps its own for review: {ra2}"
    );
    assert_converged(&a, &b).await;
    let deal_a = json(&dd(&a, &["deal", "show", edited_deal, "--json"]));
    assert_eq!(deal_a["deal"]["notes"], "customer asked for 60 months (B)");
    let found = json(&dd(&b, &["vehicle", "list", "--json"]));
    assert!(
        found.to_string().contains(vin),
        "B sees the vehicle A added offline"
    );
    let st = json(&dd(&a, &["sync", "status", "--json"]));
    assert_eq!(st["offline_since"], serde_json::Value::Null, "{st}");
    assert_eq!(st["waiting"], 0, "{st}");
    assert_eq!(st["open_conflicts"], 1, "{st}");
    let c = json(&dd(&a, &["sync", "conflicts", "--json"]));
    let first = &c["conflicts"][0];
    assert_eq!(first["record"], "deal", "{c}");
    let notes = first["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "notes")
        .cloned()
        .expect("the notes differ");
    assert_eq!(notes["ours"], "trade-in appraised at A");
    assert_eq!(notes["theirs"], "customer asked for 60 months (B)");
    // A finance manager marks it reviewed (audited); it is no longer open, and not twice.
    let id = first["id"].as_str().expect("conflict id");
    let reviewed = dd(&a, &["sync", "review", id, "--note", "B's terms stand"]);
    assert_eq!(code(&reviewed), 0, "{reviewed:?}");
    assert_eq!(
        json(&dd(&a, &["sync", "status", "--json"]))["open_conflicts"],
        0
    );
    assert_eq!(code(&dd(&a, &["sync", "review", id])), 4);
    assert_eq!(code(&dd(&a, &["audit", "verify"])), 0);

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    assert!(server.wait().expect("wait").success());
}

/// Every table the desk syncs is one the hub takes, and every journaled table is either synced,
/// carried inside its parent's rows, or kept on the desk for a stated reason.
#[test]
fn every_journaled_table_is_synced_carried_or_local_by_decision() {
    for s in SYNCED {
        assert!(
            dealerdesk_hub::sync::rule(s.table).is_some(),
            "the hub does not take {}",
            s.table
        );
    }
    let journaled = [
        "access_link",
        "adverse_action_notice",
        "contact_change",
        "application_decision",
        "application_history",
        "credit_application",
        "customer",
        "customer_address",
        "deal",
        "deal_option",
        "contact_confirmation",
        "identity_check",
        "identity_resolution",
        "lender",
        "lender_outbox",
        "link_document",
        "outbox",
        "portal_account",
        "rate_sheet",
        "sanctions_list",
        "staff",
        "stipulation",
        "stipulation_document",
        "usury_cap",
        "vehicle",
        "contract_document",
        "contract_signing_event",
    ];
    for t in journaled {
        let local = sync_rows::LOCAL.iter().any(|(l, _)| *l == t);
        let decided = sync_rows::synced(t).is_some() || sync_rows::parent_of(t).is_some() || local;
        assert!(decided, "{t} is journaled but neither synced nor local");
    }
}

/// A TCP relay between desks and the hub that, while armed, cuts most connections at a random
/// byte (either way): the network failing at any point of a request or its answer.
struct Cutter {
    addr: std::net::SocketAddr,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cuts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Cutter {
    async fn start(upstream: std::net::SocketAddr, seed: u64) -> Cutter {
        use std::sync::atomic::Ordering::SeqCst;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cuts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (arm, count) = (armed.clone(), cuts.clone());
        let rng = std::sync::Arc::new(std::sync::Mutex::new(Lcg(seed)));
        tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                // Nine connections in ten are cut somewhere in their first 1.2 MB (a push is about that).
                let budget = match rng.lock() {
                    Ok(mut r) if arm.load(SeqCst) => {
                        let cut = r.below(10) < 9;
                        let at = r.below(1_200_000) as usize + 1;
                        cut.then_some(at)
                    }
                    _ => None,
                };
                let count = count.clone();
                tokio::spawn(async move {
                    let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut left = budget.unwrap_or(usize::MAX);
                    let (mut a, mut b) = ([0u8; 16384], [0u8; 16384]);
                    loop {
                        let (n, from_desk) = tokio::select! {
                            r = down.read(&mut a) => (r.unwrap_or(0), true),
                            r = up.read(&mut b) => (r.unwrap_or(0), false),
                        };
                        if n == 0 {
                            if std::env::var_os("CUT_DEBUG").is_some() {
                                println!(
                                    "conn end budget {budget:?} left {left} from_desk {from_desk}"
                                );
                            }
                            return;
                        }
                        let n = n.min(left);
                        let sent = if from_desk {
                            up.write_all(&a[..n]).await
                        } else {
                            down.write_all(&b[..n]).await
                        };
                        left -= n;
                        if left == 0 {
                            count.fetch_add(1, SeqCst);
                            return; // both sockets drop: the connection is cut here
                        }
                        if sent.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Cutter { addr, armed, cuts }
    }

    fn arm(&self, on: bool) {
        self.armed.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    fn cuts(&self) -> usize {
        self.cuts.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A small, seeded generator (the seed is printed, so a failure can be replayed).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// How many entries of the desk's journal are of synced tables (what the hub must hold of it).
pub(crate) async fn synced_entries(db: &Path) -> i64 {
    let store = Store::open(db, OpenMode::MustExist).await.expect("open");
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM change_log WHERE table_name IN (SELECT value FROM json_each(?1))",
    )
    .bind(sync_rows::synced_tables_json())
    .fetch_one(store.pool())
    .await
    .expect("count");
    store.close().await;
    n
}

/// Makes `n` more changes at the desk: a vehicle's mileage, edited one write at a time.
async fn more_changes(db: &Path, n: i64) {
    use dealerdesk_services::vehicle::inventory::{self, VehicleCondition, VehicleInput};
    let store = Store::open(db, OpenMode::MustExist).await.expect("open");
    let id: String = sqlx::query_scalar("SELECT id FROM vehicle ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("a vehicle");
    let id = dealerdesk_rules::ids::VehicleId::from(id);
    let actor = dealerdesk_services::auth::Actor::Cli("test".into());
    for _ in 0..n {
        let v = inventory::get_vehicle(&store, &id).await.expect("vehicle");
        let input = VehicleInput {
            vin: v.vin.clone(),
            model_year: Some(v.model_year),
            make: v.make.clone(),
            model: v.model.clone(),
            trim: v.trim.clone(),
            mileage: v.mileage + 1,
            price: v.price.clone(),
            condition: VehicleCondition::Used,
            status: None,
            acknowledge_check_digit: true,
        };
        inventory::update_vehicle(&store, &actor, &id, &input, chrono::Utc::now())
            .await
            .expect("edit");
    }
    store.close().await;
}

/// Runs one sync of the desk in this process; Ok or the error's words.
pub(crate) async fn sync_once(
    db: &Path,
) -> Result<dealerdesk_services::sync::run::SyncReport, String> {
    let store = Store::open(db, OpenMode::MustExist)
        .await
        .map_err(|e| e.to_string())?;
    let r = dealerdesk_services::sync::run::sync_now(&store, chrono::Utc::now()).await;
    store.close().await;
    r.map_err(|e| e.to_string())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_changes_survive_a_hundred_cuts_and_hub_kills_with_nothing_lost_or_doubled() {
    let url = database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Faults", "--admin", "alice"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let (mut server, _) = serve_on(&url, &state, &bind);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    println!("fault seed {seed}");
    let cutter = Cutter::start(([127, 0, 0, 1], port).into(), seed ^ 0x5eed).await;
    let via = format!("https://{}", cutter.addr);

    let a = dir.path().join("a.db");
    assert_eq!(code(&dd(&a, &["demo", "--customers", "4700"])), 0);
    let e = dd(
        &a,
        &[
            "sync",
            "enrol",
            "--hub",
            &via,
            "--code",
            &new_code(&url, &state),
            "--name",
            "A",
        ],
    );
    assert_eq!(code(&e), 0, "{e:?}");
    let total = synced_entries(&a).await;
    assert!(total >= 10_000, "{total} changes to sync");
    let desk_a = json(&dd(&a, &["sync", "status", "--json"]))["desk_id"]
        .as_str()
        .expect("desk id")
        .to_string();

    // Cuts at random points of requests and answers while A's changes go up, and the hub
    // process killed in the middle of every twentieth run.
    let mut rng = Lcg(seed);
    cutter.arm(true);
    let (mut runs, mut kills) = (0, 0);
    loop {
        runs += 1;
        assert!(runs < 1_000, "the sync never finished");
        let done = if runs % 20 == 0 {
            let run = tokio::spawn({
                let a = a.clone();
                async move { sync_once(&a).await }
            });
            tokio::time::sleep(std::time::Duration::from_millis(rng.below(300))).await;
            let _ = Command::new("kill")
                .args(["-KILL", &server.id().to_string()])
                .status();
            let _ = server.wait();
            let finished = matches!(run.await, Ok(Ok(_)));
            server = serve_on(&url, &state, &bind).0;
            kills += 1;
            finished
        } else {
            sync_once(&a).await.is_ok()
        };
        if done && cutter.cuts() >= 100 {
            break;
        }
        if done {
            // Everything went up before a hundred cuts: the salesperson keeps working, so there
            // is more to send through the cuts.
            more_changes(&a, 200).await;
        }
    }
    cutter.arm(false);
    let total = synced_entries(&a).await;
    let pushing_cuts = cutter.cuts();
    println!("A: {runs} runs, {pushing_cuts} cuts, {kills} hub kills");
    let done = sync_once(&a).await.expect("a clean run finishes the sync");
    assert_eq!(
        json(&dd(&a, &["sync", "status", "--json"]))["waiting"],
        0,
        "{done:?}"
    );

    // On the hub: every change of A exactly once ((desk, seq) is unique there).
    let mut pg = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("hub database");
    let (stored, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT seq) FROM hub_change WHERE desk_id = $1::uuid",
    )
    .bind(&desk_a)
    .fetch_one(&mut pg)
    .await
    .expect("count");
    assert_eq!(
        (stored, distinct),
        (total, total),
        "nothing lost, nothing doubled"
    );

    // Desk B takes it all through cuts too, and ends with every row exactly as A has it.
    let b = dir.path().join("b.db");
    assert_eq!(code(&dd(&b, &["init"])), 0);
    let e = dd(
        &b,
        &[
            "sync",
            "enrol",
            "--hub",
            &via,
            "--code",
            &new_code(&url, &state),
            "--name",
            "B",
        ],
    );
    assert_eq!(code(&e), 0, "{e:?}");
    cutter.arm(true);
    let mut runs = 0;
    while sync_once(&b).await.is_err() {
        runs += 1;
        assert!(runs < 1_000, "the sync never finished");
    }
    cutter.arm(false);
    let pulling_cuts = cutter.cuts() - pushing_cuts;
    println!("B: {runs} failed runs, {pulling_cuts} cuts");
    assert!(
        pushing_cuts >= 100 && kills >= 3,
        "{pushing_cuts} + {pulling_cuts} cuts, {kills} kills"
    );
    assert_converged(&a, &b).await;
    assert_eq!(
        synced_entries(&b).await,
        0,
        "what B applied was not journaled again"
    );

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
}

/// Adds a used vehicle by VIN; its id.
fn add_vehicle(db: &Path, vin: &str) -> String {
    let added = dd(
        db,
        &[
            "vehicle",
            "add",
            "--vin",
            vin,
            "--make",
            "Honda",
            "--model",
            "Accord",
            "--mileage",
            "88000",
            "--price",
            "6995.00",
            "--condition",
            "used",
            "--json",
        ],
    );
    assert_eq!(code(&added), 0, "{added:?}");
    let j = json(&added);
    j["vehicle"]["id"]
        .as_str()
        .or_else(|| j["id"].as_str())
        .expect("vehicle id")
        .to_string()
}

#[cfg(unix)]
#[tokio::test]
async fn what_the_other_desk_cannot_take_waits_for_review_and_the_same_person_twice_is_flagged() {
    let url = database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    assert_eq!(
        code(&hub(
            &url,
            &state,
            &["init", "--group", "V", "--admin", "al"]
        )),
        0
    );
    let (mut server, base) = serve_on(&url, &state, "127.0.0.1:0");
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    assert_eq!(code(&dd(&a, &["demo", "--customers", "5"])), 0);
    assert_eq!(code(&dd(&b, &["init"])), 0);
    for (db, name) in [(&a, "A"), (&b, "B")] {
        let c = new_code(&url, &state);
        let e = dd(
            db,
            &[
                "sync", "enrol", "--hub", &base, "--code", &c, "--name", name,
            ],
        );
        assert_eq!(code(&e), 0, "{e:?}");
        sync_now(db);
    }
    sync_now(&b);
    assert_converged(&a, &b).await;

    // The same car is taken into stock at both desks before either syncs, and A desks a deal
    // on its record of it.
    let vin = "1HGCM82633A004352";
    let on_a = add_vehicle(&a, vin);
    let on_b = add_vehicle(&b, vin);
    assert_ne!(on_a, on_b);
    let deals = json(&dd(&a, &["deal", "list", "--json"]));
    let d = &deals["deals"][0];
    let shown = json(&dd(
        &a,
        &["deal", "show", d["id"].as_str().expect("deal"), "--json"],
    ));
    let mut input = deal_input(&shown["deal"], &on_a.as_str().into(), "the Accord");
    input["status"] = serde_json::Value::Null;
    let deal = save_deal(&a, None, &input);
    sync_now(&a);

    // B cannot take A's vehicle (its own has that VIN) nor the deal that names it: both wait for
    // review, B's sync finishes, and what A does next still reaches B.
    let took = sync_now(&b);
    assert_eq!(took["conflicts"], 2, "{took}");
    let c = json(&dd(&b, &["sync", "conflicts", "--json"]));
    let reasons: Vec<String> = c["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .map(|x| format!("{} {}", x["record"], x["reason"]))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("vehicle") && r.contains("UNIQUE")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("deal") && r.contains("names a vehicle")),
        "{reasons:?}"
    );
    assert_eq!(code(&dd(&b, &["deal", "show", &deal, "--json"])), 4);
    let later = add_vehicle(&a, "2T1BURHE0JC014702");
    sync_now(&a);
    let next = sync_now(&b);
    assert_eq!(next["conflicts"], 0, "{next}");
    assert!(json(&dd(&b, &["vehicle", "list", "--json"]))
        .to_string()
        .contains(&later));
    assert_eq!(code(&dd(&b, &["audit", "verify"])), 0);

    // The same person walks into both showrooms: each desk enters them. Both desks flag the
    // other desk's record for a finance manager to compare and merge; nothing is merged.
    for (db, phone) in [(&a, "2145550101"), (&b, "2145550199")] {
        let added = dd(
            db,
            &[
                "customer",
                "add",
                "--given",
                "Dana",
                "--family",
                "Whitfield",
                "--dob",
                "1984-03-09",
                "--ssn",
                "524-71-3382",
                "--phone",
                phone,
                "--income",
                "5200.00",
                "--line1",
                "12 Elm St",
                "--city",
                "Plano",
                "--state",
                "TX",
                "--zip",
                "75023",
                "--since",
                "2019-06-01",
            ],
        );
        assert_eq!(code(&added), 0, "{added:?}");
    }
    sync_now(&a);
    let on_b = sync_now(&b);
    let on_a = sync_now(&a);
    for (desk, r) in [("B", &on_b), ("A", &on_a)] {
        assert_eq!(r["conflicts"], 1, "desk {desk}: {r}");
    }
    let c = json(&dd(&a, &["sync", "conflicts", "--json"]));
    assert!(
        c["conflicts"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("same person"),
        "{c}"
    );
    let found = json(&dd(&a, &["customer", "find", "Whitfield", "--json"]));
    assert_eq!(
        found["customers"].as_array().map(Vec::len),
        Some(2),
        "{found}"
    );

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
}
