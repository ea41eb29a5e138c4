"""The JSON endpoints of ``archcalc serve`` and the files of its pages.

Every endpoint reads a JSON object (bounded: ``MAX_BODY`` bytes), checks each field's type,
calls ``archcalc.api`` (or the one renderer, ``render.report``), and answers JSON: the result,
or ``{"error": message, "line": n}`` with status 400, the message in the CLI's words. Nothing
here counts or formats a number. Specs and tables arrive as text and are read as data; a
network is named from the bundled catalogue only (never a path), so no request reads or writes
a file: the only file the app writes is a chart, in its own temporary folder, removed when it
stops. A request that fails in an unexpected way gets a one-line message, never a traceback.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import tempfile
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import api
from ..core.errors import ArchcalcError

MAX_BODY = 2_500_000          # one spec or answers table (1,000,000 bytes each) as JSON text
MAX_GRADEBOOK_BODY = 25_000_000
MAX_SUBMISSIONS = 100
MAX_FIELD = 1_000             # a name, an --input, a --set value, a column list
MAX_COMPARE = 100             # networks in one comparison
MAX_INPUTS = 100              # named inputs given in one request
MAX_SHOWN_ROWS = 20_000       # rows drawn as an HTML table; larger tables are downloaded
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
ASSETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "render",
                      "assets")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".png": "image/png",
         ".svg": "image/svg+xml"}
# The page's own files only; its script and style come from here, nothing from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; form-action 'none'; "
       "frame-ancestors 'none'; base-uri 'none'")
log = logging.getLogger("archcalc.web")


class Bad(ArchcalcError):
    """A request the app cannot use: its message is shown in the page."""


# --- reading requests ------------------------------------------------------------------------

async def body(request: Request, limit: int = MAX_BODY) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Bad("the request must be JSON (Content-Type: application/json)")
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > limit:
        raise Bad(f"the request is larger than {limit:,} bytes, the most archcalc serve reads")
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise Bad(f"the request is larger than {limit:,} bytes, the most archcalc serve "
                      "reads")
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (ValueError, RecursionError):
        raise Bad("the request is not valid JSON") from None
    if not isinstance(data, dict):
        raise Bad("the request must be a JSON object")
    return data


def text(d: dict, key: str, default: str | None = None, limit: int = MAX_FIELD) -> str | None:
    v = d.get(key, default)
    if v is None:
        return None
    if not isinstance(v, str):
        raise Bad(f"{key}: expected text, found {type(v).__name__}")
    if len(v) > limit:
        raise Bad(f"{key}: at most {limit:,} characters, found {len(v):,}")
    return v


def flag(d: dict, key: str, default=False):
    v = d.get(key, default)
    if v is not None and not isinstance(v, bool):
        raise Bad(f"{key}: expected true or false")
    return v


def whole(d: dict, key: str, default=None, lo: int = 0, hi: int = 10**9):
    v = d.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise Bad(f"{key}: expected a whole number from {lo:,} to {hi:,}")
    return v


def network_name(d: dict, key: str = "network") -> str:
    """A bundled network's name, never a path: the API would read a path as a spec file."""
    name = text(d, key)
    if not name:
        raise Bad(f"{key}: name a network")
    if not NAME.fullmatch(name) or name.lower().endswith(".toml"):
        raise Bad(f"{key}: '{name[:100]}' is not a network name; the catalogue lists them")
    return name


def sets(d: dict) -> dict[str, str] | None:
    """``--set`` values: {name: TOML text}."""
    v = d.get("set") or {}
    if not isinstance(v, dict) or len(v) > 100 or not all(
            isinstance(k, str) and isinstance(x, str) and len(k) <= MAX_FIELD
            and len(x) <= MAX_FIELD for k, x in v.items()):
        raise Bad("set: expected {name: value} with text values")
    return {k.strip(): x.strip() for k, x in v.items() if k.strip()} or None


def table_options(d: dict) -> dict:
    """The table's options, checked by ``api.options`` (the CLI's rules)."""
    v = d.get("options") or {}
    if not isinstance(v, dict):
        raise Bad("options: expected an object")
    return v


def graph(d: dict):
    """The network a request is about: ``network`` (bundled) or ``spec`` (TOML text)."""
    if d.get("spec") is not None:
        spec = text(d, "spec", limit=MAX_BODY)        # the loader's own limit speaks first
        return api.load(spec_text=spec, network=text(d, "variant") or None, params=sets(d))
    return api.load(network_name(d), params=sets(d))


