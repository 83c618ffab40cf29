//! Customer search benchmark: builds (or reuses) a database of N generated customers and times
//! a mix of real desk searches (last-name prefix, first + last, phone prefix, e-mail, last 4 of
//! the SSN), reporting p50/p95/p99/max per query kind and overall.
//!
//! `cargo run --release --bin search-bench -- --customers 1000000 --db /tmp/bench.db`
//! (the database is reused on later runs if it already holds enough customers).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use dealerdesk_services::auth::Actor;
use dealerdesk_services::customer;
use dealerdesk_services::demo;
use dealerdesk_store::{OpenMode, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Args {
    customers: usize,
    db: PathBuf,
    queries: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        customers: 1_000_000,
        db: std::env::temp_dir().join("dealerdesk-search-bench.db"),
        queries: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--customers" => {
                args.customers = value.parse().map_err(|_| "--customers takes a number")?
            }
            "--queries" => args.queries = value.parse().map_err(|_| "--queries takes a number")?,
            "--db" => args.db = PathBuf::from(value),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let store = Store::open(&args.db, OpenMode::CreateIfMissing).await?;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer")
        .fetch_one(store.pool())
        .await?;
    let now = Utc::now();
    let today = now.date_naive();
    if (have as usize) < args.customers {
        let mut rng = ChaCha8Rng::seed_from_u64(have as u64 + 1);
        let started = Instant::now();
        let actor = Actor::Cli("bench".into());
        let mut made = have as usize;
        while made < args.customers {
            let n = (args.customers - made).min(20_000);
            let batch = demo::customers(&mut rng, n, now, today);
            let (inputs, times): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            customer::create_many(&store, &actor, &inputs, &times, now, today).await?;
            made += n;
            eprint!(
                "\rgenerated {made}/{} customers ({:.0?})",
                args.customers,
                started.elapsed()
            );
        }
        eprintln!();
        sqlx::query("INSERT INTO customer_fts (customer_fts) VALUES ('optimize')")
            .execute(store.pool())
            .await?;
        sqlx::query("ANALYZE").execute(store.pool()).await?;
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer")
        .fetch_one(store.pool())
        .await?;

    // Real values to search for, sampled from the database.
    let sample: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT given_name, family_name, phone, email, ssn_last4 FROM customer
         WHERE rid IN (SELECT abs(random()) % (SELECT MAX(rid) FROM customer) + 1 FROM customer LIMIT 500)",
    )
    .fetch_all(store.pool())
    .await?;
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut kinds: Vec<(&str, Vec<Duration>)> = vec![
        ("last-name prefix", vec![]),
        ("first + last", vec![]),
        ("phone prefix", vec![]),
        ("e-mail", vec![]),
        ("SSN last 4", vec![]),
    ];
    // Warm the page cache the way a desk that has been open for a while would be.
    for (g, f, ..) in sample.iter().take(20) {
        customer::search(&store, &format!("{g} {f}"), 50).await?;
    }
    let mut hits = 0usize;
    for i in 0..args.queries {
        let (g, f, phone, email, last4) = &sample[rng.gen_range(0..sample.len())];
        let kind = i % kinds.len();
        let q = match kind {
            0 => f
                .chars()
                .take(rng.gen_range(3..=f.chars().count().max(3)))
                .collect::<String>(),
            1 => format!("{g} {f}"),
            2 => phone[..rng.gen_range(6..=10)].to_string(),
            3 => email.clone().unwrap_or_else(|| f.clone()),
            _ => last4.clone(),
        };
        let t = Instant::now();
        let found = customer::search(&store, &q, 50).await?;
        kinds[kind].1.push(t.elapsed());
        hits += usize::from(!found.is_empty());
    }
    println!(
        "customer search on {total} customers, {} queries, limit 50 ({} returned results)",
        args.queries, hits
    );
    let mut all = Vec::new();
    for (name, times) in &mut kinds {
        times.sort();
        all.extend_from_slice(times);
        println!(
            "  {name:<18} p50 {:>10}  p95 {:>10}  p99 {:>10}  max {:>10}",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.95)),
            ms(percentile(times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    all.sort();
    println!(
        "  {:<18} p50 {:>10}  p95 {:>10}  p99 {:>10}  max {:>10}",
        "ALL",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.95)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().unwrap_or(&Duration::ZERO))
    );
    let p95 = percentile(&all, 0.95);
    println!(
        "target p95 <= 10 ms: {}",
        if p95 <= Duration::from_millis(10) {
            "MET"
        } else {
            "NOT MET"
        }
    );
    store.close().await;
    Ok(())
}
