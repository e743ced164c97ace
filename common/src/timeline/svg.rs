//! Drawing a [`Run`] as SVG, by hand (as the benchmarks' charts are).
//!
//! Sized for the book's text column; every state differs in shape or
//! pattern as well as colour (the Okabe-Ito colours, safe for colour-blind
//! readers), and a legend names each.

use super::model::{Lane, Run, Span, State};
use std::fmt::Write as _;

/// The picture's width in pixels: the book's text column is 750.
pub const WIDTH: f64 = 720.0;
const NAMES: f64 = 140.0;
/// Room for how a lane ended: `ENDING_CHARS` characters of 12 px text.
const ENDINGS: f64 = 134.0;
const ENDING_CHARS: usize = 18;
const PLOT: f64 = WIDTH - NAMES - ENDINGS - 12.0;
const TOP: f64 = 34.0;
const LANE: f64 = 34.0;
const BAR: f64 = 14.0;
/// More arrows than this would hide the lanes: the rest are counted.
const MAX_ARROWS: usize = 60;

const RUNNING: &str = "#0072B2";
const BLOCKED: &str = "#E69F00";
const SLEEPING: &str = "#56B4E9";
const SIGNAL: &str = "#D55E00";

/// Text as SVG wants it.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A time in seconds as the axis says it, with as many decimals as the
/// step needs.
fn seconds(s: f64, step: f64) -> String {
    let decimals = |step: f64| (-step.log10().floor()).max(0.0) as usize;
    if step >= 0.1 {
        format!("{s:.*} s", decimals(step))
    } else {
        format!("{:.*} ms", decimals(step * 1e3), s * 1e3)
    }
}

/// A round step giving at most eight ticks over `span` seconds.
fn tick_step(span: f64) -> f64 {
    let raw = (span / 8.0).max(1e-6);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
}

/// Width of `text` at `size` px, roughly (for deciding what fits).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// `text` in at most `max` characters: its start and its end, which tell
/// `SpawnPoolWorker-1` from `SpawnPoolWorker-2`.
fn cut(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    let head = max / 2;
    let tail = max - head - 1;
    let mut short: String = chars[..head].iter().collect();
    short.push('…');
    short.extend(&chars[chars.len() - tail..]);
    short
}

struct Scale {
    from: u64,
    per_ns: f64,
}

impl Scale {
    fn x(&self, ns: u64) -> f64 {
        NAMES + (ns.saturating_sub(self.from)) as f64 * self.per_ns
    }
}

fn lane_y(i: usize) -> f64 {
    TOP + i as f64 * LANE + LANE / 2.0
}

