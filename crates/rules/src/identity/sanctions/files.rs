//! Treasury's sanctions list files (`sdn.csv`, `alt.csv`, `add.csv`, and the consolidated
//! list's `cons_prim.csv`/`cons_alt.csv`/`cons_add.csv`, which share the format): no header row,
//! every text field quoted, `-0-` (usually padded to `"-0- "`) for an empty value, and often a
//! lone Ctrl-Z (0x1A) as the last line.
//!
//! Parsing is strict about the things that betray a bad or truncated download (too few fields,
//! a non-numeric entry number, a file ending inside a quoted field, an alias for an entry that is
//! not in the primary file) because importing half a list would silently stop screening the
//! other half.

use std::collections::HashSet;

use super::ListFileError;

/// One row of `sdn.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdnEntry {
    pub ent_num: i64,
    pub name: String,
    /// `individual`, `vessel`, `aircraft`, or `None` for an entity.
    pub sdn_type: Option<String>,
    pub program: Option<String>,
    pub title: Option<String>,
    pub call_sign: Option<String>,
    pub vess_type: Option<String>,
    pub tonnage: Option<String>,
    pub grt: Option<String>,
    pub vess_flag: Option<String>,
    pub vess_owner: Option<String>,
    pub remarks: Option<String>,
}

/// One row of `alt.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdnAlias {
    pub ent_num: i64,
    pub alt_num: i64,
    pub alt_type: Option<String>,
    pub alt_name: String,
    pub alt_remarks: Option<String>,
}

/// One row of `add.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdnAddress {
    pub ent_num: i64,
    pub add_num: i64,
    pub address: Option<String>,
    pub city_state_zip: Option<String>,
    pub country: Option<String>,
    pub add_remarks: Option<String>,
}

/// A whole list, checked for consistency between its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdnList {
    pub entries: Vec<SdnEntry>,
    pub aliases: Vec<SdnAlias>,
    pub addresses: Vec<SdnAddress>,
}

fn bad(file: &str, line: u64, message: impl Into<String>) -> ListFileError {
    ListFileError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// The text of a field: UTF-8 when it is, else Latin-1 (older Treasury files), trimmed;
/// `None` for the `-0-` null and for empty fields.
fn text(raw: &[u8]) -> Option<String> {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    };
    let t = s.trim();
    if t.is_empty() || t == "-0-" {
        None
    } else {
        Some(t.to_string())
    }
}

/// Reads the rows of one file, checking each has at least `fields` fields. Calls `row` with the
/// 1-based line number and the fields.
fn rows(
    file: &str,
    data: &[u8],
    fields: usize,
    mut row: impl FnMut(u64, &csv::ByteRecord) -> Result<(), ListFileError>,
) -> Result<usize, ListFileError> {
    // Quotes come in pairs in well-formed CSV (an escaped quote is two); an odd count means the
    // file ends inside a quoted field, the usual sign of a cut-off download.
    if bytecount(data, b'"') % 2 == 1 {
        let lines = bytecount(data, b'\n') as u64 + 1;
        return Err(bad(
            file,
            lines,
            "the file ends inside a quoted field: it looks truncated; download it again",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    let mut count = 0usize;
    let mut counted_to = 0usize;
    let mut counted_line = 1u64;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                return Err(bad(file, line, format!("not valid CSV ({e})")));
            }
        }
        // Line numbers counted from the record's byte offset (the reader's own line counter
        // counts a line only when the next record is read).
        let line = match record.position() {
            Some(p) => {
                let mut at = usize::try_from(p.byte())
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                // The reader places a record at the line ending before it; skip to its text.
                while data.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                    at += 1;
                }
                counted_line += bytecount(&data[counted_to.min(at)..at], b'\n') as u64;
                counted_to = counted_to.max(at);
                counted_line
            }
            None => line,
        };
        // The Ctrl-Z end-of-file marker, or a blank line.
        if record.len() <= 1
            && record
                .get(0)
                .is_none_or(|f| f.iter().all(|&b| b == 0x1a || b.is_ascii_whitespace()))
        {
            continue;
        }
        if record.len() < fields {
            return Err(bad(
                file,
                line,
                format!(
                    "expected {fields} fields, found {} (is this the right file, and complete?)",
                    record.len()
                ),
            ));
        }
        row(line, &record)?;
        count += 1;
    }
    Ok(count)
}

