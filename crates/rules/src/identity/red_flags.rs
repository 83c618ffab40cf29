//! FTC Red Flags Rule (16 CFR 681, Supplement A) checks at the desk: pure rules over facts the
//! caller gathers (the scanned licence, what was typed, other customers sharing an SSN, phone or
//! e-mail, sanctions candidates). Each flag has a stable code and a reason a finance manager can
//! act on; resolving flags (with a note) is the verification record's job, not this module's.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::aamva::Licence;
use super::sanctions::Candidate;
use super::ssn::{classify, TaxIdKind};

/// The day SSA began assigning SSNs at random (no more geographic areas or ordered groups).
pub const SSN_RANDOMIZATION: (i32, u32, u32) = (2011, 6, 25);

/// Why a flag was raised. [`evaluate`] raises all but the last three, which the verification
/// record adds from facts it gathers itself (the barcode's own problems, a missing list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    LicenceExpired,
    LicenceIssuedRecently,
    LicenceDobMismatch,
    LicenceNameMismatch,
    AddressMismatch,
    SsnInvalid,
    SsnIssuedBeforeBirth,
    SsnOnOtherCustomer,
    PhoneShared,
    EmailShared,
    SanctionsCandidate,
    /// The barcode was read, but with problems (missing elements, bad dates, bad offsets).
    DocumentProblems,
    /// No sanctions list was loaded, so the name could not be screened.
    SanctionsNotScreened,
    /// The document's number differs from the licence number on file.
    DocumentNumberMismatch,
}

impl FlagCode {
    pub const ALL: &'static [FlagCode] = &[
        FlagCode::LicenceExpired,
        FlagCode::LicenceIssuedRecently,
        FlagCode::LicenceDobMismatch,
        FlagCode::LicenceNameMismatch,
        FlagCode::AddressMismatch,
        FlagCode::SsnInvalid,
        FlagCode::SsnIssuedBeforeBirth,
        FlagCode::SsnOnOtherCustomer,
        FlagCode::PhoneShared,
        FlagCode::EmailShared,
        FlagCode::SanctionsCandidate,
        FlagCode::DocumentProblems,
        FlagCode::SanctionsNotScreened,
        FlagCode::DocumentNumberMismatch,
    ];

    /// The stable snake_case name (as serialised and stored).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::LicenceExpired => "licence_expired",
            FlagCode::LicenceIssuedRecently => "licence_issued_recently",
            FlagCode::LicenceDobMismatch => "licence_dob_mismatch",
            FlagCode::LicenceNameMismatch => "licence_name_mismatch",
            FlagCode::AddressMismatch => "address_mismatch",
            FlagCode::SsnInvalid => "ssn_invalid",
            FlagCode::SsnIssuedBeforeBirth => "ssn_issued_before_birth",
            FlagCode::SsnOnOtherCustomer => "ssn_on_other_customer",
            FlagCode::PhoneShared => "phone_shared",
            FlagCode::EmailShared => "email_shared",
            FlagCode::SanctionsCandidate => "sanctions_candidate",
            FlagCode::DocumentProblems => "document_problems",
            FlagCode::SanctionsNotScreened => "sanctions_not_screened",
            FlagCode::DocumentNumberMismatch => "document_number_mismatch",
        }
    }

    pub fn parse(s: &str) -> Option<FlagCode> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        FlagCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlag {
    pub code: FlagCode,
    pub reason: String,
}

/// What was typed at the desk (or is on file) for this customer.
#[derive(Debug, Clone, Default)]
pub struct Entered {
    pub given_name: String,
    pub family_name: String,
    pub dob: Option<NaiveDate>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub ssn: Option<String>,
}

/// Another customer the caller found sharing something with this one. `related` is the caller's
/// judgement (a co-applicant, a spouse at the same address) that makes sharing normal.
#[derive(Debug, Clone)]
pub struct OtherCustomer {
    pub customer_id: String,
    pub full_name: String,
    pub related: bool,
}

/// When the SSN was issued, when the caller knows it (a bureau's SSN-issued year, SSA's
/// verification service). The desk cannot work it out from the number alone; see
/// [`judge_ssn_issue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsnIssued {
    Unknown,
    Year(i32),
    Date(NaiveDate),
}