/// The picture of `run`.
pub fn render(run: &Run) -> String {
    let lanes = run.lanes.len();
    let legend_top = TOP + lanes as f64 * LANE + 12.0;
    let height = legend_top + 58.0;
    let scale = Scale {
        from: run.from,
        per_ns: PLOT / (run.to - run.from).max(1) as f64,
    };
    let mut s = String::new();
    let names: Vec<&str> = run.lanes.iter().map(|l| l.name.as_str()).collect();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" style="max-width:100%;height:auto" role="img" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">
<title>Timeline of a run: {lanes} processes ({})</title>
<defs>
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{BLOCKED}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern>
<pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.2" fill="{SLEEPING}"/></pattern>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>
<marker id="arrow-signal" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{SIGNAL}"/></marker>
</defs>
<rect width="{WIDTH}" height="{height}" fill="#fff"/>
"##,
        esc(&names.join(", "))
    );
    axis(&mut s, run, &scale, legend_top - 12.0);
    for (i, lane) in run.lanes.iter().enumerate() {
        draw_lane(&mut s, i, lane, &scale);
    }
    let arrows = run.messages.len();
    for m in run.messages.iter().take(MAX_ARROWS) {
        let (x1, y1, x2, y2) = (
            scale.x(m.sent),
            lane_y(m.from),
            scale.x(m.received),
            lane_y(m.to),
        );
        let _ = writeln!(
            s,
            r##"<line class="message" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#333" stroke-width="1.2" marker-end="url(#arrow)"><title>{}: {} to {}</title></line>"##,
            m.what,
            esc(&run.lanes[m.from].name),
            esc(&run.lanes[m.to].name)
        );
    }
    for m in &run.signals {
        let (x, y1, y2) = (scale.x(m.sent), lane_y(m.from), lane_y(m.to));
        let (y1, y2) = if y2 > y1 {
            (y1 + BAR / 2.0, y2 - BAR / 2.0)
        } else {
            (y1 - BAR / 2.0, y2 + BAR / 2.0)
        };
        let _ = writeln!(
            s,
            r##"<g class="signal"><title>{} sent to {}</title><line x1="{x:.1}" y1="{y1:.1}" x2="{x:.1}" y2="{y2:.1}" stroke="{SIGNAL}" stroke-width="2.5" stroke-dasharray="5,3" marker-end="url(#arrow-signal)"/><text x="{:.1}" y="{:.1}" fill="{SIGNAL}" font-weight="bold">{}</text></g>"##,
            m.what,
            esc(&run.lanes[m.to].name),
            x + 5.0,
            (y1 + y2) / 2.0 + 4.0,
            m.what
        );
    }
    legend(&mut s, legend_top, arrows);
    s.push_str("</svg>\n");
    s
}

fn axis(s: &mut String, run: &Run, scale: &Scale, bottom: f64) {
    let span = (run.to - run.from) as f64 / 1e9;
    let step = tick_step(span);
    let mut t = 0.0;
    s.push_str("<g class=\"axis\" font-size=\"11\" fill=\"#444\">\n");
    while t <= span + step * 1e-6 {
        let x = scale.x(run.from + (t * 1e9) as u64);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom:.1}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            TOP - 8.0,
            TOP - 12.0,
            seconds(t, step)
        );
        t += step;
    }
    s.push_str("</g>\n");
}

fn draw_lane(s: &mut String, i: usize, lane: &Lane, scale: &Scale) {
    let y = lane_y(i);
    let (x1, x2) = (
        scale.x(lane.from),
        scale.x(lane.to).max(scale.x(lane.from) + 1.0),
    );
    let _ = writeln!(
        s,
        r##"<g class="lane" data-pid="{}" data-name="{}">"##,
        lane.pid,
        esc(&lane.name)
    );
    if i % 2 == 1 {
        let _ = writeln!(
            s,
            r##"<rect x="0" y="{:.1}" width="{WIDTH}" height="{LANE}" fill="#f4f4f4"/>"##,
            y - LANE / 2.0
        );
    }
    // A long name is cut to fit; hovering shows it whole.
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-weight="bold" font-size="11"><title>{}</title>{}</text>"##,
        NAMES - 8.0,
        y + 4.0,
        esc(&lane.name),
        esc(&cut(&lane.name, 17))
    );
    // Running: the whole life, solid; waits are drawn over it.
    let _ = writeln!(
        s,
        r##"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="{BAR}" fill="{RUNNING}"><title>{}: running</title></rect>"##,
        y - BAR / 2.0,
        x2 - x1,
        esc(&lane.name)
    );
    let mut label_end = f64::MIN;
    for span in &lane.spans {
        label_end = draw_span(s, y, lane, span, scale, label_end);
    }
    for (at, text) in &lane.prints {
        let _ = writeln!(
            s,
            r##"<circle class="print" cx="{:.1}" cy="{y:.1}" r="4.5" fill="#fff" stroke="#000" stroke-width="1.5"><title>{} printed: {}</title></circle>"##,
            scale.x(*at),
            esc(&lane.name),
            esc(text)
        );
    }
    // The end: a bar for an exit, a cross for a signal.
    let signalled = matches!(lane.ending, super::Ending::Signalled(_));
    if signalled {
        let _ = writeln!(
            s,
            r##"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{SIGNAL}" stroke-width="3"/>"##,
            x2 - 5.0,
            y - 5.0
        );
    } else {
        let _ = writeln!(
            s,
            r##"<rect x="{x2:.1}" y="{:.1}" width="3" height="{:.1}" fill="#000"/>"##,
            y - BAR / 2.0 - 3.0,
            BAR + 6.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text class="ending" x="{:.1}" y="{:.1}" fill="{}">{}</text>"##,
        x2 + 9.0,
        y + 4.0,
        if signalled { SIGNAL } else { "#000" },
        esc(&cut(&lane.ending.label(), ENDING_CHARS))
    );
    s.push_str("</g>\n");
}