def input_of(d: dict):
    """``--input`` as the page sends it: one text (``"3x224x224"``, ``"mask=1x64x64"``), a list
    of ``NAME=CxHxW`` texts (one per input of a network of several) or ``{NAME: "CxHxW"}``; an
    empty text is an input left as the spec has it. The values are checked where the network
    is known, by the options layer (``api.analysis_of``), with the CLI's messages."""
    v = d.get("input")
    if v is None or isinstance(v, str):
        return (text(d, "input") or "").strip() or None
    bad = Bad("input: expected CxHxW text, a list of NAME=CxHxW texts or {NAME: \"CxHxW\"}, "
              f"with at most {MAX_INPUTS} inputs of at most {MAX_FIELD:,} characters")
    if isinstance(v, list):
        if len(v) > MAX_INPUTS or not all(isinstance(x, str) and len(x) <= MAX_FIELD for x in v):
            raise bad
        return tuple(x.strip() for x in v if x.strip()) or None
    if isinstance(v, dict):
        if len(v) > MAX_INPUTS or not all(isinstance(x, str) and len(x) <= MAX_FIELD
                                          and len(k) <= MAX_FIELD for k, x in v.items()):
            raise bad
        return {k: x.strip() for k, x in v.items() if x.strip()} or None
    raise bad


# --- answers ---------------------------------------------------------------------------------

def ok(data: dict) -> JSONResponse:
    return JSONResponse(data)


def endpoint(fn, limit: int = MAX_BODY):
    """A POST endpoint: the JSON body to ``fn`` (run off the event loop), its dict back; an
    ``ArchcalcError`` as a 400 with its message and, for a spec, its line."""
    async def handle(request: Request) -> Response:
        spec = None
        try:
            d = await body(request, limit)
            spec = d.get("spec") if isinstance(d.get("spec"), str) else None
            return ok(await run_in_threadpool(fn, d, request.app.state))
        except ArchcalcError as e:
            line = api.error_line(spec, e) if spec is not None else None
            return JSONResponse({"error": str(e), "line": line}, status_code=400)
        except RecursionError:
            return JSONResponse({"error": "the input is nested too deeply to read"},
                                status_code=400)
        except Exception as e:       # a bug: one line in the log and the page, no traceback
            log.error("archcalc serve: %s failed: %s: %s", request.url.path,
                      type(e).__name__, e)
            return JSONResponse({"error": f"archcalc could not answer this request "
                                          f"({type(e).__name__}); please report it"},
                                status_code=500)
    return handle


# --- the endpoints ---------------------------------------------------------------------------

def catalogue(d: dict, state) -> dict:
    return {"networks": state.networks, "choices": state.choices}


def _choices() -> dict:
    from ..analysis.compare import SORT_KEYS
    from ..analysis.conventions import EXTRAS, PRESETS
    from ..analysis.memory import DTYPES, OPTIMIZERS
    from ..homework import quiz
    from ..render import report
    from ..render.units import KILOS, UNITS

    return {"columns": [[c.key, c.header] for c in report.COLUMNS.values()],
            "count": list(EXTRAS), "convention": list(PRESETS), "units": list(UNITS),
            "kilo": list(KILOS), "dtype": list(DTYPES), "optimizer": list(OPTIMIZERS),
            "formats": list(report.FORMATS) + ["html-standalone"],
            "paper_formats": list(report.FORMATS), "sort": list(SORT_KEYS),
            "quiz_columns": list(quiz.COLUMNS)}


def _networks() -> list[dict]:
    from ..analysis import paper
    from ..core import spec

    with_paper = {n for t in paper.tables() for n in t.networks}
    out, seen = [], set()
    for sf in spec.catalogue().values():
        for i in sf.infos():
            if i.name not in seen:
                seen.add(i.name)
                out.append({"name": i.name, "description": i.description, "source": i.source,
                            "family": sf.family, "paper": i.name in with_paper})
    return out


def _table(d: dict):
    net = graph(d)
    t = api.Table(api.analysis_of(net, input_of(d)), api.options(**table_options(d)))
    return net, t


