"""``archcalc serve`` in a real browser: the system's headless Chromium, driven by Playwright
(its Python client only; Playwright's own browsers are never downloaded). One browser and one
server for the whole module. Screenshots of each page, at a desktop and a phone width, are
written to tests/artifacts/ (or $ARCHCALC_ARTIFACTS)."""

from __future__ import annotations

import csv
import io
import os
import shutil

import pytest

CHROMIUM = os.environ.get("ARCHCALC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "data", "alexnet-seed-filled.tsv")
ARTIFACTS = os.environ.get("ARCHCALC_ARTIFACTS") or os.path.join(HERE, "artifacts")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the Playwright client is not installed (the test extra)")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, web_url):
    ctx = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # a 400 is an answer (a message the page shows), not a fault of the page
    pg.on("console", lambda m: errors.append(m.text)
          if m.type == "error" and "status of 400" not in m.text else None)
    pg.set_default_timeout(30_000)
    pg.base = web_url
    yield pg
    ctx.close()
    assert not errors, errors


def visit(pg, hash_: str) -> None:
    pg.goto(f"{pg.base}/{hash_}")
    pg.wait_for_selector("body[data-ready]")


def shot(pg, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    pg.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"))


def cells(pg, row: int) -> dict[str, str]:
    return pg.eval_on_selector(
        f"#net-table tbody tr:nth-child({row})",
        "tr => Object.fromEntries([...tr.cells].map(td => [td.dataset.key, td.textContent]))")


def test_networks_page(page):
    visit(page, "#networks")
    page.fill("#search", "resnet 2015")
    names = page.locator("#catalogue li a").all_inner_texts()
    assert names and all("resnet" in n.lower() for n in names)
    page.click("#catalogue a[href='#networks/alexnet']") if page.locator(
        "#catalogue a[href='#networks/alexnet']").count() else visit(page, "#networks/alexnet")
    page.wait_for_selector("#net-table table")
    conv1 = cells(page, 1)
    assert (conv1["layer"], conv1["h"], conv1["w"], conv1["c"], conv1["params"]) == (
        "conv1", "55", "55", "96", "34,944")
    # click a cell: its working
    page.click('#net-table tbody tr:first-child td[data-key="params"]')
    assert page.inner_text("#net-working") == (
        "conv1: params = 11·11·3·96 = 34,848 weights + 96 biases = 34,944")
    # the keyboard reaches a cell and Enter shows its working
    page.focus('#net-table tbody tr:first-child td[data-key="h"]')
    page.keyboard.press("Enter")
    assert page.inner_text("#net-working") == "conv1: H = (227 − 11 + 2·0)/4 + 1 = 55"
    # the layer's name: its whole working, as archcalc explain writes it
    page.click('#net-table tbody tr:first-child td[data-key="layer"]')
    from click.testing import CliRunner
    from archcalc.cli import main

    assert page.inner_text("#net-working") == CliRunner().invoke(
        main, ["explain", "alexnet", "conv1"]).output.rstrip("\n")
    # sortable: params, largest first on the second click
    page.click("#net-table thead th:has-text('params') button")
    page.click("#net-table thead th:has-text('params') button")
    assert cells(page, 1)["layer"] == "fc6"
    # controls: memory on demand, a --set param, weights only
    page.check("#opt-memory")
    page.wait_for_selector('#net-table thead th:has-text("activations")')
    page.fill("#opt-sets input[name='classes']", "10")
    page.check("#opt-nobias")
    page.wait_for_function("() => [...document.querySelectorAll('#net-table td')]"
                           ".some(td => td.textContent === '40,960')")   # fc8: 4,096·10
    shot(page, "networks-desktop")


def test_receptive_field_and_rollup_on_demand(page):
    # the CLI's `table resnet18 --rf` and `--by stage`, from the page's controls
    visit(page, "#networks/resnet18")
    page.wait_for_selector("#net-table table")
    page.check("#opt-rf")
    page.wait_for_function("() => [...document.querySelectorAll('#net-table td[data-key=\"rf\"]')]"
                           ".some(td => td.textContent === '7×7')")        # conv1's field
    page.select_option("#opt-rollup", "by:stage")
    page.wait_for_function("() => [...document.querySelectorAll('#net-table td')]"
                           ".some(td => td.textContent.startsWith('Σ stage'))")
    layers = page.eval_on_selector_all(
        "#net-table tbody tr", "trs => trs.map(tr => tr.cells[0].textContent)")
    assert layers[:9] == ["conv1", "bn", "relu", "pool1", "conv2", "conv3", "conv4", "conv5",
                          "pool5"]
    shot(page, "networks-rollup")


def test_download_csv(page, tmp_path):
    visit(page, "#networks/alexnet")
    page.wait_for_selector("#net-table table")
    page.select_option("#net-format", "csv")
    with page.expect_download() as dl:
        page.click("#net-download")
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.name == "alexnet.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    conv1 = rows[0]
    assert (conv1["layer"], conv1["h"], conv1["w"], conv1["c"], conv1["params"]) == (
        "conv1", "55", "55", "96", "34944")
    assert rows[-1]["layer"] == "total" and rows[-1]["params"] == "62378344"


def test_paper_view(page):
    visit(page, "#networks/googlenet")
    page.wait_for_selector("#net-table table")
    page.click("#net-paper")
    page.wait_for_selector("#net-paper-view:not([hidden])")
    assert "inception (3a)" in page.inner_text("#net-paper-view")
    page.select_option("#paper-format", "csv")
    with page.expect_download() as dl:
        page.click("#paper-download")
    assert dl.value.suggested_filename == "googlenet-paper.csv"


def test_build_page(page):
    visit(page, "#build")
    page.wait_for_selector("#build-table table")
    spec = page.input_value("#spec")
    page.fill("#spec", spec.replace("{ conv = 32, k = 3, p = 1", "{ conv = 48, k = 3, p = 1"))
    page.wait_for_function("() => [...document.querySelectorAll('#build-table td')]"
                           ".some(td => td.textContent === '1,344')")    # 3·3·3·48 + 48
    assert page.is_hidden("#build-error")
    # an error: at its line, in the CLI's words
    broken = page.input_value("#spec").replace('"relu",\n  { maxpool', '"rleu",\n  { maxpool')
    page.fill("#spec", broken)
    page.wait_for_selector("#build-error:not([hidden])")
    line = broken.split("\n").index(next(x for x in broken.split("\n") if '"rleu"' in x)) + 1
    assert page.get_attribute("#build-error", "data-line") == str(line)
    assert page.inner_text("#build-error").startswith(
        f"line {line}: spec.toml: layers[1]: unknown layer kind 'rleu' (did you mean 'relu'?)")
    assert page.get_attribute(f"#gutter-{line}", "class") == "err"
    shot(page, "build-error")
    page.fill("#spec", broken.replace('"rleu"', '"relu"'))
    page.wait_for_selector("#build-error[hidden]", state="attached")
    # share as a link: the spec travels in the URL
    page.click("#build-share")
    link = page.input_value("#build-link")
    assert "#build?spec=" in link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("#build-table table")
    assert other.input_value("#spec") == page.input_value("#spec")
    other.close()
    # download the spec
    with page.expect_download() as dl:
        page.click("#build-download")
    assert dl.value.suggested_filename == "spec.toml"
    shot(page, "build-desktop")


def test_beginners_form_and_calculator(page):
    visit(page, "#build")
    page.click("#form-box summary")
    page.click("#form-write")
    page.wait_for_function("() => document.getElementById('spec').value.includes('conv = 16')")
    # the table of the spec the form wrote (the page's earlier spec's table, 8 rows, stays until
    # the new one comes back: waiting only for a table read that one on a loaded machine)
    page.wait_for_function("() => document.querySelectorAll('#build-table tbody tr').length === 5")
    assert page.locator("#build-table tbody tr").count() == 5
    page.click("#calc-box summary")
    page.wait_for_function("() => document.getElementById('calc-out-text').textContent"
                           ".includes('H = (227 − 11 + 2·0)/4 + 1 = 55')")
    page.fill("#calc-p", "2")
    page.wait_for_function("() => document.getElementById('calc-out-text').textContent"
                           ".includes('H = (227 − 11 + 2·2)/4 + 1 = 56')")


def test_a_field_for_each_input(page):
    # Before: the page had one --input field, so a spec of two inputs could not be resized.
    visit(page, "#build")
    page.wait_for_selector("#build-table table")
    assert page.is_hidden("#build-inputs")                  # one input: the spec says it
    two = open(os.path.join(os.path.dirname(HERE), "examples", "image_mask.toml"),
               encoding="utf-8").read()
    page.fill("#spec", two)
    page.wait_for_selector("#build-inputs input[data-input='mask']")
    assert page.get_attribute("#build-inputs input[data-input='image']", "placeholder") == \
        "3x64x64"
    page.fill("#build-inputs input[data-input='image']", "3x32x32")
    page.fill("#build-inputs input[data-input='mask']", "1x32x32")
    page.wait_for_function("() => [...document.querySelectorAll('#build-table td')]"
                           ".some(td => td.textContent === '442,368')")   # image_conv at 32×32
    assert page.is_hidden("#build-error")
    # the check page, against the spec in Build: a field per input too
    page.click("#build-check")
    page.wait_for_selector("#check-inputs input[data-input='mask']")
    page.select_option("#check-network", "alexnet")
    page.wait_for_selector("#check-input")


def test_check_page(page):
    visit(page, "#check")
    page.select_option("#check-network", "alexnet")
    page.fill("#answers", open(SEED, encoding="utf-8").read())
    page.click("#check-go")
    page.wait_for_selector("#check-marked")
    wrong_rows = page.eval_on_selector_all(
        "#check-marked tbody tr", "trs => trs.filter(tr => tr.querySelector('td.wrong'))"
        ".map(tr => tr.cells[0].textContent)")
    assert wrong_rows == ["Conv3", "Conv5"]
    assert page.inner_text("#check-score").startswith("score: 30/32")
    shot(page, "check-desktop")


def test_gradebook_page(page, tmp_path):
    """A teacher uploads several submissions, with the course's convention fixed (biases
    counted), and downloads the gradebook CSV: one row a file, an unreadable one saying why."""
    chen = "layer\tparams\nconv1\t34,848\nconv2\t614,400\nconv3\t884,736\n"
    visit(page, "#check")
    page.select_option("#check-network", "alexnet")
    page.select_option("#check-bias", "true")
    page.set_input_files("#answers-file", [
        {"name": "ana.tsv", "mimeType": "text/tab-separated-values",
         "buffer": open(SEED, "rb").read()},
        {"name": "chen.tsv", "mimeType": "text/tab-separated-values", "buffer": chen.encode()},
        {"name": "dana.txt", "mimeType": "text/plain", "buffer": b"sorry, it is late\n"}])
    page.wait_for_selector("#gradebook")
    shown = page.eval_on_selector_all(
        "#gradebook tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    assert [r[0] for r in shown] == ["ana.tsv", "chen.tsv", "dana.txt"]
    # as `archcalc check alexnet … --bias --gradebook` marks them (the README's example)
    assert shown[0][1] == "27/32" and shown[1][1] == "0/3" and "no table found" in shown[2][1]
    shot(page, "gradebook-desktop")
    with page.expect_download() as dl:
        page.click("#gradebook-download")
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.name == "gradebook.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["file"], r["score"]) for r in rows] == [
        ("ana.tsv", "27/32"), ("chen.tsv", "0/3"), ("dana.txt", "")]
    assert rows[1]["wrong cells"].startswith("conv1 params: 34,848 (expected 34,944)")
    assert "no table found" in rows[2]["note"]
    # The page shows each wrong cell and its diagnosis, as the CSV has them (issue 14/16: it
    # showed only the file and the score).
    for shown_row, row in zip(shown, rows):
        wrong = page.eval_on_selector_all(
            f"#gradebook tbody tr:nth-child({rows.index(row) + 1}) td.wrong-cells li",
            "lis => lis.map(li => li.firstChild.textContent)")
        assert "; ".join(wrong) == row["wrong cells"]
        for why in filter(None, row["diagnoses"].split("; conv")):
            assert why.split(": ", 1)[1].split(";")[0] in shown_row[2]
    assert len(page.query_selector_all("#gradebook tbody tr:nth-child(2) td.wrong-cells li")) == 3


def test_check_page_has_the_dtype_of_check(page):
    """The check page had no dtype control, while `archcalc check` has --dtype: conv1's
    activations in bytes at fp16 (290,400 values × 2 bytes), one cell (too few to decide the
    dtype from), is wrong read as fp32 and right with the control at fp16, as the CLI marks it."""
    from click.testing import CliRunner

    from archcalc.cli import main

    table = "layer\tact. bytes\nconv1\t580,800\n"
    visit(page, "#check")
    assert page.eval_on_selector_all("#check-dtype option", "os => os.map(o => o.value)") == [
        "", "fp32", "fp16", "bf16", "int8"]
    page.select_option("#check-network", "alexnet")
    page.fill("#answers", table)
    for dtype, score in (("", "0/1"), ("fp16", "1/1")):
        page.select_option("#check-dtype", dtype)
        page.click("#check-go")
        page.wait_for_selector("#check-score")
        assert page.inner_text("#check-score").startswith(f"score: {score}")
        cli = CliRunner().invoke(main, ["check", "alexnet", "-", *(["--dtype", dtype] if dtype
                                                                    else [])], input=table)
        assert f"score: {score} " in cli.output


def test_quiz_page(page):
    visit(page, "#quiz")
    page.select_option("#quiz-network", "lenet5")
    page.fill("#quiz-seed", "2")
    page.click("#quiz-new")
    page.wait_for_selector("#quiz-table")
    inputs = page.locator("#quiz-table input[data-cell]")
    n = inputs.count()
    assert n > 0
    # answer the first blank right (from the key archcalc prints), the second wrong
    from click.testing import CliRunner
    from archcalc.cli import main

    key = list(csv.reader(io.StringIO(CliRunner().invoke(
        main, ["quiz", "lenet5", "--seed", "2", "--format", "csv", "--answers"]).output)))[1:]
    first, second = (inputs.nth(k).get_attribute("data-cell") for k in (0, 1))
    i, j = map(int, first.split(","))
    inputs.nth(0).fill(key[i][j])
    inputs.nth(1).fill("7")
    page.click("#quiz-mark")
    page.wait_for_selector("#quiz-table td[data-verdict]")
    assert page.get_attribute(f"#q-{first.replace(',', '-')}", "data-verdict") == "right"
    assert page.get_attribute(f"#q-{second.replace(',', '-')}", "data-verdict") == "wrong"
    assert page.inner_text("#quiz-score") == (
        f"score: 1 of {n} blanks right (1 wrong, {n - 2} left blank)")
    shot(page, "quiz-desktop")


def test_quiz_page_takes_an_input(page):
    """The Quiz page had no input field: a teacher could not set AlexNet's exercise at 224.
    It has one, as Check has (one per input for a spec of several), and the sheet is the CLI's
    `quiz alexnet --input 224`."""
    visit(page, "#quiz")
    page.select_option("#quiz-network", "alexnet")
    page.fill("#quiz-input", "224")
    page.fill("#quiz-fraction", "0")
    page.click("#quiz-new")
    page.wait_for_selector("#quiz-table")
    from click.testing import CliRunner
    from archcalc.cli import main

    key = list(csv.reader(io.StringIO(CliRunner().invoke(
        main, ["quiz", "alexnet", "--input", "224", "--fraction", "0", "--seed", "1", "--format",
               "csv", "--answers"]).output)))
    first = page.locator("#quiz-table tbody tr").first.locator("td")
    assert [first.nth(k).inner_text().strip() for k in range(first.count())] == key[1]
    assert "54" in key[1]                      # conv1 at 224: ⌊(224 − 11)/4⌋ + 1 = 54, not 55


def test_compare_page(page):
    visit(page, "#compare")
    page.click("#compare-go")
    page.wait_for_selector("#compare-table table")
    assert page.locator("#compare-table tbody tr").count() == 6
    page.wait_for_selector("#compare-figure:not([hidden])")
    assert page.eval_on_selector("#compare-chart", "img => img.complete && img.naturalWidth > 0")
    shot(page, "compare-desktop")


@pytest.mark.parametrize("hash_, ready", [
    ("#networks/alexnet", "#net-table table"), ("#build", "#build-table table"),
    ("#check", "#answers"), ("#quiz", "#quiz-new"), ("#compare", "#compare-go")])
def test_layout_at_phone_and_desktop_width(page, hash_, ready):
    name = hash_.strip("#").split("/")[0]
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        visit(page, hash_)
        page.wait_for_selector(ready)
        # the page itself never scrolls sideways: wide tables scroll in their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], label
        nav = page.locator("nav a")
        assert all(nav.nth(k).is_visible() for k in range(nav.count()))
        if name == "networks":
            cat, view = (page.locator(s).bounding_box() for s in (".catalogue", ".view"))
            side_by_side = view["x"] >= cat["x"] + cat["width"] - 1
            assert side_by_side == (label == "desktop"), label
        shot(page, f"layout-{name}-{label}")


def test_keyboard_reaches_every_page(page):
    visit(page, "#networks")
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert {"Networks", "Build", "Check", "Quiz", "Compare"} <= set(seen)
    page.focus("nav a[href='#quiz']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-quiz:not([hidden])")


CONTRAST = """sels => sels.map(sel => {
  const e = document.querySelector(sel);
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = null, n = e;
  while (n && n.nodeType === 1) { const c = getComputedStyle(n).backgroundColor;
    if (!c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") { bg = c; break; } n = n.parentElement; }
  const a = lum(rgb(getComputedStyle(e).color)), b = lum(rgb(bg || "rgb(255, 255, 255)"));
  return [sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})"""


def test_text_has_readable_contrast(page):
    """WCAG AA: 4.5:1 for body text, on every kind of text the pages show."""
    visit(page, "#networks/alexnet")
    page.wait_for_selector("#net-table table")
    page.click('#net-table tbody tr:first-child td[data-key="params"]')
    page.fill("#opt-input", "banana")
    page.wait_for_selector("#net-error:not([hidden])")
    ratios = page.evaluate(CONTRAST, [
        "body", "nav a", "nav a[aria-current]", "header h1 a", "#catalogue a small",
        "#net-download", "#net-working", "#net-error", "#net-table caption",
        "#net-table tbody td", "#net-table thead th button", "#net-table .archcalc li",
        "footer p", "td.picked"])
    low = [(sel, round(r, 2)) for sel, r in ratios if r < 4.5]
    assert not low, low
