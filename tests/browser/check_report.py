"""Opens a `taskq report` page in headless Chromium and checks that it renders: every section
named has at least one chart whose SVG the browser laid out at a real size, holding shapes and
text; the console has no errors or warnings; the page asked for nothing over the network. It
saves a screenshot of the whole page and one of each section.

usage: python3 tests/browser/check_report.py REPORT.html SCREENSHOT_DIR SECTION_ID...

Exits 0 when every check passes, 1 with the failures listed otherwise. Chromium is
/usr/bin/chromium unless CHROMIUM names another.
"""

import os
import pathlib
import sys

from playwright.sync_api import sync_playwright

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main():
    report = pathlib.Path(sys.argv[1]).resolve()
    shots = pathlib.Path(sys.argv[2])
    sections = sys.argv[3:]
    shots.mkdir(parents=True, exist_ok=True)
    failures = []
    console = []
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=FLAGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")

        for c in console:
            if c.startswith(("error", "warning", "page error")):
                failures.append(f"console {c}")
        for url in requests:
            if url != report.as_uri():
                failures.append(f"the page asked for {url}")

        for sid in sections:
            section = page.locator(f"section#{sid}")
            if section.count() != 1:
                failures.append(f"section {sid}: not on the page")
                continue
            charts = section.locator("figure.chart svg")
            if charts.count() == 0:
                failures.append(f"section {sid}: no chart")
                continue
            for i in range(charts.count()):
                svg = charts.nth(i)
                box = svg.bounding_box()
                if not box or box["width"] < 200 or box["height"] < 100:
                    failures.append(f"section {sid} chart {i}: laid out at {box}")
                shapes = svg.locator("rect, circle, polyline, line, path").count()
                texts = svg.locator("text").count()
                if shapes < 5 or texts < 3:
                    failures.append(
                        f"section {sid} chart {i}: {shapes} shapes and {texts} texts"
                    )
                if not section.locator("figcaption code").nth(i).inner_text().startswith(
                    "taskq query "
                ):
                    failures.append(f"section {sid} chart {i}: no command in the caption")
            section.screenshot(path=str(shots / f"{sid}.png"))
        page.screenshot(path=str(shots / "report.png"), full_page=True)
        browser.close()

    print(f"{len(sections)} sections checked, {len(console)} console messages, "
          f"{len(requests)} requests; screenshots in {shots}")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