def table(d: dict, state) -> dict:
    """The layer table as interactive HTML (each cell's exact value and working), and what
    the controls need: the declared params and, for a spec, its networks."""
    from ..core import spec as S

    net, t = _table(d)
    rows = len(t.analysis.rows)
    out = {"network": t.analysis.network, "rows": rows,
           "totals": {k: str(v) for k, v in t.totals.items()},
           # the spec's own inputs (the page shows a field for each of several)
           "inputs": [{"name": n, "shape": [x.c, x.h, x.w]} for n, x in net.inputs]}
    if rows > MAX_SHOWN_ROWS:
        out["html"] = ""
        out["note"] = (f"{t.analysis.network} has {rows:,} rows; the page draws at most "
                       f"{MAX_SHOWN_ROWS:,}: download the table instead")
    else:
        out["html"] = t.to_interactive_html()
    if d.get("spec") is not None:
        sf = S.from_text(d["spec"])
        out["variants"] = list(sf.variants)
        out["declared"] = {k: S.toml_text(v) for k, v in sf.declared(net.name).items()}
    else:
        sf, name = S.resolve(net.name)
        out["declared"] = {k: S.toml_text(v) for k, v in sf.declared(name).items()}
    return out


def render(d: dict, state) -> dict:
    """A download: the table in one of the CLI's formats (or the paper view's)."""
    from ..render import paper, report

    fmt = text(d, "format") or "csv"
    layout = text(d, "layout") or "layers"
    net, t = _table(d)
    a = t.analysis
    if layout == "paper":
        if fmt not in report.FORMATS:
            raise Bad(f"--layout paper: --format {fmt} is not supported; choose from "
                      + ", ".join(report.FORMATS))
        out = paper.render(a, fmt)
    elif fmt == "html-standalone":
        out = t.to_html(standalone=True)
    elif fmt in report.FORMATS:
        out = t.render(fmt)
    else:
        raise Bad(f"format: expected one of {', '.join(report.FORMATS)}, html-standalone; "
                  f"found {fmt!r}")
    ext = {"text": "txt", "github": "md", "markdown": "md", "latex": "tex",
           "html-standalone": "html"}.get(fmt, fmt)
    return {"text": out, "filename": f"{a.network}{'-paper' if layout == 'paper' else ''}.{ext}"}


def paper_view(d: dict, state) -> dict:
    from ..render import paper

    net, t = _table(d)
    return {"text": paper.render(t.analysis, "text")}


def check(d: dict, state) -> dict:
    """A hand-made table marked cell by cell, as ``archcalc check`` marks it."""
    from ..homework import check as C

    answers = text(d, "answers", limit=MAX_BODY)      # answers.from_bytes's limit speaks
    if not (answers or "").strip():
        raise Bad("paste a table, or choose a file")
    net = graph(d)
    res = api.check_answers(answers, net, input_of(d), source=text(d, "source") or "answers",
                            **check_options(d))
    tbl = res.table
    return {"result": C.to_dict(res), "text": C.render_text(res),
            "table": {"header": list(tbl.header), "rows": [list(r) for r in tbl.rows],
                      "lines": list(tbl.lines)}}


def check_options(d: dict) -> dict:
    """The marking's options as the page sends them (the teacher's bias, FLOPs, K, pooling,
    column mapping, by-order), checked once for a single table and for a gradebook alike:
    ``api.check_answers``'s keywords."""
    mapping = d.get("column") or []
    if not isinstance(mapping, list) or not all(isinstance(m, str) for m in mapping):
        raise Bad("column: expected a list of HEADER=FIELD")
    k = whole(d, "k", None, 1000, 1024)
    if k not in (None, 1000, 1024):
        raise Bad("k: expected 1000 or 1024")
    rounding = text(d, "rounding") or None
    if rounding not in (None, "floor", "ceil"):
        raise Bad("rounding: expected floor or ceil")
    from .. import options as O

    return dict(columns=api.column_mapping(mapping), by_order=flag(d, "by_order"),
                bias=flag(d, "bias", None), flops=flag(d, "flops", None), k_base=k,
                rounding=rounding, table=whole(d, "table", None, 1, 1000), family=not sets(d),
                bytes_per_value=O.bytes_per_value(text(d, "dtype") or None))


