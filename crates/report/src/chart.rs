//! Charts drawn with plotters into SVG text. Categorical axes are numbered positions with the
//! names as tick labels, so a chart's shapes and its labels come from one list.

use std::collections::{BTreeMap, HashMap};

use arrow::temporal_conversions::date32_to_datetime;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::ReportError;
use crate::data::{Rows, distinct, sort_labels};
use crate::sections::{Chart, Section};

/// A key with more labels than this is free text or close to it: its counts are in the table
/// but not drawn.
pub(crate) const MAX_LABELS: usize = 20;

const WIDTH: u32 = 960;
const FONT: &str = "sans-serif";
const ROW: u32 = 26;
/// Names longer than this are cut in axis labels and legends (the table below has them whole).
const NAME_CHARS: usize = 28;

/// One drawn chart.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub title: String,
    pub svg: String,
}

/// What a section drew, and what it could not.
#[derive(Debug, Default)]
pub(crate) struct Drawn {
    pub figures: Vec<Figure>,
    pub notes: Vec<String>,
}

/// A colour for each name (model or project), the same in every chart of the page.
#[derive(Debug, Default)]
pub(crate) struct Colors(HashMap<String, RGBColor>);

/// Tableau's ten, then HSL steps around the wheel.
const PALETTE: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

impl Colors {
    /// Colours for each section's names, taken in section order and each section's in name
    /// order, so the first section's names (the models) get the first colours.
    pub fn new(sections: Vec<Vec<String>>) -> Colors {
        let mut seen = std::collections::HashSet::new();
        let mut names = Vec::new();
        for mut section in sections {
            section.sort();
            section.dedup();
            names.extend(section.into_iter().filter(|n| seen.insert(n.clone())));
        }
        Colors(
            names
                .into_iter()
                .enumerate()
                .map(|(i, n)| {
                    let c = PALETTE.get(i).copied().unwrap_or_else(|| {
                        let (r, g, b) = HSLColor(i as f64 * 0.618_034 % 1.0, 0.55, 0.5).rgb();
                        RGBColor(r, g, b)
                    });
                    (n, c)
                })
                .collect(),
        )
    }

    fn of(&self, name: &str) -> RGBColor {
        self.0.get(name).copied().unwrap_or(RGBColor(120, 120, 120))
    }
}

/// The names a section colours, to build [`Colors`] from every section at once.
pub(crate) fn colored_names(chart: &Chart, rows: Rows<'_>) -> Result<Vec<String>, ReportError> {
    let column = match chart {
        Chart::StackedBars { stack, .. } => *stack,
        Chart::Lines {
            series: Some(series),
            ..
        } => *series,
        Chart::Lines {
            series: None, y, ..
        } => {
            return Ok(y.iter().map(|c| (*c).to_owned()).collect());
        }
        Chart::Intervals { .. } | Chart::Heatmap { .. } => return Ok(Vec::new()),
    };
    Ok(rows
        .texts(column)?
        .into_iter()
        .map(|v| v.unwrap_or_else(|| NULL.to_owned()))
        .collect())
}

/// How a NULL name is shown.
const NULL: &str = "(none)";

pub(crate) fn draw(s: &Section, rows: Rows<'_>, colors: &Colors) -> Result<Drawn, ReportError> {
    let drawn = match s.chart {
        Chart::StackedBars {
            facet,
            category,
            stack,
            value,
        } => stacked_bars(s, rows, [facet, category, stack, value], colors),
        Chart::Intervals {
            label,
            value,
            lower,
            upper,
        } => intervals(s, rows, [label, value, lower, upper]),
        Chart::Heatmap {
            row,
            column,
            value,
            count,
        } => heatmap(s, rows, [row, column, value, count]),
        Chart::Lines {
            facet,
            series,
            x,
            y,
            interval,
        } => lines(s, rows, facet, (series, x, y), interval, colors),
    };
    drawn.map_err(|e| match e {
        Failure::Report(e) => e,
        Failure::Draw(reason) => ReportError::Draw {
            section: s.id.to_owned(),
            reason,
        },
    })
}

