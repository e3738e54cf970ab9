//! Throughput of the storage format engine on generated pages of about 4 KB, 30 KB and 200 KB
//! (headings, paragraphs with entities and inline markup, tables, code macros, links, images,
//! info panels). Run with `cargo bench -p cairn-format`; prints MB/s per operation and size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cairn_format::{
    NoContext, markdown_to_storage, parse, render_storage, render_to_html, wiki_to_storage,
};

/// One section of a realistic page, numbered so that headings and links differ.
fn storage_section(index: usize) -> String {
    format!(
        concat!(
            "<h2>Section {index}: deployment &amp; rollout</h2>",
            "<p>The <strong>release</strong> for team {index} goes out on <em>Tuesday</em>&nbsp;&ndash; see ",
            "<ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"Release checklist {index}\"/></ac:link> and ",
            "<a href=\"https://example.com/runbook/{index}?tab=steps&amp;mode=full\">the runbook</a>. It&rsquo;s ",
            "owned by <ac:link><ri:user ri:userkey=\"8a7f808a{index}\"/></ac:link>.</p>",
            "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">Before you start</ac:parameter>",
            "<ac:rich-text-body><p>Check the dashboards and tell the on-call engineer.</p></ac:rich-text-body></ac:structured-macro>",
            "<table class=\"confluenceTable\"><tbody><tr><th>Step</th><th>Owner</th><th>Status</th></tr>",
            "<tr><td>Build</td><td>CI</td><td><ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">Green</ac:parameter>",
            "<ac:parameter ac:name=\"title\">done</ac:parameter></ac:structured-macro></td></tr>",
            "<tr><td>Deploy</td><td>Ops</td><td>pending</td></tr></tbody></table>",
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter>",
            "<ac:plain-text-body><![CDATA[kubectl rollout status deploy/app-{index} && echo \"ok <{index}>\"\n",
            "helm upgrade app ./chart --set image.tag=v{index}]]></ac:plain-text-body></ac:structured-macro>",
            "<p><ac:image ac:alt=\"diagram {index}\" ac:width=\"600\"><ri:attachment ri:filename=\"diagram-{index}.png\"/></ac:image></p>",
            "<ul><li>Rollback with <code>helm rollback</code></li><li>Notify <a href=\"mailto:ops@example.com\">ops</a></li></ul>\n"
        ),
        index = index
    )
}

fn wiki_section(index: usize) -> String {
    format!(
        "h2. Section {index}: rollout\n\nThe *release* for team {index} goes out on _Tuesday_ -- see [Release checklist {index}] and [the runbook|https://example.com/runbook/{index}].\n\n{{info:title=Before you start}}\nCheck the dashboards.\n{{info}}\n\n||Step||Owner||Status||\n|Build|CI|done|\n|Deploy|Ops|pending|\n\n{{code:bash}}\nkubectl rollout status deploy/app-{index}\n{{code}}\n\n!diagram-{index}.png!\n\n* Rollback with {{{{helm rollback}}}}\n** Notify ops\n\n"
    )
}

fn markdown_section(index: usize) -> String {
    format!(
        "## Section {index}: rollout\n\nThe **release** for team {index} goes out on *Tuesday* -- see [the runbook](https://example.com/runbook/{index}).\n\n> Check the dashboards.\n\n| Step | Owner | Status |\n|---|---|---|\n| Build | CI | done |\n| Deploy | Ops | pending |\n\n```bash\nkubectl rollout status deploy/app-{index}\n```\n\n![diagram](diagram-{index}.png)\n\n- Rollback with `helm rollback`\n  - Notify ops\n- [x] tested\n\n"
    )
}

/// Repeats sections until the page reaches `target_bytes`.
fn page_of(target_bytes: usize, section: fn(usize) -> String) -> String {
    let mut page = String::with_capacity(target_bytes + 4096);
    let mut index = 0;
    while page.len() < target_bytes {
        page.push_str(&section(index));
        index += 1;
    }
    page
}

/// Runs `operation` repeatedly for at least `budget` and returns MB/s over `input_bytes`.
fn throughput(input_bytes: usize, budget: Duration, mut operation: impl FnMut()) -> f64 {
    for _ in 0..3 {
        operation();
    }
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < budget {
        operation();
        runs += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    (input_bytes as f64 * runs as f64) / seconds / 1_000_000.0
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("CAIRN_BENCH_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(700),
    );
    println!("{:<22} {:>8} {:>12}", "operation", "size", "MB/s");
    for (label, target) in [
        ("4 KB", 4 * 1024),
        ("30 KB", 30 * 1024),
        ("200 KB", 200 * 1024),
    ] {
        let storage = page_of(target, storage_section);
        let wiki = page_of(target, wiki_section);
        let markdown = page_of(target, markdown_section);
        let document = parse(&storage).expect("the generated page is well-formed");

        let results = [
            (
                "parse",
                throughput(storage.len(), budget, || {
                    black_box(parse(black_box(&storage)).ok());
                }),
            ),
            (
                "render",
                throughput(storage.len(), budget, || {
                    black_box(render_to_html(black_box(&document), &NoContext));
                }),
            ),
            (
                "parse+render",
                throughput(storage.len(), budget, || {
                    black_box(render_storage(black_box(&storage), &NoContext).ok());
                }),
            ),
            (
                "wiki->storage",
                throughput(wiki.len(), budget, || {
                    black_box(wiki_to_storage(black_box(&wiki)));
                }),
            ),
            (
                "markdown->storage",
                throughput(markdown.len(), budget, || {
                    black_box(markdown_to_storage(black_box(&markdown)));
                }),
            ),
        ];
        for (operation, megabytes_per_second) in results {
            println!("{operation:<22} {label:>8} {megabytes_per_second:>12.1}");
        }
    }
}
