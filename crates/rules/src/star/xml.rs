//! A small element tree over `quick-xml`: enough to write a STAR message in schema order and to
//! read one back with its namespaces checked. No DTDs, no external entities: only the five
//! predefined entities and character references are resolved.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// One element: its namespace (when read), local name, attributes, text and children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub ns: Option<String>,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    /// A leaf with text.
    pub fn leaf(name: &str, text: impl Into<String>) -> Self {
        Self {
            name: name.to_string(),
            text: text.into(),
            ..Self::default()
        }
    }

    pub fn attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.attrs.push((key.to_string(), value.into()));
        self
    }

    pub fn with(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    pub fn with_opt(mut self, child: Option<Element>) -> Self {
        if let Some(c) = child {
            self.children.push(c);
        }
        self
    }

    pub fn with_all(mut self, children: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(children);
        self
    }

    /// The value of an attribute by local name.
    pub fn get_attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first child whose local name is one of `names` (names of several STAR releases).
    pub fn child(&self, names: &[&str]) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| names.contains(&c.name.as_str()))
    }

    /// Every child whose local name is one of `names`.
    pub fn children_named<'a>(
        &'a self,
        names: &'a [&'a str],
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| names.contains(&c.name.as_str()))
    }

    /// Follows a path of steps, each a set of alternative names.
    pub fn path(&self, steps: &[&[&str]]) -> Option<&Element> {
        let mut at = self;
        for step in steps {
            at = at.child(step)?;
        }
        Some(at)
    }

    /// The trimmed text at a path, when present and not empty.
    pub fn text_at(&self, steps: &[&[&str]]) -> Option<String> {
        self.path(steps)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// Writes the document: an XML declaration and this element as the root, declaring `ns`
    /// as the default namespace.
    pub fn to_document(&self, ns: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let mut root = self.clone();
        root.attrs.insert(0, ("xmlns".into(), ns.into()));
        write(&root, &mut out, 0);
        out
    }
}

fn write(e: &Element, out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&quick_xml::escape::escape(v.as_str()));
        out.push('"');
    }
    if e.children.is_empty() && e.text.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push('>');
    if e.children.is_empty() {
        out.push_str(&quick_xml::escape::escape(e.text.as_str()));
    } else {
        out.push('\n');
        for c in &e.children {
            write(c, out, depth + 1);
        }
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push_str(">\n");
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

fn start_element(
    resolved: ResolveResult<'_>,
    e: &quick_xml::events::BytesStart<'_>,
) -> Result<Element, ParseError> {
    let ns = match resolved {
        ResolveResult::Bound(n) => Some(n.as_ref().to_string()),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(p) => {
            return Err(ParseError(format!("the prefix {p}: is not declared")));
        }
    };
    let mut el = Element {
        ns,
        name: e.local_name().as_ref().to_string(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| ParseError(format!("bad attribute: {e}")))?;
        let key = a.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| ParseError(format!("bad attribute value: {e}")))?;
        el.attrs
            .push((a.key.local_name().as_ref().to_string(), value.into_owned()));
    }
    Ok(el)
}

/// Reads a whole document into its root element.
pub fn parse(xml: &str) -> Result<Element, ParseError> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| ParseError(format!("after byte {position}: {e}")))?;
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(ParseError("more than one root element".into()));
                }
                stack.push(start_element(resolved, &e)?);
            }
            Event::Empty(e) => {
                let el = start_element(resolved, &e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(ParseError("more than one root element".into())),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| ParseError("a closing tag without its opening tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.trim().is_empty() {
                    return Err(ParseError("text outside the root element".into()));
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r
                    .resolve_char_ref()
                    .map_err(|e| ParseError(format!("bad character reference: {e}")))?
                {
                    Some(c) => c,
                    None => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(ParseError(format!("unknown entity &{other};")));
                        }
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(ch);
                }
            }
            Event::DocType(_) => {
                return Err(ParseError(
                    "document type declarations are not accepted".into(),
                ));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(ParseError(format!(
            "the document ends before </{}>",
            open.name
        )));
    }
    root.ok_or_else(|| ParseError("the file is empty".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_read_back() {
        let doc = Element::new("Root")
            .with(Element::leaf("Name", "O'Brien & Sons <Auto> \"Best\""))
            .with(Element::leaf("Amount", "12.50").attr("currencyID", "U&S"))
            .to_document("urn:x");
        assert!(
            doc.contains("O&apos;Brien &amp; Sons &lt;Auto&gt; &quot;Best&quot;"),
            "{doc}"
        );
        let back = parse(&doc).expect("reads");
        assert_eq!(back.ns.as_deref(), Some("urn:x"));
        assert_eq!(
            back.text_at(&[&["Name"]]).as_deref(),
            Some("O'Brien & Sons <Auto> \"Best\"")
        );
        assert_eq!(
            back.child(&["Amount"])
                .and_then(|a| a.get_attr("currencyID")),
            Some("U&S")
        );
    }

    #[test]
    fn broken_documents_are_errors() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a>&bogus;</a>",
            "<p:a/>",
            "<a/><b/>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            "not xml at all",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        let ok = parse("<a xmlns=\"urn:y\"><b>x &#38; &#x41;</b><![CDATA[<c>]]></a>").expect("ok");
        assert_eq!(ok.text_at(&[&["b"]]).as_deref(), Some("x & A"));
        assert_eq!(ok.text, "<c>");
        assert_eq!(ok.children[0].ns.as_deref(), Some("urn:y"));
    }
}