fn bytecount(data: &[u8], needle: u8) -> usize {
    data.iter().filter(|&&b| b == needle).count()
}

fn number(file: &str, line: u64, what: &str, raw: Option<&[u8]>) -> Result<i64, ListFileError> {
    let t = raw.and_then(text).unwrap_or_default();
    t.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        bad(
            file,
            line,
            format!("{what} \"{t}\" is not a positive number"),
        )
    })
}

fn field(record: &csv::ByteRecord, i: usize) -> Option<String> {
    record.get(i).and_then(text)
}

/// Parses `sdn.csv` (12 fields: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
/// Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks).
pub fn parse_sdn(file: &str, data: &[u8]) -> Result<Vec<SdnEntry>, ListFileError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    rows(file, data, 12, |line, r| {
        let ent_num = number(file, line, "ent_num", r.get(0))?;
        if !seen.insert(ent_num) {
            return Err(bad(file, line, format!("entry {ent_num} appears twice")));
        }
        let name = field(r, 1).ok_or_else(|| bad(file, line, "the SDN_Name is empty"))?;
        out.push(SdnEntry {
            ent_num,
            name,
            sdn_type: field(r, 2),
            program: field(r, 3),
            title: field(r, 4),
            call_sign: field(r, 5),
            vess_type: field(r, 6),
            tonnage: field(r, 7),
            grt: field(r, 8),
            vess_flag: field(r, 9),
            vess_owner: field(r, 10),
            remarks: field(r, 11),
        });
        Ok(())
    })?;
    if out.is_empty() {
        return Err(bad(file, 1, "the file holds no entries"));
    }
    Ok(out)
}