def gradebook(d: dict, state) -> dict:
    """Several submissions marked in one go, with the page's options as for one table: the
    gradebook CSV of ``archcalc check --gradebook`` (``api.gradebook``), and each file's score
    (or why it was not marked) for the page's table."""
    import csv
    import io

    subs = d.get("submissions")
    if not isinstance(subs, list) or not subs or len(subs) > MAX_SUBMISSIONS:
        raise Bad(f"submissions: expected 1 to {MAX_SUBMISSIONS} files")
    files = []
    for s in subs:
        if not isinstance(s, dict):
            raise Bad("submissions: expected {name, text} for each file")
        files.append((text(s, "name") or "submission", text(s, "text", "", limit=MAX_BODY)))
    from ..homework.check import gradebook as G

    net = graph(d)
    entries = api.gradebook_entries(files, net, input_of(d), **check_options(d))
    book = G.to_csv(entries)
    rows = []
    for e, row in zip(entries, list(csv.DictReader(io.StringIO(book)))):
        if not row["score"]:
            rows.append({"file": row["file"], "error": row["note"]})
            continue
        rows.append({"file": row["file"], "score": {"text": row["score"]},
                     **{k: int(row[h]) for k, h in (("right", "right"), ("rounded", "rounded"),
                                                    ("wrong", "wrong"), ("missing", "missing"),
                                                    ("unread", "not read"))},
                     "wrong_cells": G.wrong_cells(e), "note": row["note"]})
    return {"csv": book, "filename": "gradebook.csv", "rows": rows}


def quiz(d: dict, state) -> dict:
    """An exercise (seeded): the table with its blank cells as ``null``."""
    q, _, _ = _quiz(d)
    return {"title": q.title, "conventions": q.conventions, "headers": list(q.headers),
            "rows": [[None if (i, j) in q.blank else c for j, c in enumerate(row)]
                     for i, row in enumerate(q.rows)]}


def _quiz(d: dict):
    from ..homework import quiz as Q

    net = graph(d)
    a = api.analysis_of(net, input_of(d))
    blank = api.quiz_columns(text(d, "blank") or ",".join(Q.COLUMNS))
    fraction = d.get("fraction")
    if fraction is not None and (isinstance(fraction, bool) or
                                 not isinstance(fraction, (int, float)) or
                                 not 0 <= fraction <= 1):
        raise Bad("fraction: expected a number from 0 to 1")
    bias = not flag(d, "no_bias")
    q = Q.build(a, blank, whole(d, "seed", None, -(2**63), 2**63 - 1), fraction, bias=bias,
                example=whole(d, "example", 0, 0, 10**6))
    return q, net, bias


def quiz_mark(d: dict, state) -> dict:
    """The quiz's blank cells as filled in (``answers``: {"row,column": text}), marked."""
    from ..homework import check as C

    q, net, bias = _quiz(d)
    given = d.get("answers") or {}
    if not isinstance(given, dict) or len(given) > 100_000:
        raise Bad("answers: expected {\"row,column\": text}")
    filled = {}
    for key, v in given.items():
        m = re.fullmatch(r"(\d{1,7}),(\d{1,3})", key) if isinstance(key, str) else None
        if not m or not isinstance(v, str) or len(v) > MAX_FIELD:
            raise Bad("answers: expected {\"row,column\": text} with at most "
                      f"{MAX_FIELD:,} characters a cell")
        filled[(int(m.group(1)), int(m.group(2)))] = v
    res = api.mark_quiz(q, filled, net, input_of(d), bias)
    return {"result": C.to_dict(res)}


def compare(d: dict, state) -> dict:
    """The compare table, and the accuracy-against-MACs chart (an SVG drawn by matplotlib in
    the app's temporary folder, where matplotlib is installed)."""
    from ..analysis import compare as CMP
    from ..render import compare as compare_table

    names = d.get("networks")
    if not isinstance(names, list) or not names or len(names) > MAX_COMPARE:
        raise Bad(f"networks: choose 1 to {MAX_COMPARE} networks")
    nets = [api.load(network_name({"network": n})) for n in names]
    dtype = text(d, "dtype") or "fp32"
    units = text(d, "units") or "exact"
    api.options(dtype=dtype, units=units)              # the CLI's checks and messages
    sort = text(d, "sort") or None
    if sort is not None and sort not in CMP.SORT_KEYS:
        raise Bad(f"sort: expected one of {', '.join(CMP.SORT_KEYS)}")
    entries = CMP.ordered([CMP.entry(api.analysis_of(n), dtype) for n in nets], sort,
                          flag(d, "reverse"))
    out = {"html": compare_table.render(entries, "html", units), "chart": None, "skipped": []}
    try:
        from ..render import plot

        path = os.path.join(state.tmp, "accuracy.svg")
        drawn, out["skipped"] = plot.accuracy(entries, path)
        with open(path, encoding="utf-8") as f:
            svg = f.read()
        os.remove(path)
        out["chart"] = "data:image/svg+xml;base64," + base64.b64encode(
            svg.encode("utf-8")).decode("ascii")
    except ArchcalcError as e:
        out["chart_note"] = str(e)
    return out