/// Everything the rules look at.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub today: NaiveDate,
    pub entered: &'a Entered,
    pub licence: Option<&'a Licence>,
    pub ssn_issued: SsnIssued,
    /// Other customers with the same SSN (by the blind index).
    pub same_ssn: &'a [OtherCustomer],
    pub same_phone: &'a [OtherCustomer],
    pub same_email: &'a [OtherCustomer],
    pub sanctions: &'a [Candidate],
    /// A licence issued within this many days is flagged (fraudsters often get one just before).
    pub recent_issue_days: i64,
}

/// Whether "SSN issued before the date of birth" could be judged, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SsnIssueJudgement {
    /// The caller gave the issue date or year: compared with the date of birth.
    Judged { impossible: bool },
    /// The number's area was only assigned after randomisation (734–749, 773–899), so it was
    /// issued on or after 2011-06-25; it cannot predate a birth before then, and for a later
    /// birth the number says nothing more.
    AfterRandomization,
    /// Nothing to judge by: numbers since 2011-06-25 are random, and older numbers need SSA's
    /// monthly high-group lists, which this offline desk does not hold.
    NotJudgeable { reason: String },
}

/// The outcome: flags to resolve, and how the SSN issuance rule was (or was not) judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlagReport {
    pub flags: Vec<RedFlag>,
    pub ssn_issue: SsnIssueJudgement,
}

/// Decides whether "SSN issued before DOB" can be judged for this number and these facts.
pub fn judge_ssn_issue(ssn: &str, dob: Option<NaiveDate>, issued: SsnIssued) -> SsnIssueJudgement {
    let Some(dob) = dob else {
        return SsnIssueJudgement::NotJudgeable {
            reason: "no date of birth to compare with".into(),
        };
    };
    match issued {
        SsnIssued::Date(d) => {
            return SsnIssueJudgement::Judged {
                impossible: d < dob,
            }
        }
        SsnIssued::Year(y) => {
            return SsnIssueJudgement::Judged {
                impossible: y < chrono::Datelike::year(&dob),
            }
        }
        SsnIssued::Unknown => {}
    }
    let area = match classify(ssn) {
        Ok((TaxIdKind::Ssn, digits)) => digits[..3].parse::<u16>().unwrap_or(0),
        Ok((TaxIdKind::Itin, _)) => {
            return SsnIssueJudgement::NotJudgeable {
                reason: "an ITIN is issued by the IRS, not by SSA; the rule does not apply".into(),
            }
        }
        Err(_) => {
            return SsnIssueJudgement::NotJudgeable {
                reason: "the number is not a valid SSN".into(),
            }
        }
    };
    if matches!(area, 734..=749 | 773..=899) {
        return SsnIssueJudgement::AfterRandomization;
    }
    SsnIssueJudgement::NotJudgeable {
        reason: "numbers issued since 2011-06-25 are random and older ones need SSA's high-group \
                 lists, which are not held offline; ask the credit bureau's SSN-issued year"
            .into(),
    }
}

