//! Identity benchmark. Licence barcodes: parses a version 10 AAMVA payload many times and
//! reports the time per parse. Sanctions: generates a full-size list in Treasury's format (18,000 entries, about
//! 12,000 aliases and 15,000 addresses, fictional syllable names from a seeded generator),
//! times its import into a fresh database, the load into the screening index, and screening
//! names against it (half are variants of listed names, half are not), reporting
//! p50/p95/p99/max per name.
//!
//! `cargo run --release --bin identity-bench -- --entries 18000 --queries 2000`

use std::time::{Duration, Instant};

use chrono::Utc;
use dealerdesk_services::auth::Actor;
use dealerdesk_services::identity::aamva;
use dealerdesk_services::identity::sanctions::synthetic::generate;
use dealerdesk_services::identity::sanctions::{self, ListFiles, DEFAULT_THRESHOLD};
use dealerdesk_store::{OpenMode, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Times parsing a full version 10 payload (every element a desk card carries).
fn licence_figure() {
    let payload = aamva::build_payload(
        "ANSI ",
        "636000",
        10,
        1,
        &[
            (
                "DL",
                &[
                    ("DAQ", "T64235789"),
                    ("DCS", "SAMPLE"),
                    ("DDE", "N"),
                    ("DAC", "MICHAEL"),
                    ("DDF", "N"),
                    ("DAD", "JOHN"),
                    ("DDG", "N"),
                    ("DCA", "D"),
                    ("DCB", "K"),
                    ("DCD", "PH"),
                    ("DBD", "06062024"),
                    ("DBB", "06061986"),
                    ("DBA", "12102030"),
                    ("DBC", "1"),
                    ("DAU", "068 in"),
                    ("DAY", "BRO"),
                    ("DAG", "2300 WEST BROAD STREET"),
                    ("DAI", "RICHMOND"),
                    ("DAJ", "VA"),
                    ("DAK", "232690000  "),
                    ("DCF", "2424244747474786102204"),
                    ("DCG", "USA"),
                    ("DDA", "F"),
                    ("DDB", "06062018"),
                ],
            ),
            ("ZV", &[("ZVA", "01")]),
        ],
    );
    let today = Utc::now().date_naive();
    let runs = 100_000u32;
    let t = Instant::now();
    let mut problems = 0usize;
    for _ in 0..runs {
        if let Ok(l) = aamva::parse_str(std::hint::black_box(&payload), today) {
            problems += l.problems.len();
        }
    }
    let per = t.elapsed() / runs;
    println!(
        "parse one licence payload ({} bytes, {runs} runs): {:.2} µs ({problems} problems)",
        payload.len(),
        per.as_secs_f64() * 1e6
    );
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
    let mut entries = 18_000usize;
    let mut queries = 2_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--entries" => entries = value.parse()?,
            "--queries" => queries = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    licence_figure();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let g = generate(entries, &mut rng);
    let dir =
        std::env::temp_dir().join(format!("dealerdesk-sanctions-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    let store = Store::open(&db, OpenMode::CreateIfMissing).await?;
    let files = ListFiles {
        sdn: ("sdn.csv", g.sdn.as_bytes()),
        alt: Some(("alt.csv", g.alt.as_bytes())),
        add: Some(("add.csv", g.add.as_bytes())),
    };
    let t = Instant::now();
    let summary = sanctions::import(
        &store,
        &Actor::Cli("bench".into()),
        &files,
        None,
        Utc::now(),
    )
    .await?;
    let import_time = t.elapsed();
    let t = Instant::now();
    let list = sanctions::load_current(&store).await?;
    let load_time = t.elapsed();

    // Listed people typed "First Last" with one letter changed, and people not on the list.
    let mut listed = Vec::with_capacity(queries / 2 + 1);
    let mut unlisted = Vec::with_capacity(queries / 2 + 1);
    let mut hits = 0usize;
    for i in 0..queries {
        let q = if i % 2 == 0 {
            let (given, family) = &g.names[rng.gen_range(0..g.names.len())];
            let mut fam: Vec<char> = family.to_lowercase().chars().collect();
            let at = rng.gen_range(1..fam.len());
            fam[at] = 'e';
            format!("{given} {}", fam.into_iter().collect::<String>())
        } else {
            format!(
                "{} {}",
                ["John", "Maria", "Wei", "Olga", "Ahmed"][i % 5],
                ["Smith", "Garcia", "Zhang", "Petrova", "Hassan"][(i / 5) % 5]
            )
        };
        let t = Instant::now();
        let r = list.screen(&q, None, None, DEFAULT_THRESHOLD)?;
        let took = t.elapsed();
        if i % 2 == 0 {
            listed.push(took);
            if !r.matches.is_empty() {
                hits += 1;
            }
        } else {
            unlisted.push(took);
        }
    }
    println!(
        "list: {} entries, {} aliases, {} addresses ({} names, {} distinct words indexed)",
        summary.entries,
        summary.aliases,
        summary.addresses,
        list.index.name_count(),
        list.index.word_count()
    );
    println!("import (parse + one transaction): {}", ms(import_time));
    println!("load into the screening index:    {}", ms(load_time));
    let mut all: Vec<Duration> = listed.iter().chain(&unlisted).copied().collect();
    for (label, times) in [
        ("listed names, one letter changed", &mut listed),
        ("names not on the list", &mut unlisted),
        ("all", &mut all),
    ] {
        times.sort();
        println!(
            "screen one name, {label} ({}): p50 {}  p95 {}  p99 {}  max {}",
            times.len(),
            ms(percentile(times, 0.50)),
            ms(percentile(times, 0.95)),
            ms(percentile(times, 0.99)),
            ms(percentile(times, 1.0))
        );
    }
    println!("listed names found: {hits} of {}", queries.div_ceil(2));
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
