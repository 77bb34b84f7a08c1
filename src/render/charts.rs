//! The geometry of the charts in /admin/stats: coordinates in a fixed `viewBox` that the
//! admin templates draw as SVG (no script: the browser scales it to the page's width, so a
//! phone shows the same chart smaller). Text sizes are chosen for that scale: 600 units are
//! about 350 px on a phone, so 22-unit labels read as 13 px.

use serde::Serialize;

/// The width of every chart's `viewBox`.
pub const WIDTH: f64 = 600.0;
/// Labels shown under a line chart at most, so they do not run into each other on a phone.
const MAX_X_LABELS: usize = 4;
/// Characters of a bar's label; the rest is cut off (the table beside it has it whole).
const MAX_LABEL_CHARS: usize = 38;

/// A place on one axis with its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// A line chart: a polyline over the area below it, with grid lines and labels.
#[derive(Debug, Clone, Serialize)]
pub struct LineChart {
    pub width: f64,
    pub height: f64,
    /// The plotting area: left, top, right and bottom edge.
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    /// `points` of the `<polyline>`.
    pub line: String,
    /// `points` of the `<polygon>` under it.
    pub area: String,
    /// The last point, marked.
    pub last: (f64, f64),
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
}

/// 1, 2 or 5 times a power of ten, the smallest at least `rough` (and at least 1).
fn nice_step(rough: f64) -> f64 {
    if rough <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
}

/// `values` over time (one per stretch, oldest first), each with its label; only a few of
/// the labels are shown, the last always.
pub fn line(values: &[u64], labels: &[String]) -> LineChart {
    let (width, height) = (WIDTH, 300.0);
    let (left, top, right, bottom) = (56.0, 16.0, WIDTH - 24.0, height - 44.0);
    let max = values.iter().copied().max().unwrap_or(0) as f64;
    let step = nice_step(max / 4.0);
    let ceiling = ((max / step).ceil() * step).max(step);
    let y = |v: f64| bottom - (bottom - top) * v / ceiling;
    let n = values.len();
    let x = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (n - 1) as f64
        }
    };
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (round(x(i)), round(y(*v as f64))))
        .collect();
    let line = points
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    let area = match (points.first(), points.last()) {
        (Some(first), Some(last)) => {
            format!("{},{bottom} {line} {},{bottom}", first.0, last.0)
        }
        _ => String::new(),
    };
    let y_ticks = (0..)
        .map(|k| k as f64 * step)
        .take_while(|v| *v <= ceiling)
        .map(|v| Tick {
            at: round(y(v)),
            label: format!("{v}"),
        })
        .collect();
    // Every `every`th label counted back from the last, so the newest is always named.
    let every = n.div_ceil(MAX_X_LABELS).max(1);
    let x_ticks = (0..n)
        .filter(|i| (n - 1 - i).is_multiple_of(every))
        .filter_map(|i| {
            Some(Tick {
                at: round(x(i)),
                label: labels.get(i)?.clone(),
            })
        })
        .collect();
    LineChart {
        width,
        height,
        left,
        top,
        right,
        bottom,
        last: points.last().copied().unwrap_or((left, bottom)),
        line,
        area,
        y_ticks,
        x_ticks,
    }
}

/// One bar of a bar chart: its label above it, the bar, and its value after it.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub label_y: f64,
    pub bar_y: f64,
    pub bar_width: f64,
    pub value_x: f64,
}

/// A horizontal bar chart, one row per item.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub bar_height: f64,
    pub bars: Vec<Bar>,
}

/// Bars for `items` (label and value), as given; the longest spans most of the width, with
/// room for its value after it.
pub fn bars(items: &[(String, u64)]) -> BarChart {
    let row = 64.0;
    let bar_height = 24.0;
    let room = WIDTH - 80.0;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let top = i as f64 * row;
            // A bar of nothing still shows as a sliver, so the row does not look missing.
            let bar_width = round((room * *value as f64 / max).max(2.0));
            Bar {
                label: shorten(label),
                value: *value,
                label_y: top + 24.0,
                bar_y: top + 32.0,
                bar_width,
                value_x: bar_width + 8.0,
            }
        })
        .collect();
    BarChart {
        width: WIDTH,
        height: (items.len() as f64 * row).max(row),
        bar_height,
        bars,
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_string();
    }
    let cut: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.5), 1.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(240.0), 500.0);
    }

    #[test]
    fn a_line_fills_the_plot_and_names_its_last_point() {
        let labels: Vec<String> = (1..=30).map(|d| format!("{d}.")).collect();
        let mut values = vec![0; 29];
        values.push(2);
        let chart = line(&values, &labels);
        let points: Vec<&str> = chart.line.split(' ').collect();
        assert_eq!(points.len(), 30);
        assert_eq!(points[0], "56,256");
        assert_eq!(chart.last, (576.0, 16.0));
        let ys: Vec<&str> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(ys, ["0", "1", "2"]);
        let xs: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(xs.len() <= MAX_X_LABELS, "{xs:?}");
        assert_eq!(xs.last(), Some(&"30."));
        assert!(chart.area.starts_with("56,256 56,256"), "{}", chart.area);
    }

    #[test]
    fn one_point_stands_in_the_middle_and_nothing_is_flat() {
        let chart = line(&[0], &["today".into()]);
        assert_eq!(chart.last, (316.0, 256.0));
        assert_eq!(chart.y_ticks.len(), 2);
    }

    #[test]
    fn bars_scale_to_the_largest_and_long_titles_are_cut() {
        let long = "A title much longer than any phone could show on one line".to_string();
        let chart = bars(&[(long, 4), ("Short".into(), 1), ("None".into(), 0)]);
        assert_eq!(chart.bars[0].bar_width, 520.0);
        assert_eq!(chart.bars[1].bar_width, 130.0);
        assert_eq!(chart.bars[2].bar_width, 2.0);
        assert!(chart.bars[0].label.ends_with('…'));
        assert!(chart.bars[0].label.chars().count() <= MAX_LABEL_CHARS);
        assert_eq!(chart.height, 192.0);
    }
}