/// Reading the rows or drawing them failed.
enum Failure {
    Report(ReportError),
    Draw(String),
}

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        Failure::Report(e)
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Failure {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Failure::Draw(e.to_string())
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws on a white canvas of `size` and returns the SVG text.
fn svg(
    size: (u32, u32),
    paint: impl FnOnce(&Area<'_>) -> Result<(), Failure>,
) -> Result<String, Failure> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)?;
        paint(&root)?;
        root.present()?;
    }
    Ok(text)
}

fn short(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let mut s: String = name.chars().take(NAME_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Pixels for the longest of `names` at 13 px: plotters estimates text widths without fonts.
fn label_width(names: &[String]) -> u32 {
    let chars = names
        .iter()
        .map(|n| short(n).chars().count())
        .max()
        .unwrap_or(0);
    (chars as u32 * 8 + 16).clamp(48, NAME_CHARS as u32 * 8 + 16)
}

/// Splits off a legend on the right and draws it: a swatch and a name a line.
fn legend<'a>(root: &Area<'a>, names: &[String], colors: &Colors) -> Result<Area<'a>, Failure> {
    if names.is_empty() {
        return Ok(root.clone());
    }
    let width = label_width(names) + 24;
    let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 - width);
    for (i, n) in names.iter().enumerate() {
        let y = 40 + i as i32 * 20;
        side.draw(&Rectangle::new(
            [(4, y), (16, y + 12)],
            colors.of(n).filled(),
        ))?;
        side.draw(&Text::new(short(n), (22, y), (FONT, 13)))?;
    }
    Ok(plot)
}

/// A categorical axis of `n` names at the whole positions `0..n`, a tick at each. (plotters'
/// own key-point binding gives no default formatter for numbers, so the mesh would not draw.)
#[derive(Debug, Clone, Copy)]
struct Positions(usize);

impl Ranged for Positions {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> std::ops::Range<f64> {
        -0.5..self.0 as f64 - 0.5
    }

    fn map(&self, v: &f64, (from, to): (i32, i32)) -> i32 {
        let t = (v + 0.5) / self.0.max(1) as f64;
        from + (f64::from(to - from) * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            (0..self.0).map(|i| i as f64).collect()
        }
    }
}

/// A tick's number: whole numbers without decimals, others with at most three.
fn tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_owned()
    }
}

/// Height for a chart of `rows` rows or bars with a legend of `entries` names beside it.
fn height(rows: usize, entries: usize) -> u32 {
    (90 + ROW * rows as u32).max(60 + 20 * entries as u32)
}

/// The position of a categorical axis of `n` that `v` stands on, if any.
fn slot(n: usize, v: f64) -> Option<usize> {
    let i = v.round();
    (i >= 0.0 && (i as usize) < n && (v - i).abs() < 1e-9).then_some(i as usize)
}

/// Position `v` numbered from 1, or nothing between positions.
fn number_at(n: usize, v: f64) -> String {
    slot(n, v).map(|i| (i + 1).to_string()).unwrap_or_default()
}

fn name_at(names: &[String], v: f64) -> String {
    slot(names.len(), v)
        .map(|i| short(&names[i]))
        .unwrap_or_default()
}

/// `0..max` with some room above, and never empty.
fn upto(max: f64) -> std::ops::Range<f64> {
    0.0..if max > 0.0 { max * 1.05 } else { 1.0 }
}

/// `lo..hi` with a margin on each side, and never empty.
fn around(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let pad = if hi > lo { (hi - lo) * 0.06 } else { 1.0 };
    lo - pad..hi + pad
}

type CategoryChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Positions>>;

/// A chart of numbers along `x` against `names` from the bottom up, with its axes drawn.
fn category_chart<'a, 'b>(
    area: &'a Area<'b>,
    s: &Section,
    x: std::ops::Range<f64>,
    names: &[String],
) -> Result<CategoryChart<'a, 'b>, Failure> {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(40)
        .y_label_area_size(label_width(names))
        .build_cartesian_2d(x, Positions(names.len()))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(s.x_label)
        .y_desc(s.y_label)
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| name_at(names, *v))
        .label_style((FONT, 13))
        .draw()?;
    Ok(chart)
}

