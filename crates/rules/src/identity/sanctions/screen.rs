//! Fuzzy name screening against a loaded list, the way OFAC's own Sanctions List Search works:
//! names are normalised (case, diacritics, punctuation, particles), compared word by word with
//! Jaro-Winkler, and words that sound alike (same Soundex code) count as near matches, so
//! transliterations ("Mohammed"/"Muhammad", "Youssef"/"Yusuf") are found.
//!
//! Word order does not matter ("LAST, First" on the list matches "First Last" typed at the
//! desk), and a name missing a middle name on either side still matches, because the score
//! averages over the shorter name's words and only slightly rewards covering the longer one.
//!
//! Speed: every distinct word of the list is kept once in a vocabulary with a letter histogram.
//! A query word is compared with Jaro-Winkler only against vocabulary words whose histogram
//! allows a high enough score, then every name is scored from those word scores by lookup.

use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Below this a pair of words is not counted as matching at all.
const WORD_FLOOR: f64 = 0.80;
/// Words with the same Soundex code but a Jaro-Winkler below this are not lifted.
const SOUND_FLOOR: f64 = 0.60;
/// More words than this in one name are ignored (none on the real list come close).
const MAX_WORDS: usize = 16;

/// Words that carry little identity: Arabic and European name particles, company forms.
const PARTICLES: &[&str] = &[
    "al", "el", "bin", "ibn", "bint", "de", "del", "della", "der", "di", "da", "do", "dos", "du",
    "la", "le", "van", "von", "the", "of", "and", "y", "co", "inc", "ltd", "llc", "sa", "ltda",
    "gmbh", "corp", "company", "limited",
];

/// A name as lowercase ASCII-ish words: diacritics removed, punctuation dropped, particles removed
/// (unless nothing else is left).
pub fn normalise(name: &str) -> Vec<String> {
    let mut folded = String::with_capacity(name.len());
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => folded.push('d'),
            'þ' | 'Þ' => folded.push_str("th"),
            'ı' => folded.push('i'),
            // O'Neil, N’Diaye: the apostrophe joins, it does not split.
            '\'' | '’' | '`' | 'ʻ' | 'ʼ' => {}
            c if c.is_alphanumeric() => folded.extend(c.to_lowercase()),
            _ => folded.push(' '),
        }
    }
    let words: Vec<String> = folded.split_whitespace().map(str::to_string).collect();
    let kept: Vec<String> = words
        .iter()
        .filter(|w| !PARTICLES.contains(&w.as_str()))
        .cloned()
        .collect();
    let kept = if kept.is_empty() { words } else { kept };
    // Initials ("Orsolya B. Quillfeather", "S.A.") say too little to compare; drop them when
    // at least two full words remain.
    let full: Vec<String> = kept
        .iter()
        .filter(|w| w.chars().count() > 1)
        .cloned()
        .collect();
    if full.len() >= 2 {
        full
    } else {
        kept
    }
}

/// American Soundex of one word (letter + three digits); words that do not start with an ASCII
/// letter get no code and are compared by spelling only.
pub fn soundex(word: &str) -> Option<[u8; 4]> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0', // vowels and y: separate equal codes
        }
    }
    let bytes: Vec<u8> = word
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let first = *bytes.first()?;
    if !word.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut out = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let mut n = 1;
    let mut last = code(first);
    for &b in &bytes[1..] {
        let c = code(b);
        if c == b'h' {
            continue; // h and w do not separate equal codes
        }
        if c != b'0' && c != last {
            out[n] = c;
            n += 1;
            if n == 4 {
                break;
            }
        }
        last = c;
    }
    Some(out)
}

/// How many letters two histograms share (a written-out loop the compiler vectorises).
#[inline]
fn shared_letters(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    let mut m = [0u8; 32];
    for i in 0..32 {
        m[i] = a[i].min(b[i]);
    }
    m.iter().map(|&x| u32::from(x)).sum()
}

/// Letter counts (a–z, then one slot for everything else; 32 wide so the comparison vectorises).
fn histogram(word: &str) -> [u8; 32] {
    let mut h = [0u8; 32];
    for c in word.chars() {
        let i = if c.is_ascii_lowercase() {
            (c as u8 - b'a') as usize
        } else {
            26
        };
        h[i] = h[i].saturating_add(1);
    }
    h
}

/// One entry of the list as the screen needs it.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub ent_num: i64,
    pub name: String,
    pub sdn_type: Option<String>,
    pub program: Option<String>,
    /// Years of birth found in the remarks ("DOB 03 Feb 1971", "DOB circa 1968").
    pub birth_years: Vec<i32>,
    /// Countries of its addresses, uppercase.
    pub countries: Vec<String>,
}

