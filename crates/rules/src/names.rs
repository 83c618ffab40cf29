//! How a person's name is written out: one rule for the desk's screens, documents, the sanctions
//! screen and the STAR message.

/// The full name from its parts, in order (given, middle, family, suffix): each part trimmed,
/// missing or blank parts left out, one space between.
pub fn full_name(given: &str, middle: Option<&str>, family: &str, suffix: Option<&str>) -> String {
    join_parts([Some(given), middle, Some(family), suffix])
}

/// [`full_name`] when any part may be missing (a row read with optional columns).
pub fn full_name_of(
    given: Option<&str>,
    middle: Option<&str>,
    family: Option<&str>,
    suffix: Option<&str>,
) -> String {
    join_parts([given, middle, family, suffix])
}

fn join_parts<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_name_leaves_out_missing_and_blank_parts() {
        assert_eq!(full_name("Ana", None, "Diaz", Some("Jr.")), "Ana Diaz Jr.");
        assert_eq!(
            full_name("Maria", Some("José"), "Garcia", None),
            "Maria José Garcia"
        );
        assert_eq!(full_name(" Ana ", Some(" "), "Diaz", Some("")), "Ana Diaz");
        assert_eq!(full_name_of(None, None, Some("Diaz"), None), "Diaz");
        assert_eq!(full_name_of(None, None, None, None), "");
    }
}