/// Parses `alt.csv` (5 fields: ent_num, alt_num, alt_type, alt_name, alt_remarks).
pub fn parse_alt(file: &str, data: &[u8]) -> Result<Vec<(u64, SdnAlias)>, ListFileError> {
    let mut out = Vec::new();
    rows(file, data, 5, |line, r| {
        let ent_num = number(file, line, "ent_num", r.get(0))?;
        let alt_num = number(file, line, "alt_num", r.get(1))?;
        let alt_name = field(r, 3).ok_or_else(|| bad(file, line, "the alt_name is empty"))?;
        out.push((
            line,
            SdnAlias {
                ent_num,
                alt_num,
                alt_type: field(r, 2),
                alt_name,
                alt_remarks: field(r, 4),
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// Parses `add.csv` (6 fields: ent_num, add_num, address, city/state/zip, country, remarks).
pub fn parse_add(file: &str, data: &[u8]) -> Result<Vec<(u64, SdnAddress)>, ListFileError> {
    let mut out = Vec::new();
    rows(file, data, 6, |line, r| {
        let ent_num = number(file, line, "ent_num", r.get(0))?;
        let add_num = number(file, line, "add_num", r.get(1))?;
        out.push((
            line,
            SdnAddress {
                ent_num,
                add_num,
                address: field(r, 2),
                city_state_zip: field(r, 3),
                country: field(r, 4),
                add_remarks: field(r, 5),
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// The named files of one list. `alt` and `add` are optional (screening without aliases is
/// weaker, but an operator may have only `sdn.csv`).
pub struct ListFiles<'a> {
    pub sdn: (&'a str, &'a [u8]),
    pub alt: Option<(&'a str, &'a [u8])>,
    pub add: Option<(&'a str, &'a [u8])>,
}

/// Parses and cross-checks the files of one list.
pub fn parse_list(files: &ListFiles<'_>) -> Result<SdnList, ListFileError> {
    let entries = parse_sdn(files.sdn.0, files.sdn.1)?;
    let known: HashSet<i64> = entries.iter().map(|e| e.ent_num).collect();
    let mut aliases = Vec::new();
    if let Some((name, data)) = files.alt {
        let mut keys = HashSet::new();
        for (line, a) in parse_alt(name, data)? {
            if !known.contains(&a.ent_num) {
                return Err(bad(
                    name,
                    line,
                    format!(
                        "entry {} is not in {} (files from different days?)",
                        a.ent_num, files.sdn.0
                    ),
                ));
            }
            if !keys.insert((a.ent_num, a.alt_num)) {
                return Err(bad(
                    name,
                    line,
                    format!("alias {} of entry {} appears twice", a.alt_num, a.ent_num),
                ));
            }
            aliases.push(a);
        }
    }
    let mut addresses = Vec::new();
    if let Some((name, data)) = files.add {
        let mut keys = HashSet::new();
        for (line, a) in parse_add(name, data)? {
            if !known.contains(&a.ent_num) {
                return Err(bad(
                    name,
                    line,
                    format!(
                        "entry {} is not in {} (files from different days?)",
                        a.ent_num, files.sdn.0
                    ),
                ));
            }
            if !keys.insert((a.ent_num, a.add_num)) {
                return Err(bad(
                    name,
                    line,
                    format!("address {} of entry {} appears twice", a.add_num, a.ent_num),
                ));
            }
            addresses.push(a);
        }
    }
    Ok(SdnList {
        entries,
        aliases,
        addresses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SDN: &str = "10,\"QUILLFEATHER, Orsolya\",\"individual\",\"SDGT] [TESTPROG\",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"DOB 03 Feb 1971; POB Testville.\"\r\n\
20,\"BLUEFIN TRAMP STEAMER\",\"vessel\",\"TESTPROG\",\"-0- \",\"XYZ9\",\"General Cargo\",\"2,000\",\"1,500\",\"Nowhere\",\"-0- \",\"-0- \"\r\n\x1a";

    #[test]
    fn the_official_format_is_read_with_nulls_and_the_end_marker() {
        let entries = parse_sdn("sdn.csv", SDN.as_bytes()).expect("the sample parses");
        assert_eq!(entries.len(), 2, "two entries, the Ctrl-Z line skipped");
        assert_eq!(
            entries[0].name, "QUILLFEATHER, Orsolya",
            "quoted name with a comma"
        );
        assert_eq!(entries[0].title, None, "-0- is null");
        assert_eq!(
            entries[1].tonnage.as_deref(),
            Some("2,000"),
            "quoted comma kept"
        );
        assert_eq!(entries[1].sdn_type.as_deref(), Some("vessel"), "type");
    }

    #[test]
    fn bad_files_are_refused_naming_the_file_and_line() {
        let cases: &[(&str, &str, u64)] = &[
            ("a row with too few fields", "10,\"A\",\"-0- \"\n", 1),
            (
                "a non-numeric ent_num",
                "x,\"A\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n",
                1,
            ),
            ("an empty file", "", 1),
            ("a file cut inside a quote", "10,\"QUILLFEATHER, Ors", 1),
        ];
        for (what, data, line) in cases {
            match parse_sdn("sdn.csv", data.as_bytes()) {
                Err(ListFileError { file, line: l, .. }) => {
                    assert_eq!(file, "sdn.csv", "{what}: names the file");
                    assert_eq!(l, *line, "{what}: names the line");
                }
                other => panic!("{what}: expected a bad-file error, got {other:?}"),
            }
        }
        let first_line = SDN.split("\r\n").next().unwrap_or_default();
        let two = format!(
            "{first_line}\r\n10,\"B\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
        );
        let got = parse_sdn("sdn.csv", two.as_bytes());
        assert!(
            matches!(got, Err(ListFileError { line: 2, .. })),
            "a duplicate ent_num is refused at its line: {got:?}"
        );
    }

    #[test]
    fn an_alias_for_an_unknown_entry_is_refused() {
        let files = ListFiles {
            sdn: ("sdn.csv", SDN.as_bytes()),
            alt: Some(("alt.csv", b"99,1,\"aka\",\"NOBODY\",\"-0- \"\n")),
            add: None,
        };
        match parse_list(&files) {
            Err(ListFileError { file, line, .. }) => {
                assert_eq!(
                    (file.as_str(), line),
                    ("alt.csv", 1),
                    "names alt.csv line 1"
                );
            }
            other => panic!("expected a bad-file error, got {other:?}"),
        }
    }

    /// Fuzzing budget of this parser: 150,000 + 250,000 = 400,000 cases per `cargo test`
    /// (with the licence barcode parser's 600,000, 1,000,000 for the identity parsers).
    const RANDOM_CASES: u32 = 150_000;
    const STRUCTURED_CASES: u32 = 250_000;

    proptest! {
        #![proptest_config(ProptestConfig { cases: RANDOM_CASES, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_and_mutated_csv_never_panics(
            random in proptest::collection::vec(any::<u8>(), 0..200),
            pos in any::<usize>(),
            byte in prop_oneof![Just(b'"'), Just(b','), Just(b'\n'), any::<u8>()],
        ) {
            let _ = parse_sdn("sdn.csv", &random);
            let _ = parse_alt("alt.csv", &random);
            let _ = parse_add("add.csv", &random);
            let mut v = SDN.as_bytes().to_vec();
            let i = pos % v.len();
            v[i] = byte;
            v.truncate(pos % (v.len() + 1));
            let _ = parse_sdn("sdn.csv", &v);
        }
    }

    /// A file shaped like one of the list's (`fields` per row, give or take), built from a
    /// seed: fields as Treasury writes them (quoted text with commas, the `-0-` null, numbers
    /// shared between the files) or damaged (stray quotes, CR/LF/Ctrl-Z inside, Latin-1 bytes).
    /// Built in plain code from a seeded RNG because nested proptest strategies cost ten times
    /// more per case than the parse they feed.
    fn csv_file(rng: &mut rand_chacha::ChaCha8Rng, fields: usize) -> Vec<u8> {
        use rand::Rng;
        const TEXT: &[u8] = b"ABCabc ,.;[]-'";
        const JUNK: &[u8] = b"\",\r\n\x1a\xe9\xff0a ";
        let mut out = Vec::new();
        for _ in 0..rng.gen_range(0..6) {
            let n = if rng.gen_ratio(7, 8) {
                fields
            } else {
                rng.gen_range(fields.saturating_sub(2)..=fields + 1)
            };
            for f in 0..n {
                if f > 0 {
                    out.push(b',');
                }
                let kind = if f < 2 && rng.gen_ratio(7, 8) {
                    2
                } else {
                    rng.gen_range(0..10)
                };
                match kind {
                    0 | 1 => out.extend_from_slice(b"\"-0- \""),
                    2 | 3 => out.extend_from_slice(rng.gen_range(1..40).to_string().as_bytes()),
                    4..=7 => {
                        out.push(b'"');
                        for _ in 0..rng.gen_range(0..20) {
                            out.push(TEXT[rng.gen_range(0..TEXT.len())]);
                        }
                        out.push(b'"');
                    }
                    _ => {
                        for _ in 0..rng.gen_range(0..8) {
                            out.push(JUNK[rng.gen_range(0..JUNK.len())]);
                        }
                    }
                }
            }
            out.extend_from_slice(if rng.gen() { b"\r\n" } else { b"\n" });
        }
        if rng.gen_ratio(1, 4) {
            out.push(0x1a);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: STRUCTURED_CASES, failure_persistence: None, ..ProptestConfig::default() })]

        /// Three files shaped like a list (right field counts give or take, shared entry numbers
        /// likely), cut and flipped, checked together as an import would.
        #[test]
        fn generated_lists_never_panic(seed in any::<u64>(), flip in (any::<usize>(), any::<u8>()), cut in any::<usize>()) {
            use rand::SeedableRng;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut sdn = csv_file(&mut rng, 12);
            let alt = csv_file(&mut rng, 5);
            let add = csv_file(&mut rng, 6);
            if !sdn.is_empty() {
                let i = flip.0 % sdn.len();
                sdn[i] ^= flip.1;
            }
            if cut % 3 == 0 {
                sdn.truncate(cut % (sdn.len() + 1));
            }
            let files = ListFiles {
                sdn: ("sdn.csv", &sdn),
                alt: Some(("alt.csv", &alt)),
                add: Some(("add.csv", &add)),
            };
            let _ = parse_list(&files);
        }
    }
}
