//! The shared PDF foundation: a small layout layer over `printpdf` for the documents DealerDesk
//! prints (the link handout now; contracts, disclosures and certificates later).
//!
//! - US Letter pages (612 × 792 pt) with margins; a cursor flows down the page and a new page is
//!   started when a block does not fit.
//! - Text in DejaVu Sans (regular and bold), shipped in `assets/fonts/` under its free licence and
//!   embedded with `include_bytes!`, so output never depends on the machine's fonts. Fonts are
//!   embedded as subsets and the text stays selectable (a ToUnicode map is written).
//! - Word wrap by the font's own advance widths; words longer than a line are broken.
//! - Rules, boxes, and QR codes drawn as filled vector rectangles (crisp at any print resolution).
//! - "Page N of M" footers.
//! - Deterministic bytes: no wall clock and no random ids. The document id comes from the input
//!   ([`DocInfo::document_id`]) and the only time in the file is the explicit
//!   [`DocInfo::created`]; the same input gives the same bytes.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, Rect, Rgb, TextItem,
    TextMatrix, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

/// US Letter width in points.
pub const LETTER_WIDTH: f32 = 612.0;
/// US Letter height in points.
pub const LETTER_HEIGHT: f32 = 792.0;
/// Default page margin: 0.75 inch.
pub const DEFAULT_MARGIN: f32 = 54.0;

const REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Resource names of the embedded fonts. Fixed (printpdf would pick random ones), and the first
/// six letters become the subset tag in the font name.
const REGULAR_ID: &str = "DDSANR";
const BOLD_ID: &str = "DDSANB";

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font {0} could not be read")]
    Font(&'static str),
    #[error("the character {ch:?} (U+{code:04X}) cannot be printed with the document font")]
    UnsupportedCharacter { ch: char, code: u32 },
    #[error("this text is too long for a QR code")]
    QrTooLong,
    #[error("{0} does not fit on a page")]
    DoesNotFit(&'static str),
    #[error("the PDF could not be written: {0}")]
    Write(String),
    #[error("the image is not {width} × {height} RGBA pixels")]
    BadImage { width: usize, height: usize },
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub size: f32,
    pub weight: Weight,
    /// Grey level 0.0 (black) … 1.0 (white).
    pub grey: f32,
    /// Line height as a multiple of the size.
    pub leading: f32,
}

impl TextStyle {
    pub const fn regular(size: f32) -> Self {
        TextStyle {
            size,
            weight: Weight::Regular,
            grey: 0.0,
            leading: 1.3,
        }
    }
    pub const fn bold(size: f32) -> Self {
        TextStyle {
            size,
            weight: Weight::Bold,
            grey: 0.0,
            leading: 1.25,
        }
    }
    pub const fn with_grey(mut self, grey: f32) -> Self {
        self.grey = grey;
        self
    }
    fn line_height(&self) -> f32 {
        self.size * self.leading
    }
}

/// Horizontal placement of a line within the text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Document information. Everything that ends up in the file is here, so the bytes depend on
/// the input only.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    pub subject: String,
    pub author: String,
    /// A stable identifier for this document (e.g. a link or contract id): it becomes the PDF
    /// trailer `/ID` (hashed), so re-rendering the same document gives the same id.
    pub document_id: String,
    /// The creation (and modification) time written into the document information. The only
    /// time in the file; pass a fixed value to get identical bytes.
    pub created: DateTime<Utc>,
}

struct Face {
    id: FontId,
    parsed: ParsedFont,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &[u8], id: &str, name: &'static str) -> Result<Self, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or(PdfError::Font(name))?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        Ok(Face {
            id: FontId(id.to_string()),
            parsed,
            units_per_em,
        })
    }

    /// Advance width of `ch` in points at `size`, or an error when the font lacks it.
    fn advance(&self, ch: char, size: f32) -> Result<f32, PdfError> {
        let gid = self
            .parsed
            .lookup_glyph_index(u32::from(ch))
            .filter(|g| *g != 0)
            .ok_or(PdfError::UnsupportedCharacter {
                ch,
                code: u32::from(ch),
            })?;
        Ok(f32::from(self.parsed.get_horizontal_advance(gid)) * size / self.units_per_em)
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Result<Fonts, PdfError>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: Face::load(REGULAR_TTF, REGULAR_ID, "DejaVu Sans")?,
                bold: Face::load(BOLD_TTF, BOLD_ID, "DejaVu Sans Bold")?,
            })
        })
        .as_ref()
        .map_err(|e| match e {
            PdfError::Font(name) => PdfError::Font(name),
            _ => PdfError::Font("DejaVu Sans"),
        })
}