fn stacked_bars(
    s: &Section,
    rows: Rows<'_>,
    [facet, category, stack, value]: [&str; 4],
    colors: &Colors,
) -> Result<Drawn, Failure> {
    let facets = rows.texts(facet)?;
    let categories = rows.texts(category)?;
    let stacks = rows.texts(stack)?;
    let values = rows.numbers(value)?;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| NULL.to_owned());
    // facet → (category, stack) → sum
    let mut groups: BTreeMap<String, BTreeMap<(String, String), f64>> = BTreeMap::new();
    for i in 0..rows.len() {
        *groups
            .entry(name(&facets[i]))
            .or_default()
            .entry((name(&categories[i]), name(&stacks[i])))
            .or_default() += values[i].unwrap_or(0.0);
    }
    let mut drawn = Drawn::default();
    let mut too_many = Vec::new();
    for (f, cells) in &groups {
        let mut cats = distinct(cells.keys().map(|(c, _)| c.as_str()));
        if cats.len() > MAX_LABELS {
            too_many.push(format!("{f} ({} labels)", cats.len()));
            continue;
        }
        sort_labels(&mut cats);
        let mut series = distinct(cells.keys().map(|(_, s)| s.as_str()));
        series.sort();
        let mut totals = vec![0.0; cats.len()];
        let mut bars = Vec::new();
        for (ci, c) in cats.iter().enumerate() {
            for sname in &series {
                if let Some(&v) = cells.get(&(c.clone(), sname.clone())) {
                    let y = ci as f64;
                    bars.push(((totals[ci], y), (totals[ci] + v, y), colors.of(sname)));
                    totals[ci] += v;
                }
            }
        }
        let max = totals.iter().copied().fold(0.0, f64::max);
        let svg = svg((WIDTH, height(cats.len(), series.len())), |root| {
            let plot = legend(root, &series, colors)?;
            let mut chart = category_chart(&plot, s, upto(max), &cats)?;
            chart.draw_series(bars.iter().map(|&((x0, y), (x1, _), c)| {
                Rectangle::new([(x0, y - 0.35), (x1, y + 0.35)], c.filled())
            }))?;
            Ok(())
        })?;
        drawn.figures.push(Figure {
            title: f.clone(),
            svg,
        });
    }
    if !too_many.is_empty() {
        drawn.notes.push(format!(
            "Not drawn, having more than {MAX_LABELS} distinct labels (free text or close to \
             it): {}. Their counts are in the table.",
            too_many.join(", ")
        ));
    }
    Ok(drawn)
}

fn intervals(
    s: &Section,
    rows: Rows<'_>,
    [label, value, lower, upper]: [&str; 4],
) -> Result<Drawn, Failure> {
    let labels = rows.texts(label)?;
    let values = rows.numbers(value)?;
    let lowers = rows.numbers(lower)?;
    let uppers = rows.numbers(upper)?;
    // Drawn from the top in the query's order: the first row is the highest position.
    let mut names = Vec::new();
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    for i in 0..rows.len() {
        let name = labels[i].clone().unwrap_or_else(|| NULL.to_owned());
        match values[i] {
            Some(v) => {
                points.push((v, lowers[i], uppers[i]));
                names.push(name);
            }
            None => skipped.push(name),
        }
    }
    let mut drawn = Drawn::default();
    if !skipped.is_empty() {
        drawn.notes.push(format!(
            "Not drawn, having no value (the table's note says why): {}.",
            skipped.join(", ")
        ));
    }
    if points.is_empty() {
        return Ok(drawn);
    }
    let n = points.len();
    names.reverse();
    points.reverse();
    let all = points
        .iter()
        .flat_map(|&(v, lo, hi)| [Some(v), lo, hi])
        .flatten();
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let svg = svg((WIDTH, height(n, 0)), |root| {
        let mut chart = category_chart(root, s, around(lo, hi), &names)?;
        let color = PALETTE[0];
        chart.draw_series(points.iter().enumerate().map(|(i, &(v, l, h))| {
            // An open side of the interval is drawn as a point there.
            ErrorBar::new_horizontal(
                i as f64,
                l.unwrap_or(v),
                v,
                h.unwrap_or(v),
                color.stroke_width(2),
                10,
            )
        }))?;
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, &(v, _, _))| Circle::new((v, i as f64), 4, color.filled())),
        )?;
        Ok(())
    })?;
    drawn.figures.push(Figure {
        title: s.title.to_owned(),
        svg,
    });
    Ok(drawn)
}