/// Runs every rule.
pub fn evaluate(f: &Facts<'_>) -> RedFlagReport {
    let mut flags = Vec::new();
    let mut flag = |code, reason: String| flags.push(RedFlag { code, reason });

    if let Some(l) = f.licence {
        if let Some(exp) = l.expiry_date {
            if exp < f.today {
                flag(
                    FlagCode::LicenceExpired,
                    format!("the licence expired on {exp}"),
                );
            }
        }
        if let Some(issued) = l.issue_date {
            if issued <= f.today && f.today - issued < Duration::days(f.recent_issue_days) {
                flag(
                    FlagCode::LicenceIssuedRecently,
                    format!(
                        "the licence was issued on {issued}, less than {} days ago",
                        f.recent_issue_days
                    ),
                );
            }
        }
        if let (Some(on_card), Some(typed)) = (l.date_of_birth, f.entered.dob) {
            if on_card != typed {
                flag(
                    FlagCode::LicenceDobMismatch,
                    format!(
                        "the licence gives the date of birth {on_card}, but {typed} was entered"
                    ),
                );
            }
        }
        if let Some(last) = &l.last_name {
            if !f.entered.family_name.is_empty() && simple(last) != simple(&f.entered.family_name) {
                flag(
                    FlagCode::LicenceNameMismatch,
                    format!(
                        "the licence is in the name {last}, but {} was entered",
                        f.entered.family_name
                    ),
                );
            }
        }
        if let Some(reason) = address_mismatch(l, f.entered) {
            flag(FlagCode::AddressMismatch, reason);
        }
    }

    if let Some(ssn) = &f.entered.ssn {
        if let Err(problem) = classify(ssn) {
            flag(
                FlagCode::SsnInvalid,
                format!("the SSN/ITIN entered is not valid: {problem}"),
            );
        }
    }
    let ssn_issue = match &f.entered.ssn {
        Some(ssn) => judge_ssn_issue(ssn, f.entered.dob, f.ssn_issued),
        None => SsnIssueJudgement::NotJudgeable {
            reason: "no SSN entered".into(),
        },
    };
    if ssn_issue == (SsnIssueJudgement::Judged { impossible: true }) {
        flag(
            FlagCode::SsnIssuedBeforeBirth,
            "the SSN was issued before the customer's date of birth".into(),
        );
    }

    let full = format!("{} {}", f.entered.given_name, f.entered.family_name);
    for other in f.same_ssn {
        if simple(&other.full_name) != simple(&full) {
            flag(
                FlagCode::SsnOnOtherCustomer,
                format!(
                    "the same SSN is on customer {} ({}) under another name",
                    other.customer_id, other.full_name
                ),
            );
        }
    }
    for other in f.same_phone.iter().filter(|o| !o.related) {
        flag(
            FlagCode::PhoneShared,
            format!(
                "the phone number is also on unrelated customer {} ({})",
                other.customer_id, other.full_name
            ),
        );
    }
    for other in f.same_email.iter().filter(|o| !o.related) {
        flag(
            FlagCode::EmailShared,
            format!(
                "the e-mail address is also on unrelated customer {} ({})",
                other.customer_id, other.full_name
            ),
        );
    }
    for c in f.sanctions {
        flag(
            FlagCode::SanctionsCandidate,
            format!(
                "possible sanctions match: entry {} {} (score {:.3}{}); a finance manager must clear or confirm it",
                c.ent_num,
                c.name,
                c.score,
                c.matched_alias
                    .as_ref()
                    .map(|a| format!(", alias {a}"))
                    .unwrap_or_default()
            ),
        );
    }
    RedFlagReport { flags, ssn_issue }
}

/// Uppercase letters and digits only: "O'Neil-Smith" and "ONEIL SMITH" compare equal.
pub(crate) fn simple(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Street words the USPS abbreviates, so "2300 West Broad Street" equals "2300 W Broad St".
pub fn street_key(s: &str) -> String {
    let words: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let up = w.to_uppercase();
            let short = match up.as_str() {
                "STREET" => "ST",
                "AVENUE" => "AVE",
                "DRIVE" => "DR",
                "ROAD" => "RD",
                "BOULEVARD" => "BLVD",
                "LANE" => "LN",
                "COURT" => "CT",
                "PLACE" => "PL",
                "PARKWAY" => "PKWY",
                "HIGHWAY" => "HWY",
                "CIRCLE" => "CIR",
                "TERRACE" => "TER",
                "NORTH" => "N",
                "SOUTH" => "S",
                "EAST" => "E",
                "WEST" => "W",
                "APARTMENT" | "APT" | "UNIT" | "SUITE" | "STE" => "#",
                other => other,
            };
            short.to_string()
        })
        .collect();
    words.join(" ")
}

