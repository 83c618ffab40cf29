//! Printed PDFs read back with poppler (`pdftotext -layout`, `pdfinfo`), and the drawn signature
//! the signing tests stamp into them.

use std::path::Path;
use std::process::Command;

/// The text of `file` as `pdftotext -layout` (plus `extra` options) lays it out.
pub fn pdftotext(file: &Path, extra: &[&str]) -> String {
    let o = Command::new("pdftotext")
        .arg("-layout")
        .args(extra)
        .arg(file)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

/// Writes `bytes` to `dir`/`name` and returns its [`pdftotext`] layout text.
pub fn layout_text(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write pdf");
    pdftotext(&p, &[])
}

/// `s` with every run of whitespace one space.
pub fn squeezed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The one line holding `label`, which must also hold `figure`.
pub fn line_with<'a>(text: &'a str, label: &str, figure: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?} in\n{text}"));
    assert!(
        line.contains(figure),
        "{label:?} shows {figure:?}: {line:?}"
    );
    line
}

/// The page count of `file`, whose pages must be US letter.
pub fn pages_of(file: &Path) -> u32 {
    let o = Command::new("pdfinfo").arg(file).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

/// A 240 × 60 drawn signature: a dark stroke on a transparent background.
pub fn signature_png() -> Vec<u8> {
    let (w, h) = (240u32, 60u32);
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    for x in 10..230u32 {
        let y = 30.0 + 18.0 * ((x as f32) / 17.0).sin();
        for dy in 0..3u32 {
            let yy = (y as u32 + dy).min(h - 1);
            let i = ((yy * w + x) * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[20, 20, 80, 255]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("png header");
        writer.write_image_data(&rgba).expect("png data");
    }
    out
}
