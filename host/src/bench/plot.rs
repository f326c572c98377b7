//! `zkaccel bench plot`: time and throughput against size, on log axes, one line per series
//! (record × backend, as in [`compare`](super::compare)), one row of two panels per operation.
//!
//! Drawn with plotters. SVG keeps every label as `<text>` (no font files needed, ready for
//! papers and READMEs). PNG is drawn by plotters' bitmap backend without a font engine (so
//! the build needs no system library): it has the lines, markers, grid and tick marks but no
//! text; use SVG where labels matter.

use std::path::Path;

use anyhow::{anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::Series;
use super::op::BenchOp;

/// Width of the image in pixels.
pub const WIDTH: u32 = 1200;
/// Height of one operation's row of panels in pixels.
pub const ROW_HEIGHT: u32 = 360;

/// The output format, from the file name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.svg`.
    Svg,
    /// `.png`.
    Png,
}

impl Format {
    /// The format of `path` by its extension.
    pub fn of(path: &Path) -> anyhow::Result<Format> {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => bail!("{}: the plot is written as .svg or .png", path.display()),
        }
    }
}

/// The operations present in `series`, in table order.
pub fn ops(series: &[Series]) -> Vec<BenchOp> {
    BenchOp::ALL
        .into_iter()
        .filter(|op| series.iter().any(|s| s.report.results.iter().any(|r| r.op == *op && r.backend == s.backend)))
        .collect()
}

/// (log2 size, median seconds, throughput) of `op` in `s`, by size.
fn points(s: &Series, op: BenchOp) -> Vec<(f64, f64, f64)> {
    let mut p: Vec<(f64, f64, f64)> = s
        .report
        .results
        .iter()
        .filter(|r| r.op == op && r.backend == s.backend)
        .map(|r| (r.log_n as f64, r.summary.median_ns.max(1) as f64 / 1e9, r.throughput))
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// Draws the plot of `series` into `path` (SVG or PNG by extension). Returns the image size.
pub fn draw(series: &[Series], path: &Path) -> anyhow::Result<(u32, u32)> {
    let ops = ops(series);
    if ops.is_empty() {
        bail!("nothing to plot: the records have no results");
    }
    let size = (WIDTH, ROW_HEIGHT * ops.len() as u32);
    match Format::of(path)? {
        Format::Svg => draw_on(SVGBackend::new(path, size).into_drawing_area(), series, &ops, true)?,
        Format::Png => draw_on(BitMapBackend::new(path, size).into_drawing_area(), series, &ops, false)?,
    }
    Ok(size)
}

/// The x range: log2 sizes with half a step of margin.
fn x_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo - 0.5)..(hi + 0.5)
}

/// A log-axis range from the decade below the data to the decade above, so that the axis
/// always has labelled 1-2-5 ticks.
fn decade_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = 10f64.powf(lo.max(1e-12).log10().floor());
    let hi = 10f64.powf(hi.max(1e-12).log10().ceil());
    lo..if hi > lo { hi } else { lo * 10.0 }
}

/// A tick value with an SI prefix and no trailing zeros: "20 ms", "1.5 M".
fn short(value: f64, unit: &str) -> String {
    let (scaled, prefix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "G"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        v if v >= 1.0 || v == 0.0 => (value, ""),
        v if v >= 1e-3 => (value * 1e3, "m"),
        v if v >= 1e-6 => (value * 1e6, "µ"),
        _ => (value * 1e9, "n"),
    };
    let number = format!("{scaled:.2}");
    let number = number.trim_end_matches('0').trim_end_matches('.');
    format!("{number} {prefix}{unit}").trim_end().to_string()
}

fn draw_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    series: &[Series],
    ops: &[BenchOp],
    text: bool,
) -> anyhow::Result<()> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let rows = root.split_evenly((ops.len(), 2));
    for (row, op) in ops.iter().enumerate() {
        let unit = op.unit().per_second();
        let data: Vec<Vec<(f64, f64, f64)>> = series.iter().map(|s| points(s, *op)).collect();
        let all = || data.iter().flatten();
        let x = x_range(all().map(|p| p.0));
        for panel in 0..2 {
            let area = &rows[row * 2 + panel];
            let y = decade_range(all().map(|p| if panel == 0 { p.1 } else { p.2 }));
            let mut builder = ChartBuilder::on(area);
            builder.margin(12);
            if text {
                let what = if panel == 0 { "median time".to_string() } else { format!("throughput ({unit})") };
                let size = if *op == BenchOp::Groth16 { "constraint domain size" } else { "size" };
                builder
                    .caption(format!("{op}: {what} against {size}"), ("sans-serif", 18))
                    .x_label_area_size(36)
                    .y_label_area_size(84);
            } else {
                builder.x_label_area_size(8).y_label_area_size(8);
            }
            let mut chart = builder.build_cartesian_2d(x.clone(), y.log_scale()).map_err(err)?;
            // x is log2 of the size: a log axis with a tick at every power of two.
            let x_label = |v: &f64| if v.fract() == 0.0 { format!("2^{v}") } else { String::new() };
            let y_label = |v: &f64| if panel == 0 { short(*v, "s") } else { short(*v, "") };
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(RGBColor(238, 238, 238)).bold_line_style(RGBColor(205, 205, 205));
            mesh.x_labels(((x.end - x.start) as usize + 1).max(2));
            if text {
                mesh.x_desc("n (log scale)")
                    .label_style(("sans-serif", 13))
                    .x_label_formatter(&x_label)
                    .y_label_formatter(&y_label);
            } else {
                mesh.disable_x_axis().disable_y_axis();
            }
            mesh.draw().map_err(err)?;
            for (i, (s, pts)) in series.iter().zip(&data).enumerate() {
                if pts.is_empty() {
                    continue;
                }
                let color = Palette99::pick(i).to_rgba();
                let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, if panel == 0 { p.1 } else { p.2 })).collect();
                chart
                    .draw_series(LineSeries::new(xy.clone(), color.stroke_width(2)))
                    .map_err(err)?
                    .label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
                chart.draw_series(xy.into_iter().map(|p| Circle::new(p, 3, color.filled()))).map_err(err)?;
            }
            if text {
                chart
                    .configure_series_labels()
                    .position(if panel == 0 { SeriesLabelPosition::UpperLeft } else { SeriesLabelPosition::LowerRight })
                    .label_font(("sans-serif", 14))
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::compare::series;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn svg_has_a_line_per_series_and_a_legend() {
        let reports = [sample_report(), sample_report()];
        let s = series(&reports, &["a".into(), "b".into()]);
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("plot.svg");
        assert_eq!(draw(&s, &svg).unwrap(), (WIDTH, 2 * ROW_HEIGHT));
        let text = std::fs::read_to_string(&svg).unwrap();
        // 2 ops × 2 panels: per series, a data line and a legend mark in each panel.
        for i in 0..2 {
            let RGBAColor(r, g, b, _) = Palette99::pick(i).to_rgba();
            let stroke = format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"#{r:02X}{g:02X}{b:02X}\"");
            assert_eq!(text.matches(&stroke).count(), 8, "series {i}");
        }
        assert_eq!(text.matches("\na:cpu\n</text>").count(), 4, "{text}");
        assert_eq!(text.matches("\nb:cpu\n</text>").count(), 4);
        assert!(Format::of(Path::new("x.pdf")).is_err());
        assert_eq!(
            (short(0.02, "s"), short(1.5e6, ""), short(3e-6, "s")),
            ("20 ms".into(), "1.5 M".into(), "3 µs".into())
        );
    }
}
