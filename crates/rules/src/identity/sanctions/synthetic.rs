//! A synthetic sanctions list in the Treasury's CSV format: fictional syllable names from a
//! seeded generator, at the real list's size (about 18,000 entries, 12,000 aliases and 15,000
//! addresses). The benchmark screens against it, and demo databases load it so the desk's OFAC
//! screen works offline without pretending to be the real list.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Size of the real SDN list (entries), for benchmarks and demos.
pub const FULL_SIZE: usize = 18_000;

const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "ta", "zen", "vol", "dra", "shi", "lun", "bar", "qui", "fel", "tor", "nak",
    "gha", "sim", "pol", "dur", "vek", "ash", "mir", "zol", "tre", "ban", "cor", "hal", "jun",
    "lex", "oru", "pen", "sar", "tul", "ugo", "wen", "yar", "zin", "el", "an", "is", "om",
];

/// A fictional name word of 2–4 syllables.
pub fn word(rng: &mut ChaCha8Rng) -> String {
    let n = rng.gen_range(2..=4);
    let mut w = String::new();
    for _ in 0..n {
        w.push_str(SYLLABLES[rng.gen_range(0..SYLLABLES.len())]);
    }
    w
}

/// "kamo" → "Kamo".
pub fn capital(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The three files' text and each entry's (given, family) name.
pub struct Generated {
    pub sdn: String,
    pub alt: String,
    pub add: String,
    pub names: Vec<(String, String)>,
}

/// Generates `entries` entries (entry numbers from 10,000) with aliases and addresses.
pub fn generate(entries: usize, rng: &mut ChaCha8Rng) -> Generated {
    let null = "\"-0- \"";
    let (mut sdn, mut alt, mut add) = (String::new(), String::new(), String::new());
    let mut names = Vec::with_capacity(entries);
    let (mut alt_num, mut add_num) = (0, 0);
    for i in 0..entries {
        let ent = 10_000 + i;
        let individual = rng.gen_bool(0.7);
        let (name, given, family) = if individual {
            let family = word(rng).to_uppercase();
            let given = capital(&word(rng));
            let middle = if rng.gen_bool(0.5) {
                format!(" {}", capital(&word(rng)))
            } else {
                String::new()
            };
            (format!("{family}, {given}{middle}"), given, family)
        } else {
            let n = rng.gen_range(2..=4);
            let ws: Vec<String> = (0..n).map(|_| word(rng).to_uppercase()).collect();
            (
                format!("{} LLC", ws.join(" ")),
                ws[0].clone(),
                ws[1].clone(),
            )
        };
        names.push((given, family));
        let _ = write!(
            sdn,
            "{ent},\"{name}\",{},\"TESTPROG\",{null},{null},{null},{null},{null},{null},{null},\"DOB {} ; POB Nowhere.\"\r\n",
            if individual { "\"individual\"" } else { null },
            rng.gen_range(1940..2000)
        );
        if rng.gen_bool(0.45) {
            for _ in 0..rng.gen_range(1..=3) {
                alt_num += 1;
                let _ = write!(
                    alt,
                    "{ent},{alt_num},\"aka\",\"{}, {}\",{null}\r\n",
                    word(rng).to_uppercase(),
                    capital(&word(rng))
                );
            }
        }
        if rng.gen_bool(0.6) {
            for _ in 0..rng.gen_range(1..=2) {
                add_num += 1;
                let _ = write!(
                    add,
                    "{ent},{add_num},\"{} Street\",\"{}\",\"Testland\",{null}\r\n",
                    rng.gen_range(1..999),
                    capital(&word(rng))
                );
            }
        }
    }
    sdn.push('\x1a');
    Generated {
        sdn,
        alt,
        add,
        names,
    }
}