/// Red at 0, near white at ½, blue at 1.
fn diverging(v: f64) -> RGBColor {
    let mix = |a: (f64, f64, f64), b: (f64, f64, f64), t: f64| {
        RGBColor(
            (a.0 + (b.0 - a.0) * t).round() as u8,
            (a.1 + (b.1 - a.1) * t).round() as u8,
            (a.2 + (b.2 - a.2) * t).round() as u8,
        )
    };
    let (red, white, blue) = ((202., 0., 32.), (247., 247., 247.), (5., 113., 176.));
    let v = v.clamp(0.0, 1.0);
    if v < 0.5 {
        mix(red, white, v * 2.0)
    } else {
        mix(white, blue, (v - 0.5) * 2.0)
    }
}

fn heatmap(
    s: &Section,
    rows: Rows<'_>,
    [row, column, value, count]: [&str; 4],
) -> Result<Drawn, Failure> {
    let row_names = rows.texts(row)?;
    let column_names = rows.texts(column)?;
    let values = rows.numbers(value)?;
    let counts = rows.numbers(count)?;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| NULL.to_owned());
    let mut names = distinct(
        row_names
            .iter()
            .chain(&column_names)
            .flatten()
            .map(String::as_str),
    );
    if row_names.iter().chain(&column_names).any(Option::is_none) {
        names.push(NULL.to_owned());
    }
    names.sort();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let n = names.len();
    if n == 0 {
        return Ok(Drawn::default());
    }
    // Rows from the top in name order: row i is drawn at position n - 1 - i.
    let mut rows_top_down = names.clone();
    rows_top_down.reverse();
    let mut cells = Vec::new();
    for i in 0..rows.len() {
        let (r, c) = (name(&row_names[i]), name(&column_names[i]));
        cells.push((
            index[c.as_str()] as f64,
            (n - 1 - index[r.as_str()]) as f64,
            values[i],
            counts[i],
        ));
    }
    let cell = (700 / n as u32).clamp(44, 90);
    let side = label_width(&names) + 24;
    let size = (side + 40 + cell * n as u32, 110 + cell * n as u32);
    let svg = svg(size, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(side)
            .build_cartesian_2d(Positions(n), Positions(n))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(s.x_label)
            .y_desc(s.y_label)
            .x_label_formatter(&|v| number_at(n, *v))
            .y_label_formatter(&|v| {
                // Rows are numbered from the top, and the columns take the rows' numbers.
                slot(n, *v).map_or_else(String::new, |p| {
                    format!("{}  {}", short(&rows_top_down[p]), n - p)
                })
            })
            .label_style((FONT, 12))
            .draw()?;
        // Pairs that never met are grey; a cell of 0.5 is near white.
        let grid = (0..n).flat_map(|x| (0..n).map(move |y| (x as f64, y as f64)));
        chart.draw_series(grid.map(|(x, y)| {
            Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                RGBColor(225, 225, 225).filled(),
            )
        }))?;
        chart.draw_series(cells.iter().map(|&(x, y, v, _)| {
            let fill = v.map_or(RGBColor(220, 220, 220), diverging);
            Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill.filled())
        }))?;
        chart.draw_series(cells.iter().map(|&(x, y, v, k)| {
            let text = match (v, k) {
                (Some(v), Some(k)) => format!("{v:.2} ({k})"),
                (Some(v), None) => format!("{v:.2}"),
                (None, _) => String::from("–"),
            };
            // Dark cells get white text.
            let color: &'static RGBColor = if v.is_some_and(|v| (v - 0.5).abs() > 0.3) {
                &WHITE
            } else {
                &BLACK
            };
            let style = TextStyle::from((FONT, 11).into_font()).color(color).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            Text::new(text, (x, y), style)
        }))?;
        Ok(())
    })?;
    Ok(Drawn {
        figures: vec![Figure {
            title: s.title.to_owned(),
            svg,
        }],
        notes: Vec::new(),
    })
}