fn face(weight: Weight) -> Result<&'static Face, PdfError> {
    let f = fonts()?;
    Ok(match weight {
        Weight::Regular => &f.regular,
        Weight::Bold => &f.bold,
    })
}

/// Printable form of `text`: tabs become spaces, other control characters are refused.
fn clean(text: &str) -> Result<String, PdfError> {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\t' => out.push(' '),
            '\n' => out.push('\n'),
            '\r' => {}
            c if c.is_control() => {
                return Err(PdfError::UnsupportedCharacter {
                    ch: c,
                    code: u32::from(c),
                })
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Width of `text` on one line in points.
pub fn text_width(text: &str, style: TextStyle) -> Result<f32, PdfError> {
    let f = face(style.weight)?;
    text.chars()
        .try_fold(0.0, |w, ch| Ok(w + f.advance(ch, style.size)?))
}

/// Breaks `text` into lines no wider than `width` points: at spaces where possible, inside a
/// word when the word alone is wider than a line (URLs, long names). `\n` forces a break.
pub fn wrap(text: &str, style: TextStyle, width: f32) -> Result<Vec<String>, PdfError> {
    let text = clean(text)?;
    let f = face(style.weight)?;
    let space = f.advance(' ', style.size)?;
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let word_w = text_width(word, style)?;
            let gap = if line.is_empty() { 0.0 } else { space };
            if line_w + gap + word_w <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += gap + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            // A word wider than the line: break it by characters.
            for ch in word.chars() {
                let w = f.advance(ch, style.size)?;
                if line_w + w > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(ch);
                line_w += w;
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

/// One page being laid out. Coordinates in the public API are from the TOP-left corner of the
/// page, in points; they are turned into PDF's bottom-left coordinates when drawn.
struct PageBuf {
    ops: Vec<Op>,
}

/// A document being laid out on US Letter pages.
pub struct Document {
    info: DocInfo,
    margin: f32,
    /// Space kept free at the bottom for the page footer.
    footer: f32,
    pages: Vec<PageBuf>,
    /// The page drawing goes to.
    current: usize,
    /// Distance from the top of the current page to the next line's top.
    y: f32,
    /// Images drawn so far, with fixed resource names (deterministic bytes).
    images: Vec<(XObjectId, RawImage)>,
}

impl Document {
    /// A new document with one empty page and the default margins.
    pub fn new(info: DocInfo) -> Result<Self, PdfError> {
        fonts()?;
        Ok(Document {
            info,
            margin: DEFAULT_MARGIN,
            footer: 24.0,
            pages: vec![PageBuf { ops: Vec::new() }],
            current: 0,
            y: DEFAULT_MARGIN,
            images: Vec::new(),
        })
    }

    /// Left edge of the text column.
    pub fn left(&self) -> f32 {
        self.margin
    }
    /// Width of the text column.
    pub fn content_width(&self) -> f32 {
        LETTER_WIDTH - 2.0 * self.margin
    }
    /// The cursor: distance from the top of the page to where the next block starts.
    pub fn cursor(&self) -> f32 {
        self.y
    }
    /// Space left on the current page below the cursor.
    pub fn remaining(&self) -> f32 {
        self.bottom() - self.y
    }
    /// Number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn bottom(&self) -> f32 {
        LETTER_HEIGHT - self.margin - self.footer
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        // `current` always indexes a page: `new` creates the first one.
        &mut self.pages[self.current].ops
    }

    /// Starts a new page and puts the cursor at its top margin.
    pub fn new_page(&mut self) {
        self.pages.push(PageBuf { ops: Vec::new() });
        self.current = self.pages.len() - 1;
        self.y = self.margin;
    }

    /// Makes sure `height` points fit below the cursor, starting a new page when they do not.
    pub fn ensure(&mut self, height: f32) -> Result<(), PdfError> {
        if height > self.bottom() - self.margin {
            return Err(PdfError::DoesNotFit("a block"));
        }
        if self.y + height > self.bottom() {
            self.new_page();
        }
        Ok(())
    }

    /// Moves the cursor down.
    pub fn space(&mut self, pt: f32) {
        self.y = (self.y + pt).min(self.bottom());
    }

    /// One line of text at an absolute position: `x` from the left edge, `baseline` from the
    /// top of the current page. No wrapping.
    pub fn text_at(
        &mut self,
        x: f32,
        baseline: f32,
        text: &str,
        style: TextStyle,
    ) -> Result<(), PdfError> {
        let text = clean(text)?.replace('\n', " ");
        // Measuring checks every character is in the font.
        text_width(&text, style)?;
        let f = face(style.weight)?;
        let g = style.grey.clamp(0.0, 1.0);
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor { col: grey(g) },
            Op::SetFont {
                font: PdfFontHandle::External(f.id.clone()),
                size: Pt(style.size),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(LETTER_HEIGHT - baseline)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
            Op::SetFillColor { col: grey(0.0) },
        ]);
        Ok(())
    }

    /// A paragraph wrapped to the text column, starting at the cursor; page breaks between
    /// lines as needed. Returns the number of lines.
    pub fn paragraph(
        &mut self,
        text: &str,
        style: TextStyle,
        align: Align,
    ) -> Result<usize, PdfError> {
        let width = self.content_width();
        self.paragraph_in(self.left(), width, text, style, align)
    }

    /// A paragraph wrapped to a column `width` points wide starting `x` points from the left.
    pub fn paragraph_in(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        style: TextStyle,
        align: Align,
    ) -> Result<usize, PdfError> {
        let lines = wrap(text, style, width)?;
        let lh = style.line_height();
        for line in &lines {
            self.ensure(lh)?;
            let w = text_width(line, style)?;
            let lx = match align {
                Align::Left => x,
                Align::Center => x + (width - w) / 2.0,
                Align::Right => x + width - w,
            };
            // Baseline: the line box's top plus the ascent (about 0.8 em for DejaVu) plus half
            // the extra leading.
            let baseline = self.y + (lh - style.size) / 2.0 + style.size * 0.8;
            if !line.is_empty() {
                self.text_at(lx, baseline, line, style)?;
            }
            self.y += lh;
        }
        Ok(lines.len())
    }

    /// A horizontal rule across the text column at the cursor.
    pub fn rule(&mut self, thickness: f32) {
        let (x0, x1) = (self.left(), self.left() + self.content_width());
        let y = self.y;
        self.line(x0, y, x1, y, thickness);
        self.y += thickness;
    }

    /// A straight line between two points (top-left coordinates).
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, thickness: f32) {
        let p = |x: f32, y: f32| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(LETTER_HEIGHT - y),
            },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor { col: grey(0.0) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![p(x0, y0), p(x1, y1)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A rectangle outline; `x`, `y` is its top-left corner.
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor { col: grey(0.0) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Stroke),
            },
        ]);
    }

    /// A filled rectangle in a grey level; `x`, `y` is its top-left corner.
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey_level: f32) {
        self.ops().extend([
            Op::SetFillColor {
                col: grey(grey_level.clamp(0.0, 1.0)),
            },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Fill),
            },
            Op::SetFillColor { col: grey(0.0) },
        ]);
    }

    /// A QR code of `data` (error correction M), `size` points square including its four-module
    /// quiet zone, centred in the text column at the cursor. Each run of dark modules in a row is
    /// one filled rectangle: vector, so it prints crisp.
    pub fn qr_code(&mut self, data: &str, size: f32) -> Result<(), PdfError> {
        use qrcode::{EcLevel, QrCode};
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
            .map_err(|_| PdfError::QrTooLong)?;
        self.ensure(size)?;
        let n = code.width();
        let modules = code.to_colors();
        let quiet = 4usize;
        let unit = size / (n + 2 * quiet) as f32;
        let x0 = self.left() + (self.content_width() - size) / 2.0 + quiet as f32 * unit;
        let y0 = self.y + quiet as f32 * unit;
        let mut ops = vec![Op::SetFillColor { col: grey(0.0) }];
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if modules[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && modules[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    ops.push(Op::DrawRectangle {
                        rectangle: rect(
                            x0 + start as f32 * unit,
                            y0 + row as f32 * unit,
                            (col - start) as f32 * unit,
                            unit,
                            PaintMode::Fill,
                        ),
                    });
                } else {
                    col += 1;
                }
            }
        }
        self.ops().extend(ops);
        self.y += size;
        Ok(())
    }

    /// An image of `width_px` × `height_px` RGBA pixels (8 bits a channel, alpha kept as a soft
    /// mask) drawn into the box `x`, `y` (top-left corner) `w` × `h` points, scaled to fit with
    /// its aspect ratio kept, at the box's bottom-left. Does not move the cursor.
    #[allow(clippy::too_many_arguments)]
    pub fn image_rgba(
        &mut self,
        rgba: Vec<u8>,
        width_px: usize,
        height_px: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    ) -> Result<(), PdfError> {
        let bad = PdfError::BadImage {
            width: width_px,
            height: height_px,
        };
        if width_px == 0
            || height_px == 0
            || width_px
                .checked_mul(height_px)
                .and_then(|n| n.checked_mul(4))
                != Some(rgba.len())
        {
            return Err(bad);
        }
        let id = XObjectId(format!("DDIMG{}", self.images.len() + 1));
        let scale = (w / width_px as f32).min(h / height_px as f32);
        let drawn_h = height_px as f32 * scale;
        self.images.push((
            id.clone(),
            RawImage {
                pixels: RawImageData::U8(rgba),
                width: width_px,
                height: height_px,
                data_format: RawImageFormat::RGBA8,
                tag: Vec::new(),
            },
        ));
        self.ops().push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(LETTER_HEIGHT - y - h.max(drawn_h))),
                scale_x: Some(scale),
                scale_y: Some(scale),
                dpi: Some(72.0),
                ..Default::default()
            },
        });
        Ok(())
    }

    /// Finishes the document: writes "Page N of M" in every page's footer and serialises it.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        let total = self.pages.len();
        let footer_style = TextStyle::regular(8.0).with_grey(0.35);
        let baseline = LETTER_HEIGHT - self.margin + 4.0;
        for i in 0..total {
            let label = format!("Page {} of {}", i + 1, total);
            let w = text_width(&label, footer_style)?;
            let x = LETTER_WIDTH - self.margin - w;
            self.current = i;
            self.text_at(x, baseline, &label, footer_style)?;
        }
        serialise(&self.info, self.pages, self.images)
    }
}