struct Word {
    text: String,
    chars: usize,
    sound: Option<[u8; 4]>,
}

struct Name {
    entry: u32,
    /// `Some(alias)` when this is an alias of the entry rather than its primary name.
    alias: Option<String>,
    words: Vec<u32>,
}

/// A list loaded for screening.
pub struct ScreenIndex {
    entries: Vec<IndexEntry>,
    vocab: Vec<Word>,
    /// Letter histograms of the vocabulary, apart from the words: the scan that prunes most
    /// words reads only this compact array.
    hists: Vec<[u8; 32]>,
    vocab_ids: HashMap<String, u32>,
    names: Vec<Name>,
    /// For each vocabulary word, the names that contain it: only names sharing a near word
    /// with the query are scored.
    postings: Vec<Vec<u32>>,
}

/// One candidate: the entry, its best-matching name or alias and the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub ent_num: i64,
    /// The entry's primary name on the list.
    pub name: String,
    /// 0 to 1, rounded to three decimals.
    pub score: f64,
    pub program: Option<String>,
    pub sdn_type: Option<String>,
    /// The alias that matched best, when it was an alias and not the primary name.
    pub matched_alias: Option<String>,
    /// Whether the date of birth given matches a birth year on the list (`None`: not comparable).
    pub dob_matches: Option<bool>,
    /// Whether the country given is one of the entry's address countries (`None`: not comparable).
    pub country_matches: Option<bool>,
}

impl ScreenIndex {
    /// Builds the index from entries and their aliases (`(entry index, alias name)`).
    pub fn build(entries: Vec<IndexEntry>, aliases: Vec<(usize, String)>) -> Self {
        let mut index = ScreenIndex {
            entries: Vec::new(),
            vocab: Vec::new(),
            hists: Vec::new(),
            vocab_ids: HashMap::new(),
            names: Vec::with_capacity(entries.len() + aliases.len()),
            postings: Vec::new(),
        };
        for (i, e) in entries.iter().enumerate() {
            index.add_name(i, None, &e.name);
        }
        for (i, alias) in aliases {
            if i < entries.len() {
                index.add_name(i, Some(alias.clone()), &alias);
            }
        }
        index.entries = entries;
        index
    }

    fn add_name(&mut self, entry: usize, alias: Option<String>, text: &str) {
        let mut words = Vec::new();
        for w in normalise(text).into_iter().take(MAX_WORDS) {
            let id = match self.vocab_ids.get(&w) {
                Some(id) => *id,
                None => {
                    let id = self.vocab.len() as u32;
                    self.hists.push(histogram(&w));
                    self.vocab.push(Word {
                        chars: w.chars().count(),
                        sound: soundex(&w),
                        text: w.clone(),
                    });
                    self.vocab_ids.insert(w, id);
                    self.postings.push(Vec::new());
                    id
                }
            };
            words.push(id);
        }
        if !words.is_empty() {
            let name_id = self.names.len() as u32;
            for &w in &words {
                if let Some(p) = self.postings.get_mut(w as usize) {
                    if p.last() != Some(&name_id) {
                        p.push(name_id);
                    }
                }
            }
            self.names.push(Name {
                entry: entry as u32,
                alias,
                words,
            });
        }
    }

    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Distinct normalised words over all names.
    pub fn word_count(&self) -> usize {
        self.vocab.len()
    }

    /// The similarity of one query word to every vocabulary word (0 where below the floor),
    /// and the ids of the words above it.
    fn word_scores(&self, q: &str) -> (Vec<f32>, Vec<u32>) {
        let mut scores = vec![0f32; self.vocab.len()];
        let mut hits = Vec::new();
        let qh = histogram(q);
        let ql = q.chars().count();
        let qs = soundex(q);
        if let Some(&id) = self.vocab_ids.get(q) {
            scores[id as usize] = 1.0;
            hits.push(id);
        }
        for (id, h) in self.hists.iter().enumerate() {
            // Upper bound of Jaro-Winkler from the letters the two words share, first with
            // the largest Winkler bonus (reading only the histogram), then with the real one.
            let common = shared_letters(&qh, h);
            if common == 0 || scores[id] > 0.0 {
                continue;
            }
            let Some(w) = self.vocab.get(id) else {
                continue;
            };
            let m = (common as usize).min(ql).min(w.chars) as f64;
            let jaro_ub = (m / ql as f64 + m / w.chars as f64 + 1.0) / 3.0;
            if jaro_ub + 0.4 * (1.0 - jaro_ub) < SOUND_FLOOR {
                continue;
            }
            // Winkler's bonus is 0.1 per leading character in common, up to four.
            let prefix = q
                .bytes()
                .zip(w.text.bytes())
                .take(4)
                .take_while(|(a, b)| a == b)
                .count() as f64;
            let ub = jaro_ub + 0.1 * prefix * (1.0 - jaro_ub);
            let same_sound = qs.is_some() && qs == w.sound;
            if ub < if same_sound { SOUND_FLOOR } else { WORD_FLOOR } {
                continue;
            }
            let jw = jaro_winkler(q, &w.text);
            let s = if same_sound && jw >= SOUND_FLOOR {
                jw.max((jw + 1.0) / 2.0)
            } else {
                jw
            };
            if s >= WORD_FLOOR {
                scores[id] = s as f32;
                hits.push(id as u32);
            }
        }
        (scores, hits)
    }

