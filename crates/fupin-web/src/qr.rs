//! A household's QR code (一户一码) drawn as SVG (on the card: crisp in print, a few KB) or PNG
//! (to download and paste elsewhere). The code holds the URL of `/q/{token}`.

use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode};

/// Quiet zone around the code, in modules (the standard asks for four).
const QUIET: usize = 4;

/// The longest URL drawn: a card's code must stay small enough to scan from paper (the console's
/// own URLs are ~80 bytes; the base URL is checked at start or against the allowed hosts).
pub const MAX_URL: usize = 300;

fn encode(url: &str) -> Result<QrCode, QrError> {
    if url.len() > MAX_URL {
        return Err(QrError::DataTooLong);
    }
    // M: survives a crease or a smudge on a card on the wall; a URL of ~60 bytes stays small
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
}

/// The code as an SVG element sized `size_mm` millimetres square.
pub fn svg(url: &str, size_mm: u32) -> Result<String, QrError> {
    let code = encode(url)?;
    let svg = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    // drop the XML prolog (the SVG is inlined in HTML) and size it for print with the
    // element's own width and height (a style attribute would need the CSP to allow it)
    let body = svg.find("<svg").map_or(svg.as_str(), |start| &svg[start..]);
    let side = code.width() + 2 * QUIET; // one unit a module in the viewBox
    Ok(body
        .replacen(
            &format!(" width=\"{side}\" height=\"{side}\""),
            &format!(" width=\"{size_mm}mm\" height=\"{size_mm}mm\""),
            1,
        )
        .replacen("<svg ", "<svg class=\"qr\" ", 1))
}

/// The code as a greyscale PNG, `scale` pixels a module.
pub fn png(url: &str, scale: usize) -> Result<Vec<u8>, QrError> {
    let code = encode(url)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for y in my * scale..(my + 1) * scale {
                pixels[y * side + mx * scale..y * side + (mx + 1) * scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header to memory");
        writer
            .write_image_data(&pixels)
            .expect("PNG data to memory");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_decodes_back_to_the_url() {
        let url = "https://fupin.example.cn/q/0123456789abcdef0123456789abcdef";
        let bytes = png(url, 4).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
    }

    #[test]
    fn the_svg_is_an_inline_element_sized_for_print() {
        let s = svg("http://x/q/abc", 30).unwrap();
        assert!(s.starts_with("<svg class=\"qr\" "));
        assert!(s.contains(" width=\"30mm\" height=\"30mm\""), "{s}");
        assert!(
            !s.contains("style="),
            "no inline style: the CSP allows none"
        );
        assert!(s.contains("<path") || s.contains("<rect"));
    }

    #[test]
    fn a_url_too_long_for_a_card_is_an_error_not_a_panic() {
        let long = format!("http://{}/q/abc", "h".repeat(3000));
        assert!(svg(&long, 30).is_err());
        assert!(png(&long, 4).is_err());
    }
}