/// Days since 1970 as `YYYY-MM-DD`.
fn day(days: f64) -> String {
    date32_to_datetime(days.floor() as i32)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// One line of a chart: its points `(x, y, lower, upper)` in x order.
type Line = (String, Vec<(f64, f64, Option<f64>, Option<f64>)>);

fn lines(
    s: &Section,
    rows: Rows<'_>,
    facet: Option<&str>,
    (series, x, ys): (Option<&str>, &str, &[&str]),
    interval: Option<(&str, &str)>,
    colors: &Colors,
) -> Result<Drawn, Failure> {
    let n = rows.len();
    let facets = match facet {
        Some(f) => rows.texts(f)?,
        None => vec![Some(s.title.to_owned()); n],
    };
    let xs = rows.numbers(x)?;
    let (lows, highs) = match interval {
        Some((l, h)) => (rows.numbers(l)?, rows.numbers(h)?),
        None => (vec![None; n], vec![None; n]),
    };
    let dates = rows.is_date(x)?;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| NULL.to_owned());
    let mut groups: BTreeMap<String, BTreeMap<String, Vec<_>>> = BTreeMap::new();
    for y in ys {
        let values = rows.numbers(y)?;
        let names = match series {
            Some(column) => rows.texts(column)?,
            None => vec![Some((*y).to_owned()); n],
        };
        for i in 0..n {
            if let (Some(px), Some(py)) = (xs[i], values[i]) {
                groups
                    .entry(name(&facets[i]))
                    .or_default()
                    .entry(name(&names[i]))
                    .or_default()
                    .push((px, py, lows[i], highs[i]));
            }
        }
    }
    let mut drawn = Drawn::default();
    for (f, by_series) in groups {
        let mut lines: Vec<Line> = by_series.into_iter().collect();
        for (_, pts) in &mut lines {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let pts = || lines.iter().flat_map(|(_, p)| p.iter());
        let (x0, x1) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let (y0, y1) = pts()
            .flat_map(|p| [Some(p.1), p.2, p.3])
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let series_names: Vec<String> = lines.iter().map(|(n, _)| n.clone()).collect();
        let svg = svg((WIDTH, height(12, series_names.len())), |root| {
            let plot = legend(root, &series_names, colors)?;
            let mut chart = ChartBuilder::on(&plot)
                .margin(10)
                .margin_right(20)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(around(x0, x1), around(y0, y1))?;
            let format_x = |v: &f64| {
                if dates { day(*v) } else { tick(v) }
            };
            chart
                .configure_mesh()
                .x_desc(s.x_label)
                .y_desc(s.y_label)
                .x_labels(if dates { 6 } else { 10 })
                .x_label_formatter(&format_x)
                .y_label_formatter(&tick)
                .label_style((FONT, 13))
                .draw()?;
            for (name, pts) in &lines {
                let color = colors.of(name);
                chart.draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    color.stroke_width(2),
                ))?;
                // Points mark the values while there are few enough to tell apart.
                if pts.len() <= 60 {
                    chart.draw_series(
                        pts.iter()
                            .map(|p| Circle::new((p.0, p.1), 3, color.filled())),
                    )?;
                }
                chart.draw_series(pts.iter().filter_map(|&(px, py, lo, hi)| {
                    Some(ErrorBar::new_vertical(px, lo?, py, hi?, color, 6))
                }))?;
            }
            Ok(())
        })?;
        drawn.figures.push(Figure { title: f, svg });
    }
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_civil_dates() {
        assert_eq!(day(0.0), "1970-01-01");
        assert_eq!(day(20_454.0), "2026-01-01");
        assert_eq!(day(-1.0), "1969-12-31");
        assert_eq!(day(11_016.0), "2000-02-29");
    }

    #[test]
    fn the_heatmap_runs_from_red_through_white_to_blue() {
        assert_eq!(diverging(0.0), RGBColor(202, 0, 32));
        assert_eq!(diverging(0.5), RGBColor(247, 247, 247));
        assert_eq!(diverging(1.0), RGBColor(5, 113, 176));
        assert_eq!(diverging(7.0), diverging(1.0));
    }

    #[test]
    fn ticks_drop_needless_decimals() {
        assert_eq!(tick(&100.0), "100");
        assert_eq!(tick(&2.5), "2.5");
        assert_eq!(tick(&0.125), "0.125");
        assert_eq!(tick(&-3.0), "-3");
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(short("gpt"), "gpt");
        let long = "x".repeat(40);
        assert_eq!(short(&long).chars().count(), NAME_CHARS);
        assert!(short(&long).ends_with('…'));
    }
}
