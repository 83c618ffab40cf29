//! Sync benchmark on a real PostgreSQL (`DEALERDESK_TEST_DATABASE_URL`, as `scripts/pg start`
//! prints; each part gets a fresh database) and real desk files (WAL, `synchronous=FULL`), with
//! the hub served over TLS on 127.0.0.1 in this process:
//! - **first sync**: a desk filled with the demo dealership (about `--changes` journal entries)
//!   enrols and pushes everything; the rate is compared with PostgreSQL's own `COPY FROM STDIN`
//!   of the same rows (the hub's `hub_change` rows, into a table like it with its indexes),
//!   measured in the same run;
//! - **first pull**: a second, empty desk takes all of it;
//! - **visibility**: a change on the first desk (a vehicle's mileage), pushed at once, until the
//!   second desk, waiting in a long poll, has applied it; `--rounds` times;
//! - **ten desks**: `--desks` desks with about `--per-desk` changes each (their own customers,
//!   cars, deals and applications, on the lenders one desk published to the group first), all
//!   syncing at once until every desk holds every other desk's changes.
//!
//! `cargo run --release --bin sync-bench -- --changes 100000 --desks 10 --per-desk 10000`

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use dealerdesk_hub::server::{self, Limits};
use dealerdesk_hub::{Hub, StateDir};
use dealerdesk_hub_store::HubStore;
use dealerdesk_services::auth::Actor;
use dealerdesk_services::sync::{enrol, run};
use dealerdesk_services::vehicle::inventory::{self, VehicleCondition, VehicleInput};
use dealerdesk_store::{OpenMode, Store};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Fail = Box<dyn std::error::Error>;

/// A hub on a fresh database, served over TLS in this process: (admin handle, https address).
async fn start_hub(dir: &Path) -> Result<(Hub, String), Fail> {
    std::fs::create_dir_all(dir)?;
    let url = dealerdesk_hub_store::testing::fresh_database().await?;
    let store = HubStore::connect(&url).await?;
    let state = StateDir::new(dir.join("hub-state"));
    dealerdesk_hub::init(
        &store,
        &state,
        "Bench",
        "admin",
        "bench admin password",
        &[],
        Utc::now(),
    )
    .await?;
    let serving = Hub::open(store.clone(), StateDir::new(dir.join("hub-state"))).await?;
    let admin = Hub::open(store, state).await?;
    let tls = server::tls_acceptor(&serving)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::serve(
        serving,
        listener,
        Some(tls),
        Limits::default(),
        std::future::pending(),
    ));
    Ok((admin, format!("https://{addr}")))
}

/// A desk at `path`, filled with the demo dealership of `customers` customers (none: empty),
/// enrolled with the hub.
async fn desk(
    hub: &Hub,
    base: &str,
    path: &Path,
    customers: Option<usize>,
    seed: u64,
) -> Result<Store, Fail> {
    let store = Store::open(path, OpenMode::CreateIfMissing).await?;
    if let Some(n) = customers {
        let now = Utc::now();
        dealerdesk_services::demo::fill(&store, seed, n, now, now.date_naive()).await?;
    }
    let code = hub.enrol_code("Bench", 60, None, Utc::now()).await?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "desk".into());
    let (store, _) = enrol::enrol(
        store,
        &Actor::Cli("bench".into()),
        base,
        &code.code,
        &name,
        Utc::now(),
    )
    .await?;
    Ok(store)
}

async fn journal_len(store: &Store) -> Result<i64, Fail> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM change_log")
        .fetch_one(store.pool())
        .await?)
}

/// Customers for about `changes` journal entries (the demo journals about 2.1 per customer).
fn customers_for(changes: usize) -> usize {
    (changes * 10 / 21).max(10)
}

/// The time PostgreSQL's COPY takes to load the hub's stored changes again.
async fn copy_reference(hub: &Hub) -> Result<(usize, Duration), Fail> {
    use futures_util::StreamExt;
    let mut c = hub.store.pool().acquire().await?;
    sqlx::query("CREATE TABLE copy_reference (LIKE hub_change INCLUDING ALL)")
        .execute(&mut *c)
        .await?;
    let mut out = c
        .copy_out_raw("COPY (SELECT * FROM hub_change ORDER BY cursor) TO STDOUT")
        .await?;
    let mut data = Vec::new();
    while let Some(chunk) = out.next().await {
        data.extend_from_slice(&chunk?);
    }
    drop(out);
    let rows = data.iter().filter(|b| **b == b'\n').count();
    let t = Instant::now();
    let mut copy = c.copy_in_raw("COPY copy_reference FROM STDIN").await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok((rows, t.elapsed()))
}