/// Draws one wait over the running bar, with its words above it if they
/// fit; returns where the words end.
fn draw_span(
    s: &mut String,
    y: f64,
    lane: &Lane,
    span: &Span,
    scale: &Scale,
    label_end: f64,
) -> f64 {
    let x = scale.x(span.from);
    // A wait too short to see is not drawn: thousands of them (a lock
    // taken in a loop) would only make the file big.
    if scale.x(span.to) - x < 0.5 {
        return label_end;
    }
    let w = (scale.x(span.to) - x).max(1.5);
    let top = y - BAR / 2.0;
    let (shape, word) = match span.state {
        State::Blocked => (
            r##"fill="url(#hatch)" stroke="#000" stroke-width="0.8""##.to_string(),
            "blocked",
        ),
        State::Sleeping => (
            format!(r##"fill="url(#dots)" stroke="{RUNNING}" stroke-width="1""##),
            "sleeping",
        ),
        State::Starting => (
            r##"fill="#fff" stroke="#777" stroke-width="1.2" stroke-dasharray="3,2""##.to_string(),
            "starting",
        ),
    };
    let title = if span.what == word || span.what == "sleep" {
        format!("{}: {word}", lane.name)
    } else {
        format!("{}: {word} in {}", lane.name, span.what)
    };
    let _ = writeln!(
        s,
        r##"<rect class="{word}" x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{BAR}" {shape}><title>{}</title></rect>"##,
        esc(&title)
    );
    let words = match span.state {
        State::Blocked => span.what.clone(),
        State::Sleeping => "sleep".into(),
        State::Starting => "starting".into(),
    };
    // The words go inside the bar, on a white ground, where they fit.
    let size = 10.0;
    let needed = text_width(&words, size) + 6.0;
    if x >= label_end && needed <= w {
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#fff" opacity="0.9"/><text x="{:.1}" y="{:.1}" font-size="{size}" fill="#000">{}</text>"##,
            x + 2.0,
            top + 1.5,
            needed - 4.0,
            BAR - 3.0,
            x + 3.5,
            top + BAR - 3.5,
            esc(&words)
        );
        return x + needed;
    }
    label_end
}