    /// Screens one name. `dob` and `country` do not change the score (a list entry may lack
    /// them); they are reported so the reviewer can clear or confirm a candidate faster.
    pub fn screen(
        &self,
        query_words: &[String],
        threshold: f64,
        birth_year: Option<i32>,
        country: Option<&str>,
    ) -> Vec<Candidate> {
        let q: Vec<&String> = query_words.iter().take(MAX_WORDS).collect();
        if q.is_empty() {
            return Vec::new();
        }
        let (sims, hits): (Vec<Vec<f32>>, Vec<Vec<u32>>) =
            q.iter().map(|w| self.word_scores(w)).unzip();
        let mut candidates: Vec<u32> = hits
            .iter()
            .flatten()
            .filter_map(|&w| self.postings.get(w as usize))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: HashMap<u32, (f64, Option<&str>)> = HashMap::new();
        let mut pairs: Vec<(f32, usize, usize)> = Vec::with_capacity(64);
        for name in candidates
            .iter()
            .filter_map(|&n| self.names.get(n as usize))
        {
            pairs.clear();
            for (qi, s) in sims.iter().enumerate() {
                for (ci, &w) in name.words.iter().enumerate() {
                    let v = s[w as usize];
                    if v > 0.0 {
                        pairs.push((v, qi, ci));
                    }
                }
            }
            if pairs.is_empty() {
                continue;
            }
            let score = combine(&mut pairs, q.len(), name.words.len());
            if score >= threshold {
                let slot = best.entry(name.entry).or_insert((0.0, None));
                if score > slot.0 {
                    *slot = (score, name.alias.as_deref());
                }
            }
        }
        let country = country.map(|c| c.trim().to_uppercase());
        let mut out: Vec<Candidate> = best
            .into_iter()
            .filter_map(|(entry, (score, alias))| {
                let e = self.entries.get(entry as usize)?;
                Some(Candidate {
                    ent_num: e.ent_num,
                    name: e.name.clone(),
                    score: (score * 1000.0).round() / 1000.0,
                    program: e.program.clone(),
                    sdn_type: e.sdn_type.clone(),
                    matched_alias: alias.map(str::to_string),
                    dob_matches: match birth_year {
                        Some(y) if !e.birth_years.is_empty() => Some(e.birth_years.contains(&y)),
                        _ => None,
                    },
                    country_matches: match &country {
                        Some(c) if !e.countries.is_empty() => {
                            Some(e.countries.iter().any(|x| x == c))
                        }
                        _ => None,
                    },
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.ent_num.cmp(&b.ent_num))
        });
        out
    }
}

/// Jaro-Winkler exactly as `strsim::jaro_winkler` computes it, for ASCII words of at most 64
/// bytes, without allocating or decoding characters: the screen calls it tens of thousands of
/// times per name, and strsim's general version was most of the time spent. Other words go to
/// strsim.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let range = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_flags, mut y_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let hi = (i + range + 1).min(y.len());
        for (j, &d) in y.iter().enumerate().take(hi).skip(i.saturating_sub(range)) {
            if y_flags & (1 << j) == 0 && d == c {
                x_flags |= 1 << i;
                y_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &c) in x.iter().enumerate() {
        if x_flags & (1 << i) == 0 {
            continue;
        }
        while j < y.len() && y_flags & (1 << j) == 0 {
            j += 1;
        }
        if y.get(j) != Some(&c) {
            transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(a, b)| a == b).count() as f64;
        jaro + 0.1 * prefix * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Combines word scores into a name score: pair words greedily best-first, average over the
/// shorter name, then weigh by how much of the longer name was covered. A one-word side against
/// a many-word side scores low, so a lone surname never matches a full name.
fn combine(pairs: &mut [(f32, usize, usize)], q_len: usize, c_len: usize) -> f64 {
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut q_used = 0u32;
    let mut c_used = 0u32;
    let mut sum = 0f64;
    let mut matched = 0usize;
    for &(s, qi, ci) in pairs.iter() {
        if q_used & (1 << qi) != 0 || c_used & (1 << ci) != 0 {
            continue;
        }
        q_used |= 1 << qi;
        c_used |= 1 << ci;
        sum += f64::from(s);
        matched += 1;
    }
    let short = q_len.min(c_len);
    let long = q_len.max(c_len);
    let avg = sum / short as f64;
    let coverage = matched as f64 / long as f64;
    if short == 1 && long > 1 {
        avg * (0.5 + 0.5 * coverage)
    } else if short >= 2 && matched < 2 {
        avg * 0.7
    } else {
        avg * (0.92 + 0.08 * coverage)
    }
}

/// Years of birth in SDN remarks: every four-digit year after a "DOB" up to the next ";".
pub fn birth_years(remarks: Option<&str>) -> Vec<i32> {
    let Some(r) = remarks else { return Vec::new() };
    let mut out = Vec::new();
    for part in r.split(';') {
        let Some(at) = part.find("DOB") else {
            continue;
        };
        let p = &part[at..];
        for w in p.split(|c: char| !c.is_ascii_digit()) {
            if w.len() == 4 {
                if let Ok(y) = w.parse::<i32>() {
                    if (1850..=2100).contains(&y) {
                        out.push(y);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_for_case_accents_punctuation_and_particles() {
        assert_eq!(
            normalise("GARCÍA-MÁRQUEZ, José"),
            vec!["garcia", "marquez", "jose"],
            "accents and hyphen"
        );
        assert_eq!(
            normalise("al-Ḥasan, ʻAbd"),
            vec!["hasan", "abd"],
            "particle and marks"
        );
        assert_eq!(normalise("O'Neil"), vec!["oneil"], "apostrophe joins");
        assert_eq!(
            normalise("Łukasz Straße"),
            vec!["lukasz", "strasse"],
            "letters that do not decompose"
        );
        assert!(
            normalise("--- !!").is_empty(),
            "only punctuation leaves nothing"
        );
        assert_eq!(
            normalise("Al"),
            vec!["al"],
            "a name of only a particle is kept"
        );
        assert_eq!(
            normalise("Orsolya B. Quillfeather"),
            vec!["orsolya", "quillfeather"],
            "an initial is dropped"
        );
        assert_eq!(
            normalise("J. Smith"),
            vec!["j", "smith"],
            "unless too little is left"
        );
    }

    #[test]
    fn the_fast_jaro_winkler_equals_strsim() {
        let words = [
            "",
            "a",
            "martha",
            "marhta",
            "dixon",
            "dicksonx",
            "jellyfish",
            "smellyfish",
            "mohammed",
            "muhammad",
            "yevgeniy",
            "evgeni",
            // 64 bytes (the last bit of the flags) and 66 (strsim's path)
            "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01",
            "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123",
            "josé",
            "jose",
        ];
        for a in words {
            for b in words {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!(
                    (ours - theirs).abs() < 1e-12,
                    "{a} / {b}: {ours} vs {theirs}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 20_000, failure_persistence: None, ..Default::default() })]
        #[test]
        fn the_fast_jaro_winkler_equals_strsim_on_random_words(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            let (ours, theirs) = (jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b));
            proptest::prop_assert!((ours - theirs).abs() < 1e-12, "{} / {}: {} vs {}", a, b, ours, theirs);
        }
    }

    #[test]
    fn soundex_follows_the_american_rules() {
        let cases = [
            ("robert", "R163"),
            ("rupert", "R163"),
            ("ashcraft", "A261"),
            ("tymczak", "T522"),
            ("pfister", "P236"),
            ("honeyman", "H555"),
            ("lee", "L000"),
        ];
        for (w, code) in cases {
            let got = soundex(w).map(|c| String::from_utf8_lossy(&c).into_owned());
            assert_eq!(got.as_deref(), Some(code), "soundex({w})");
        }
        assert_eq!(soundex("123"), None, "no code without a letter");
    }

    #[test]
    fn birth_years_are_read_from_remarks() {
        assert_eq!(
            birth_years(Some("DOB 03 Feb 1971; alt. DOB 1972; POB Testville 1999.")),
            vec![1971, 1972],
            "only DOB parts"
        );
        assert!(birth_years(None).is_empty(), "no remarks");
    }
}