async fn first_sync(dir: &Path, changes: usize, rounds: usize) -> Result<(), Fail> {
    let (hub, base) = start_hub(dir).await?;
    let a = desk(
        &hub,
        &base,
        &dir.join("a.db"),
        Some(customers_for(changes)),
        1,
    )
    .await?;
    let n = journal_len(&a).await?;
    let t = Instant::now();
    let r = run::sync_now(&a, Utc::now()).await?;
    let push = t.elapsed();
    let (rows, copy) = copy_reference(&hub).await?;
    let sync_rate = r.pushed as f64 / push.as_secs_f64();
    let copy_rate = rows as f64 / copy.as_secs_f64();
    println!(
        "first sync: {} of {n} journal entries pushed in {:.2} s ({:.0}/s); COPY of the same {rows} \
         rows {:.2} s ({:.0}/s); sync/COPY = {:.2}",
        r.pushed,
        push.as_secs_f64(),
        sync_rate,
        copy.as_secs_f64(),
        copy_rate,
        sync_rate / copy_rate
    );

    let b = desk(&hub, &base, &dir.join("b.db"), None, 2).await?;
    let t = Instant::now();
    let r = run::sync_now(&b, Utc::now()).await?;
    println!(
        "first pull: {} changes applied on an empty desk in {:.2} s ({:.0}/s)",
        r.pulled,
        t.elapsed().as_secs_f64(),
        r.pulled as f64 / t.elapsed().as_secs_f64()
    );

    // Visibility: B waits in a long poll; A changes a vehicle and pushes at once.
    let id: String = sqlx::query_scalar("SELECT id FROM vehicle ORDER BY id LIMIT 1")
        .fetch_one(a.pool())
        .await?;
    let id = dealerdesk_rules::ids::VehicleId::from(id);
    let v = inventory::get_vehicle(&a, &id).await?;
    let mut seen = Vec::new();
    for round in 0..rounds {
        let mileage = v.mileage + 1 + round as i64;
        let waiter = {
            let b = b.clone();
            let id = id.clone();
            tokio::spawn(async move {
                loop {
                    if run::sync_waiting(&b, Utc::now(), 5_000, std::future::pending())
                        .await
                        .is_err()
                    {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    match inventory::get_vehicle(&b, &id).await {
                        Ok(x) if x.mileage == mileage => return Instant::now(),
                        _ => {}
                    }
                }
            })
        };
        // Let B's pull reach the hub and wait there.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t0 = Instant::now();
        let input = VehicleInput {
            vin: v.vin.clone(),
            model_year: Some(v.model_year),
            make: v.make.clone(),
            model: v.model.clone(),
            trim: v.trim.clone(),
            mileage,
            price: v.price.clone(),
            condition: VehicleCondition::Used,
            status: None,
            acknowledge_check_digit: true,
        };
        inventory::update_vehicle(&a, &Actor::Cli("bench".into()), &id, &input, Utc::now()).await?;
        run::sync_now(&a, Utc::now()).await?;
        let t1 = tokio::time::timeout(Duration::from_secs(30), waiter).await??;
        seen.push(t1 - t0);
    }
    seen.sort();
    if let (Some(p50), Some(max)) = (seen.get(seen.len() / 2), seen.last()) {
        println!(
            "visibility: a change on A applied on B (long poll) in p50 {:.0} ms, max {:.0} ms over {} rounds",
            p50.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            seen.len()
        );
    }
    a.close().await;
    b.close().await;
    Ok(())
}

async fn ten_desks(dir: &Path, desks: usize, per_desk: usize) -> Result<(), Fail> {
    let (hub, base) = start_hub(dir).await?;
    // The group's lenders, rate sheets and usury caps come from one desk, as a group shares
    // them (each desk seeding its own would make a second lender of the same code, refused).
    let group = desk(&hub, &base, &dir.join("group.db"), None, 0).await?;
    dealerdesk_services::demo::seed_group(&group, Utc::now()).await?;
    run::sync_now(&group, Utc::now()).await?;
    let mut stores = Vec::new();
    let mut total = 0;
    for i in 0..desks {
        let path = dir.join(format!("d{i}.db"));
        let s = desk(&hub, &base, &path, None, 0).await?;
        run::sync_now(&s, Utc::now()).await?;
        let before = journal_len(&s).await?;
        let now = Utc::now();
        let n = customers_for(per_desk);
        dealerdesk_services::demo::fill(&s, 100 + i as u64, n, now, now.date_naive()).await?;
        total += journal_len(&s).await? - before;
        stores.push(s);
    }
    let t = Instant::now();
    let mut rounds = 0;
    let mut conflicts = 0;
    loop {
        rounds += 1;
        let mut runs = Vec::new();
        for s in &stores {
            let s = s.clone();
            runs.push(tokio::spawn(
                async move { run::sync_now(&s, Utc::now()).await },
            ));
        }
        let mut quiet = true;
        for r in runs {
            let r = r.await??;
            conflicts += r.conflicts;
            quiet &= r.pushed == 0 && r.pulled == 0;
        }
        if quiet || rounds > 20 {
            break;
        }
    }
    println!(
        "{desks} desks, {total} changes in all: converged in {:.2} s ({rounds} rounds of every \
         desk syncing at once, the last one quiet); {conflicts} conflicts kept for review",
        t.elapsed().as_secs_f64()
    );
    // What the conflicts were, as the first desk keeps them for review.
    if let Some(first) = stores.first() {
        let kinds: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT table_name, outcome, reason, COUNT(*) FROM sync_conflict \
             GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 8",
        )
        .fetch_all(first.pool())
        .await?;
        for (table, outcome, reason, n) in kinds {
            println!("  desk 1: {n} {outcome} on {table}: {reason}");
        }
    }
    for s in stores {
        s.close().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Fail> {
    // DEALERDESK_LOG=dealerdesk_services=debug shows each batch's and page's time.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEALERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let root = std::env::temp_dir().join(format!("dealerdesk-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let outcome = bench(&root).await;
    let _ = std::fs::remove_dir_all(&root);
    outcome
}

async fn bench(root: &Path) -> Result<(), Fail> {
    let changes = arg("--changes", 100_000);
    let rounds = arg("--rounds", 20);
    if changes > 0 {
        first_sync(&root.join("one"), changes, rounds).await?;
    }
    let desks = arg("--desks", 10);
    let per_desk = arg("--per-desk", 10_000);
    if desks > 0 {
        ten_desks(&root.join("ten"), desks, per_desk).await?;
    }
    Ok(())
}