fn address_mismatch(l: &Licence, e: &Entered) -> Option<String> {
    let mut differs = Vec::new();
    if let (Some(a), Some(b)) = (&l.street, &e.street) {
        if street_key(a) != street_key(b) {
            differs.push(format!("street {a} vs {b}"));
        }
    }
    if let (Some(a), Some(b)) = (&l.postal_code, &e.zip) {
        let five = |z: &str| {
            z.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(5)
                .collect::<String>()
        };
        if five(a) != five(b) {
            differs.push(format!("ZIP {a} vs {b}"));
        }
    }
    if let (Some(a), Some(b)) = (&l.state, &e.state) {
        if !a.trim().eq_ignore_ascii_case(b.trim()) {
            differs.push(format!("state {a} vs {b}"));
        }
    }
    if differs.is_empty() {
        None
    } else {
        Some(format!(
            "the licence address differs from the one entered ({}); ask for proof of the current address",
            differs.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::aamva::{build_payload, parse_str};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid")
    }

    fn licence(issued: &str, expires: &str) -> Licence {
        let p = build_payload(
            "ANSI ",
            "636000",
            10,
            0,
            &[(
                "DL",
                &[
                    ("DAQ", "T64235789"),
                    ("DCS", "SAMPLE"),
                    ("DAC", "MICHAEL"),
                    ("DBD", issued),
                    ("DBB", "06061986"),
                    ("DBA", expires),
                    ("DAG", "2300 WEST BROAD STREET"),
                    ("DAI", "RICHMOND"),
                    ("DAJ", "VA"),
                    ("DAK", "232690000"),
                ],
            )],
        );
        parse_str(&p, today()).expect("test licence parses")
    }

    fn entered() -> Entered {
        Entered {
            given_name: "Michael".into(),
            family_name: "Sample".into(),
            dob: NaiveDate::from_ymd_opt(1986, 6, 6),
            street: Some("2300 W Broad St".into()),
            city: Some("Richmond".into()),
            state: Some("VA".into()),
            zip: Some("23269".into()),
            ssn: Some("123-45-6789".into()),
        }
    }

    fn facts<'a>(e: &'a Entered, l: Option<&'a Licence>) -> Facts<'a> {
        Facts {
            today: today(),
            entered: e,
            licence: l,
            ssn_issued: SsnIssued::Unknown,
            same_ssn: &[],
            same_phone: &[],
            same_email: &[],
            sanctions: &[],
            recent_issue_days: 30,
        }
    }

    fn codes(r: &RedFlagReport) -> Vec<FlagCode> {
        r.flags.iter().map(|f| f.code).collect()
    }

    #[test]
    fn flag_code_names_match_their_serialised_form() {
        for code in FlagCode::ALL {
            let json = serde_json::to_value(code).expect("json");
            assert_eq!(json, code.as_str(), "{code:?}");
            assert_eq!(
                FlagCode::parse(code.as_str()),
                Some(*code),
                "{code:?} parses"
            );
        }
        assert_eq!(FlagCode::parse("phone-shared"), Some(FlagCode::PhoneShared));
        assert_eq!(FlagCode::parse("nonsense"), None);
    }

    #[test]
    fn a_consistent_customer_raises_no_flags() {
        let l = licence("06062024", "12102030");
        let e = entered();
        let r = evaluate(&facts(&e, Some(&l)));
        assert!(
            r.flags.is_empty(),
            "abbreviations and case do not count: {:?}",
            r.flags
        );
    }

    #[test]
    fn licence_expiry_and_recent_issue_are_flagged_at_their_edges() {
        let e = entered();
        let expired = licence("06062020", "11242026");
        assert!(
            codes(&evaluate(&facts(&e, Some(&expired)))).contains(&FlagCode::LicenceExpired),
            "expired yesterday"
        );
        let today_expiry = licence("06062020", "11252026");
        assert!(
            !codes(&evaluate(&facts(&e, Some(&today_expiry)))).contains(&FlagCode::LicenceExpired),
            "valid through its expiry day"
        );
        let recent = licence("10272026", "12102030"); // 29 days before today
        assert!(
            codes(&evaluate(&facts(&e, Some(&recent)))).contains(&FlagCode::LicenceIssuedRecently),
            "29 days ago is recent"
        );
        let older = licence("10262026", "12102030"); // 30 days before today
        assert!(
            !codes(&evaluate(&facts(&e, Some(&older)))).contains(&FlagCode::LicenceIssuedRecently),
            "30 days ago is not"
        );
    }

    #[test]
    fn a_different_dob_name_or_address_is_flagged() {
        let l = licence("06062024", "12102030");
        let mut e = entered();
        e.dob = NaiveDate::from_ymd_opt(1986, 6, 7);
        e.family_name = "Simple".into();
        e.zip = Some("23220".into());
        let c = codes(&evaluate(&facts(&e, Some(&l))));
        for code in [
            FlagCode::LicenceDobMismatch,
            FlagCode::LicenceNameMismatch,
            FlagCode::AddressMismatch,
        ] {
            assert!(c.contains(&code), "{code:?} raised: {c:?}");
        }
    }

    #[test]
    fn shared_ssn_phone_and_email_are_flagged_only_for_other_people() {
        let e = entered();
        let same_person = OtherCustomer {
            customer_id: "c1".into(),
            full_name: "MICHAEL SAMPLE".into(),
            related: false,
        };
        let other = OtherCustomer {
            customer_id: "c2".into(),
            full_name: "Rita Ora Lund".into(),
            related: false,
        };
        let spouse = OtherCustomer {
            customer_id: "c3".into(),
            full_name: "Jo Sample".into(),
            related: true,
        };
        let mut f = facts(&e, None);
        let ssn = [same_person.clone(), other.clone()];
        let phones = [spouse.clone(), other.clone()];
        let emails = [spouse];
        f.same_ssn = &ssn;
        f.same_phone = &phones;
        f.same_email = &emails;
        let c = codes(&evaluate(&f));
        assert_eq!(
            c.iter()
                .filter(|c| **c == FlagCode::SsnOnOtherCustomer)
                .count(),
            1,
            "the same name is not a different person: {c:?}"
        );
        assert_eq!(
            c.iter().filter(|c| **c == FlagCode::PhoneShared).count(),
            1,
            "a related customer is not flagged: {c:?}"
        );
        assert!(
            !c.contains(&FlagCode::EmailShared),
            "only a related customer shares the e-mail: {c:?}"
        );
    }

    #[test]
    fn ssn_issuance_is_judged_only_when_it_can_be() {
        let dob = NaiveDate::from_ymd_opt(1990, 5, 1);
        let cases = [
            (
                "known date before birth",
                "123-45-6789",
                SsnIssued::Date(NaiveDate::from_ymd_opt(1990, 4, 30).expect("d")),
                SsnIssueJudgement::Judged { impossible: true },
            ),
            (
                "known date on birth day",
                "123-45-6789",
                SsnIssued::Date(NaiveDate::from_ymd_opt(1990, 5, 1).expect("d")),
                SsnIssueJudgement::Judged { impossible: false },
            ),
            (
                "known year before birth",
                "123-45-6789",
                SsnIssued::Year(1989),
                SsnIssueJudgement::Judged { impossible: true },
            ),
            (
                "known year of birth",
                "123-45-6789",
                SsnIssued::Year(1990),
                SsnIssueJudgement::Judged { impossible: false },
            ),
            (
                "area 734 only after randomisation",
                "734-12-3456",
                SsnIssued::Unknown,
                SsnIssueJudgement::AfterRandomization,
            ),
            (
                "area 899 only after randomisation",
                "899-12-3456",
                SsnIssued::Unknown,
                SsnIssueJudgement::AfterRandomization,
            ),
        ];
        for (what, ssn, issued, expected) in cases {
            assert_eq!(judge_ssn_issue(ssn, dob, issued), expected, "{what}");
        }
        for (what, ssn) in [
            ("area 733 could be old", "733-12-3456"),
            ("area 750 could be old", "750-12-3456"),
            ("area 772 could be old", "772-12-3456"),
            ("an ITIN", "912-70-1234"),
            ("an invalid number", "000-12-3456"),
        ] {
            assert!(
                matches!(
                    judge_ssn_issue(ssn, dob, SsnIssued::Unknown),
                    SsnIssueJudgement::NotJudgeable { .. }
                ),
                "{what} is not judgeable from the number"
            );
        }
        assert!(
            matches!(
                judge_ssn_issue("123-45-6789", None, SsnIssued::Year(1980)),
                SsnIssueJudgement::NotJudgeable { .. }
            ),
            "no DOB, nothing to compare"
        );
        let mut e = entered();
        e.dob = dob;
        let mut f = facts(&e, None);
        f.ssn_issued = SsnIssued::Year(1985);
        assert!(
            codes(&evaluate(&f)).contains(&FlagCode::SsnIssuedBeforeBirth),
            "the judged impossibility is a flag"
        );
    }

    #[test]
    fn sanctions_candidates_and_invalid_ssns_are_flagged() {
        let mut e = entered();
        e.ssn = Some("666-12-3456".into());
        let c = Candidate {
            ent_num: 10,
            name: "QUILLFEATHER, Orsolya".into(),
            score: 0.95,
            program: Some("SDGT".into()),
            sdn_type: Some("individual".into()),
            matched_alias: None,
            dob_matches: None,
            country_matches: None,
        };
        let cands = [c];
        let mut f = facts(&e, None);
        f.sanctions = &cands;
        let codes = codes(&evaluate(&f));
        assert!(
            codes.contains(&FlagCode::SanctionsCandidate),
            "candidate flagged: {codes:?}"
        );
        assert!(
            codes.contains(&FlagCode::SsnInvalid),
            "666 is never issued: {codes:?}"
        );
    }
}
