//! The timeline pictures as a reader sees them: the book is built with
//! mdBook, and each recipe page is opened in headless Chromium, at a
//! desktop width and at a phone's. A small script on the page measures
//! every picture once laid out; the test fails if a page shows fewer
//! pictures than it should, if one is drawn collapsed, or if one sticks out
//! of the text column. Each page is also screenshotted, into
//! `target/timeline-pages/`, for a person to look at.

use cookbook_tests::manifest;
use cookbook_tests::workspace_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reports, once the page has loaded, the text column's edges and each
/// timeline picture's box and lane count, in a `<pre>` the DOM dump shows.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const main = document.querySelector('main');
  const box = main.getBoundingClientRect();
  const style = getComputedStyle(main);
  const left = box.left + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.paddingRight);
  const rows = [...main.querySelectorAll('svg')]
    .filter(s => s.querySelector('g.lane'))
    .map(s => {
      const r = s.getBoundingClientRect();
      return ['picture', r.left, r.right, r.width, r.height, s.querySelectorAll('g.lane').length]
        .map(v => typeof v === 'number' ? v.toFixed(1) : v).join(' ');
    });
  const pre = document.createElement('pre');
  pre.id = 'timeline-probe';
  pre.textContent = ['column', left.toFixed(1), right.toFixed(1)].join(' ') + '\n' + rows.join('\n');
  document.body.appendChild(pre);
});
</script>"#;

/// Runs Chromium with `args`, killing it if it takes more than a minute.
fn chromium(args: &[&str]) -> String {
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run chromium (Debian: apt-get install chromium)");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than a minute: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("reader")
}

struct Picture {
    left: f64,
    right: f64,
    width: f64,
    height: f64,
    lanes: usize,
}

/// Lays out `page` at `width` px and returns the column's edges and the pictures.
fn measure(page: &Path, width: u32, profile: &str) -> ((f64, f64), Vec<Picture>) {
    let html = std::fs::read_to_string(page).unwrap();
    // Beside the page, so that its styles and scripts load as they would.
    let probe = page.with_extension(format!("probe-{width}.html"));
    std::fs::write(&probe, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let url = format!("file://{}", probe.display());
    let size = format!("--window-size={width},2000");
    let dom = chromium(&[
        profile,
        &size,
        "--virtual-time-budget=5000",
        "--dump-dom",
        &url,
    ]);
    let _ = std::fs::remove_file(&probe);
    let report = dom
        .split(r#"<pre id="timeline-probe">"#)
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("{}: the probe did not report", page.display()));
    let mut column = (0.0, 0.0);
    let mut pictures = Vec::new();
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| words[i].parse::<f64>().unwrap();
        match words.first() {
            Some(&"column") => column = (num(1), num(2)),
            Some(&"picture") => pictures.push(Picture {
                left: num(1),
                right: num(2),
                width: num(3),
                height: num(4),
                lanes: num(5) as usize,
            }),
            _ => {}
        }
    }
    (column, pictures)
}

/// Builds the book into a folder of this test's own.
fn build_book() -> PathBuf {
    let out = workspace_root().join("target/timeline-pages/book");
    let status = Command::new("mdbook")
        .args(["build", "--dest-dir"])
        .arg(&out)
        .arg(workspace_root().join("book"))
        .stdout(Stdio::null())
        .status()
        .expect("cannot run mdbook (run `cargo xtask setup`)");
    assert!(status.success(), "mdbook build failed");
    out
}

/// What is wrong with one recipe's page, if anything.
fn check_page(book: &Path, shots: &Path, recipe: &manifest::Recipe, profile: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let page = book
        .join(&recipe.chapter)
        .join(format!("{}.html", recipe.name));
    let wanted = recipe
        .captures()
        .iter()
        .filter(|c| c.timeline.is_some())
        .count();
    // A desktop (sidebar open, 750 px column) and a phone.
    for width in [1280, 420] {
        let ((left, right), pictures) = measure(&page, width, profile);
        if pictures.len() < wanted {
            problems.push(format!(
                "{} at {width} px: {} of {wanted} pictures shown",
                recipe.name,
                pictures.len()
            ));
        }
        for p in &pictures {
            if p.width < 200.0 || p.height < 60.0 || p.lanes == 0 {
                problems.push(format!(
                    "{} at {width} px: a picture drawn {:.0} x {:.0} px with {} lanes",
                    recipe.name, p.width, p.height, p.lanes
                ));
            }
            if p.left < left - 1.0 || p.right > right + 1.0 {
                problems.push(format!(
                    "{} at {width} px: a picture spans {:.0}..{:.0} px, outside the column {left:.0}..{right:.0}",
                    recipe.name, p.left, p.right
                ));
            }
        }
    }
    let shot = shots.join(format!("{}.png", recipe.name));
    let _ = std::fs::remove_file(&shot);
    chromium(&[
        profile,
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400",
        &format!("file://{}", page.display()),
    ]);
    let bytes = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    if bytes < 10_000 {
        problems.push(format!("{}: screenshot of {bytes} bytes", recipe.name));
    }
    problems
}

#[test]
fn every_recipe_page_shows_its_pictures_whole_within_the_column() {
    let book = build_book();
    let shots = workspace_root().join("target/timeline-pages");
    let recipes = manifest::load().recipe;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    // A few browsers at once, each with a profile of its own.
    std::thread::scope(|scope| {
        for worker in 0..3 {
            let (book, shots, recipes, next, problems) =
                (&book, &shots, &recipes, &next, &problems);
            scope.spawn(move || {
                let dir = shots.join(format!("profile-{worker}"));
                let profile = format!("--user-data-dir={}", dir.display());
                while let Some(recipe) =
                    recipes.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let found = check_page(book, shots, recipe, &profile);
                    problems.lock().unwrap().extend(found);
                }
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