fn grey(level: f32) -> Color {
    Color::Rgb(Rgb::new(level, level, level, None))
}

fn rect(x: f32, y_top: f32, w: f32, h: f32, mode: PaintMode) -> Rect {
    Rect {
        x: Pt(x),
        y: Pt(LETTER_HEIGHT - y_top - h),
        width: Pt(w),
        height: Pt(h),
        mode: Some(mode),
        winding_order: None,
    }
}

fn pdf_time(t: DateTime<Utc>) -> Result<printpdf::OffsetDateTime, PdfError> {
    printpdf::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| PdfError::Write(e.to_string()))
}

fn serialise(
    info: &DocInfo,
    pages: Vec<PageBuf>,
    images: Vec<(XObjectId, RawImage)>,
) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let mut doc = PdfDocument::new(&info.title);
    {
        let meta = &mut doc.metadata.info;
        meta.subject = info.subject.clone();
        meta.author = info.author.clone();
        meta.creator = "DealerDesk".into();
        meta.producer = "DealerDesk (printpdf)".into();
        meta.identifier = info.document_id.clone();
        let created = pdf_time(info.created)?;
        meta.creation_date = created;
        meta.modification_date = created;
        meta.metadata_date = created;
    }
    let used: BTreeSet<&str> = pages
        .iter()
        .flat_map(|p| p.ops.iter())
        .filter_map(|op| match op {
            Op::SetFont {
                font: PdfFontHandle::External(id),
                ..
            } => Some(id.0.as_str()),
            _ => None,
        })
        .collect();
    for face in [&f.regular, &f.bold] {
        if used.contains(face.id.0.as_str()) {
            doc.resources
                .fonts
                .map
                .insert(face.id.clone(), printpdf::PdfFont::new(face.parsed.clone()));
        }
    }
    for (id, image) in images {
        doc.resources.xobjects.map.insert(id, XObject::Image(image));
    }
    let size = Rect::from_wh(Pt(LETTER_WIDTH), Pt(LETTER_HEIGHT));
    doc.pages = pages
        .into_iter()
        .map(|p| PdfPage {
            media_box: size.clone(),
            trim_box: size.clone(),
            crop_box: size.clone(),
            ops: p.ops,
        })
        .collect();

    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    // printpdf puts random strings in the trailer /ID; use a digest of the document id instead
    // (both halves equal: this is the document's first and only version).
    let id = Sha256::digest(format!("dealerdesk:{}", info.document_id).as_bytes());
    let id = hex::encode(&id[..16]).into_bytes();
    lo.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            lopdf::Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width_and_every_character() {
        let style = TextStyle::regular(12.0);
        let text = "The quick brown fox jumps over the lazy dog and keeps running far away";
        let lines = wrap(text, style, 120.0).unwrap();
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, style).unwrap() <= 120.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken() {
        let style = TextStyle::regular(10.0);
        let url = "https://desk.example:8080/l/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let lines = wrap(url, style, 100.0).unwrap();
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
    }

    #[test]
    fn characters_outside_the_font_are_a_typed_error() {
        let err = text_width("car \u{1F697}", TextStyle::regular(10.0)).unwrap_err();
        assert!(matches!(err, PdfError::UnsupportedCharacter { .. }));
        assert!(wrap("bell\u{7}", TextStyle::regular(10.0), 100.0).is_err());
    }

    #[test]
    fn bold_is_wider_than_regular() {
        let r = text_width("Lakeside Motors", TextStyle::regular(12.0)).unwrap();
        let b = text_width("Lakeside Motors", TextStyle::bold(12.0)).unwrap();
        assert!(b > r && r > 50.0);
    }
}