fn legend(s: &mut String, top: f64, arrows: usize) {
    let items: [(&str, &str); 4] = [
        (
            r##"<rect width="26" height="12" fill="{RUNNING}"/>"##,
            "running",
        ),
        (
            r##"<rect width="26" height="12" fill="url(#hatch)" stroke="#000" stroke-width="0.8"/>"##,
            "blocked (waits on another)",
        ),
        (
            r##"<rect width="26" height="12" fill="url(#dots)" stroke="{RUNNING}"/>"##,
            "sleeping",
        ),
        (
            r##"<rect width="26" height="12" fill="#fff" stroke="#777" stroke-width="1.2" stroke-dasharray="3,2"/>"##,
            "starting",
        ),
    ];
    let marks: [(&str, String); 3] = [
        (
            r##"<circle cx="13" cy="6" r="4.5" fill="#fff" stroke="#000" stroke-width="1.5"/>"##,
            "a printed line (hover)".into(),
        ),
        (
            r##"<line x1="0" y1="6" x2="24" y2="6" stroke="#333" stroke-width="1.2" marker-end="url(#arrow)"/>"##,
            if arrows > MAX_ARROWS {
                format!("message ({MAX_ARROWS} of {arrows} drawn)")
            } else {
                "message sent, received".into()
            },
        ),
        (
            r##"<line x1="0" y1="6" x2="24" y2="6" stroke="{SIGNAL}" stroke-width="2.5" stroke-dasharray="5,3"/>"##,
            "signal; × killed by it".into(),
        ),
    ];
    let _ = writeln!(s, r##"<g class="legend" font-size="11">"##);
    let mut x = 10.0;
    for (shape, word) in items {
        let shape = shape
            .replace("{RUNNING}", RUNNING)
            .replace("{SIGNAL}", SIGNAL);
        let _ = writeln!(
            s,
            r##"<g transform="translate({x:.1},{top:.1})">{shape}<text x="32" y="10">{word}</text></g>"##
        );
        x += 40.0 + text_width(word, 11.0);
    }
    let mut x = 10.0;
    let row = top + 22.0;
    for (shape, word) in marks {
        let shape = shape.replace("{SIGNAL}", SIGNAL);
        let _ = writeln!(
            s,
            r##"<g transform="translate({x:.1},{row:.1})">{shape}<text x="32" y="10">{}</text></g>"##,
            esc(&word)
        );
        x += 40.0 + text_width(&word, 11.0);
    }
    s.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::super::model::{Ending, Message};
    use super::*;

    fn lane(pid: i32, name: &str, from: u64, to: u64, ending: Ending) -> Lane {
        Lane {
            pid,
            name: name.into(),
            from,
            to,
            spans: vec![Span {
                state: State::Blocked,
                from,
                to: (from + to) / 2,
                what: "get".into(),
            }],
            prints: vec![(to, "a <line> & more".into())],
            ending,
        }
    }

    #[test]
    fn one_lane_group_per_process_within_the_width_with_escaped_titles() {
        let run = Run {
            from: 0,
            to: 2_000_000_000,
            lanes: vec![
                lane(
                    1,
                    "MainProcess",
                    0,
                    2_000_000_000,
                    Ending::Exited(0, String::new()),
                ),
                lane(2, "Process-1", 100, 1_000_000_000, Ending::Signalled(15)),
            ],
            messages: vec![Message {
                from: 0,
                to: 1,
                sent: 10,
                received: 20,
                what: "queue".into(),
            }],
            signals: vec![],
        };
        let svg = render(&run);
        assert_eq!(svg.matches(r##"<g class="lane""##).count(), 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains(r##"width="720""##));
        assert!(svg.contains("printed: a &lt;line&gt; &amp; more"));
        assert!(svg.contains("SIGTERM (-15)"));
        assert!(svg.contains(r##"class="message""##));
        // Nothing is drawn right of the declared width.
        for x in svg.split(" x=\"").skip(1) {
            let x: f64 = x.split('"').next().unwrap().parse().unwrap();
            assert!(x < WIDTH, "x={x}");
        }
        // Nor written: the longest ending fits, at DejaVu Sans's widest
        // lower-case average (about 7 px a character at 12 px).
        let lane_end = NAMES + PLOT;
        assert!(lane_end + 9.0 + 7.0 * ENDING_CHARS as f64 <= WIDTH);
    }

    #[test]
    fn long_names_keep_their_start_and_their_end() {
        assert_eq!(cut("NO_background_process", 17), "NO_backg…_process");
        assert_eq!(cut("MainProcess", 16), "MainProcess");
    }

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(0.35), 0.05);
        assert_eq!(seconds(1.5, 0.5), "1.5 s");
        assert_eq!(seconds(0.004, 0.002), "4 ms");
        assert_eq!(seconds(0.0015, 0.0005), "1.5 ms");
        assert_eq!(seconds(20.0, 5.0), "20 s");
        assert_eq!(seconds(0.02, 0.01), "20 ms");
    }
}