def csv_text(d: dict, state) -> dict:
    """The compare table in a download format (csv, json, …)."""
    from ..analysis import compare as CMP

    names = d.get("networks")
    if not isinstance(names, list) or not names or len(names) > MAX_COMPARE:
        raise Bad(f"networks: choose 1 to {MAX_COMPARE} networks")
    fmt = text(d, "format") or "csv"
    from ..render import compare as compare_table
    from ..render.formats import FORMATS

    if fmt not in FORMATS:
        raise Bad(f"format: expected one of {', '.join(FORMATS)}")
    dtype = text(d, "dtype") or "fp32"
    units = text(d, "units") or "exact"
    api.options(dtype=dtype, units=units)
    entries = CMP.ordered([CMP.entry(api.analysis_of(api.load(network_name({"network": n}))),
                                     dtype) for n in names],
                          text(d, "sort") or None, flag(d, "reverse"))
    return {"text": compare_table.render(entries, fmt, units), "filename": f"compare.{fmt}"}


# --- files -----------------------------------------------------------------------------------

def _files() -> dict[str, tuple[bytes, str]]:
    """Every file a page may ask for, read once: the static folder and the table's assets."""
    out = {}
    for folder, prefix in ((STATIC, "/static/"), (ASSETS, "/assets/")):
        for name in sorted(os.listdir(folder)):
            ext = os.path.splitext(name)[1]
            if ext in TYPES:
                with open(os.path.join(folder, name), "rb") as f:
                    out[prefix + name] = (f.read(), TYPES[ext])
    out["/"] = out["/static/index.html"]
    return out


async def files(request: Request) -> Response:
    if request.url.path == "/favicon.ico":
        return Response(status_code=204)
    hit = request.app.state.files.get(request.url.path)
    if hit is None:
        return Response("not found", status_code=404, media_type="text/plain")
    data, kind = hit
    return Response(data, media_type=kind.split(";")[0],
                    headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                             "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})


async def not_found(request: Request, exc: HTTPException) -> Response:
    return JSONResponse({"error": f"{exc.status_code}: {exc.detail}"}, status_code=exc.status_code)


async def failed(request: Request, exc: Exception) -> Response:
    log.error("archcalc serve: %s failed: %s", request.url.path, type(exc).__name__)
    return JSONResponse({"error": "archcalc could not answer this request"}, status_code=500)


def create_app(remote: bool = False) -> Starlette:
    """The app; its temporary folder is made at start-up and removed at shutdown. Requests
    must name a loopback host (a page elsewhere cannot reach it through DNS rebinding), unless
    ``remote`` (``--allow-remote``)."""
    @asynccontextmanager
    async def lifespan(app):
        app.state.tmp = tempfile.mkdtemp(prefix="archcalc-serve-")
        try:
            yield
        finally:
            shutil.rmtree(app.state.tmp, ignore_errors=True)

    posts = {"catalogue": catalogue, "table": table, "render": render, "paper": paper_view,
             "check": check, "quiz": quiz, "quiz/mark": quiz_mark, "compare": compare,
             "compare/render": csv_text}
    routes = [Route(f"/api/{k}", endpoint(fn), methods=["POST"]) for k, fn in posts.items()]
    routes.append(Route("/api/gradebook", endpoint(gradebook, MAX_GRADEBOOK_BODY),
                        methods=["POST"]))
    hosts = ["*"] if remote else ["127.0.0.1", "localhost", "[::1]", "::1"]
    app = Starlette(routes=routes + [Route("/{path:path}", files, methods=["GET"])],
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
                    exception_handlers={HTTPException: not_found, Exception: failed},
                    lifespan=lifespan)
    app.state.files = _files()
    app.state.networks = _networks()
    app.state.choices = _choices()
    return app
