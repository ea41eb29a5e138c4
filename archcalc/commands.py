"""Each command as a plain function: the values a face was given in, text (or a verdict) out.

``archcalc.cli`` declares the commands and shows what these return; the web app calls the same
functions. Every value is checked by ``archcalc.options``, whatever face it came from: bad input
raises ``ArchcalcError`` with the message to show. Nothing is printed here, except by ``verify``,
which reports each network as it finishes.

Light at import, like ``options``: each function imports what it uses.
"""

from __future__ import annotations

from . import options as O
from .core.errors import ArchcalcError, suggest


def _width(width):
    """The text format's width (None: every column, every line whole)."""
    return None if width is None else O.whole("width", width)


def networks_list(format="text", width=None) -> str:
    """``archcalc list``: every bundled network, its description and its source (the text
    fitted to ``width``, as every table command's)."""
    from .core import spec
    from .render import report

    fmt = O.choice("--format", format)
    width = _width(width)
    infos = [i for sf in spec.catalogue().values() for i in sf.infos()]
    seen = set()
    unique = [i for i in infos if not (i.name in seen or seen.add(i.name))]
    return report.render_list(unique, fmt, width)


def table(network, input=None, sets=None, *, format="text", standalone=False, strict=False,
          layout="layers", skip_unknown=False, pieces=False, width=None, **counting):
    """``archcalc table``: the layer table (or, with ``layout="paper"``, the paper's own table)
    of ``network`` in ``format`` (``standalone``: html as one self-contained page whose cells
    show their working; ``skip_unknown``: a model's operations archcalc cannot count kept as
    rows that say so); ``counting``: the options of ``options.table``; ``width``: the text
    format fitted into that many columns (None: every column). With ``pieces`` the
    layer table comes as an iterator of strings, written row by row as it is computed (the
    CLI's way to print a table of 100,000 layers without holding it whole)."""
    layout = O.choice("--layout", layout)
    fmt = O.choice("--format", format)
    O.flag("--standalone", standalone)
    O.flag("--strict", strict)
    O.flag("--skip-unknown", skip_unknown)
    width = _width(width)
    opt = O.table(**counting)
    if opt.depth is not None or opt.by is not None:
        if standalone:
            raise ArchcalcError("--standalone: each cell's working is shown per layer; leave "
                                "out --depth and --by")
        if layout == "paper":
            raise ArchcalcError("--layout paper: the paper's own rows; --depth and --by roll "
                                "up the layer table (--layout layers)")
    if standalone and (fmt != "html" or layout != "layers"):
        raise ArchcalcError("--standalone: a self-contained page is made with --format html "
                            "(and the layer table's layout)")
    a = O.analysis(network, input, sets, skip_unknown=skip_unknown)
    if strict and a.refused:
        raise ArchcalcError("--strict: layers that leave input pixels out or flatten "
                            "implicitly:\n  "
                            + "\n  ".join(f"{name}: {n.text}" for name, n in a.refused))
    if layout == "paper":
        from .render import paper

        return paper.render(a, fmt, width)
    from .core.progress import step
    from .render import report

    step(f"writing {a.network}'s table ({len(a.rows):,} rows, {fmt})")
    if standalone:
        from .homework.explain import table_cells

        return report.html_document(a, opt, table_cells(a.rows, opt.bias, opt.count))
    return (report.chunks if pieces else report.render)(a, fmt, opt, width)


def import_spec(source, input=None, name=None, command="", skip_unknown=False) -> str:
    """``archcalc import``: the spec text (TOML) for the model ``source`` (torchvision:NAME,
    timm:NAME, PATH.py:CALLABLE, MODEL.onnx, MODEL.keras, config.json, MODEL.prototxt) at
    ``input`` (``None``: the size the source records); ``command``: the command line, for the
    header; ``skip_unknown``: keep operations archcalc cannot count as rows that say so."""
    from . import __version__
    from .importers import import_text

    if not isinstance(source, str):
        raise ArchcalcError(f"expected a model source, found {O.shown(source)}")
    if name is not None and not isinstance(name, str):
        raise ArchcalcError(f"--name: expected a name, found {O.shown(name)}")
    O.flag("--skip-unknown", skip_unknown)
    return import_text(source, O.import_inputs(input), name,
                       command=command, tool=f"archcalc {__version__}",
                       skip_unknown=skip_unknown)


def explain(network, layers=(), input=None, sets=None, bias=True) -> str:
    """``archcalc explain``: the working of every cell of ``network``'s layers (or of the
    ``layers`` named: case, spaces and punctuation ignored)."""
    from .core.names import Index
    from .homework import explain as E

    wanted = O.names("LAYERS", layers) if isinstance(layers, str) else list(layers)
    O.flag("bias", bias)
    a = O.analysis(network, input, sets)
    rows = list(a.rows)
    if not rows and not wanted:
        from .core.printable import printable

        return (f"{printable(a.network)}: no layers to explain (its layers list is empty, or every "
                "layer's condition is false)\n")
    if wanted:
        index = Index(r.name for r in rows)
        by_name = {r.name: r for r in rows}
        picked = []
        for name in wanted:
            hit = index.find(name) if isinstance(name, str) else None
            if hit is None:
                raise ArchcalcError(f"{a.network} has no layer {O.shown(name)}"
                                    f"{suggest(name, by_name)}; `archcalc table {network}` "
                                    "lists them")
            picked.append(by_name[hit])
        rows = picked
    return E.render(rows, bias=bias)


def quiz(network, blank="W,H,C,params,macs", seed=None, fraction=None, answers=False,
         example=0, format="text", bias=True, input=None, sets=None, width=None) -> str:
    """``archcalc quiz``: an exercise table with the ``blank`` columns' cells left blank (a
    ``fraction`` of them, chosen by ``seed``), or with ``answers`` its key."""
    from .homework import quiz as Q

    picked = O.quiz_columns(blank)
    seed = None if seed is None else O.whole("--seed", seed, -2 ** 63, 2 ** 63 - 1)
    fraction = None if fraction is None else O.fraction("--fraction", fraction)
    example = O.whole("--example", example, 0)
    fmt = O.choice("--format", format)
    width = _width(width)
    O.flag("--answers", answers)
    O.flag("bias", bias)
    a = O.analysis(network, input, sets)
    q = Q.build(a, picked, seed, fraction, bias=bias, example=example)
    return Q.render(q, fmt, answers, width)


def check(network, answers, *, format="text", by_order=False, columns=(), bias=None,
          flops=None, k=None, floor=None, table=None, input=None, sets=None,
          stdin=None, gradebook=None, force=False, dtype=None, width=None) -> tuple[str, int]:
    """``archcalc check``: mark the table in the file ``answers`` (``-``: ``stdin``; several
    paths: each in turn) against ``network``; (the verdict in ``format``, the exit status:
    0 all right, 1 some wrong or nothing answered). One file's marking is a table in any format
    (text fitted to ``width``); several files', or a ``gradebook`` run's, are text or JSON. With
    ``gradebook`` (a CSV path) every submission is a row of it, an unreadable one a row saying
    why; each submission's marking is the step a status line names (``core.progress``)."""
    import json

    from . import api
    from .homework import answers as A
    from .homework import check as C

    fmt = O.choice("--format", format)
    width = _width(width)
    O.flag("--by-order", by_order)
    O.flag("--force", force)
    cols = O.column_mapping(columns)
    for option, value in (("--bias", bias), ("--flops", flops), ("--floor", floor)):
        if value is not None:
            O.flag(option, value)
    k_base = None if k is None else O.kilo(k, "--k")
    which = None if table is None else O.whole("--table", table)
    bpv = O.bytes_per_value(dtype)
    net = O.network(network, None, sets)      # at the spec's input: a diagnosis compares
    O.at_input(net, input)                    # with it; the rows are at --input
    paths = [answers] if isinstance(answers, str) else list(answers or ())
    if not paths or not all(isinstance(p, str) for p in paths):
        raise ArchcalcError(f"expected the answers file's path (or - for standard input), "
                            f"found {O.shown(answers)}")

    def mark(path: str, _=None):
        text, source = A.read_text(path, stdin)
        return api.check_answers(text, net, input, source=source, columns=cols,
                                 by_order=by_order, bias=bias, flops=flops, k_base=k_base,
                                 rounding=None if floor is None else
                                 ("floor" if floor else "ceil"),
                                 table=which, family=not O.sets(sets), bytes_per_value=bpv)

    if gradebook is None and len(paths) == 1:
        res = mark(paths[0])
        return C.render(res, fmt, width), res.exit_code
    if fmt not in ("text", "json"):
        raise ArchcalcError(f"--format {fmt} marks one answers file; several files, or "
                            f"--gradebook, are shown as text or json")
    from .core import files
    from .homework.check import gradebook as G

    def out_error(e: ArchcalcError) -> ArchcalcError:
        return ArchcalcError(str(e).replace("--out", "--gradebook"))

    if gradebook is not None:
        gradebook = O.gradebook(gradebook)
        try:
            files.check_target(gradebook, force)
        except ArchcalcError as e:
            raise out_error(e) from None
    from .core.printable import printable
    from .core.progress import step

    def each():
        for i, path in enumerate(paths, 1):
            step(f"marking {printable(path)} ({i:,} of {len(paths):,})")
            yield path, None

    entries = G.mark_all(each(), mark)
    if gradebook is not None:
        try:
            files.write_text(gradebook, G.to_csv(entries), force)
        except ArchcalcError as e:
            raise out_error(e) from None
    code = 1 if any(e.failed for e in entries) else 0
    if fmt == "json":
        return json.dumps([C.to_dict(e.marking) if e.marking else
                           {"answers": e.name, "error": e.error} for e in entries],
                          indent=2, ensure_ascii=False) + "\n", code
    if gradebook is not None:
        return ("\n".join(G.summary(e) for e in entries)
                + f"\ngradebook: {gradebook} ({len(entries)} submission"
                  f"{'' if len(entries) == 1 else 's'})\n"), code
    return "\n".join(C.render_text(e.marking) if e.marking else
                     f"{e.name}: not marked — {e.error}\n" for e in entries), code


def compare(networks, sort=None, reverse=False, format="text", units="exact", kilo=1000,
            dtype="fp32", width=None) -> str:
    """``archcalc compare``: ``networks`` side by side, optionally sorted by a column."""
    from .analysis import compare as CP

    fmt = O.choice("--format", format)
    sort = None if sort is None else O.choice("--sort", sort)
    O.flag("--reverse", reverse)
    units, k, dtype = O.choice("--units", units), O.kilo(kilo), O.choice("--dtype", dtype)
    width = _width(width)
    names = [networks] if isinstance(networks, str) else list(networks)
    entries = CP.ordered([CP.entry(O.analysis(n), dtype) for n in names], sort, reverse)
    from .core.progress import step
    from .render import compare as table

    step(f"writing the comparison of {len(entries)} networks")
    return table.render(entries, fmt, units, k, width)


def graph(network, input=None, sets=None, format="dot") -> str:
    """``archcalc graph``: ``network`` as Graphviz DOT, or drawn as SVG by Graphviz's dot."""
    from .render import graph as G

    fmt = O.choice("--format", format, among="graph --format")
    dot = G.to_dot(O.analysis(network, input, sets))
    return G.to_svg(dot) if fmt == "svg" else dot


def plot(networks, out: str, compare=False, input=None, force=False) -> list[str]:
    """``archcalc plot``: draw ``networks`` (one, or several with ``compare``) into the
    picture file ``out`` (an existing one only with ``force``), whole or not at all
    (``core.files``); what to tell the user (the lines the CLI writes to standard error)."""
    from .render import plot as P

    P.fmt_of(out)
    O.flag("--compare", compare)
    O.flag("--force", force)
    names = [networks] if isinstance(networks, str) else list(networks)
    if not compare and len(names) > 1:
        raise ArchcalcError("plot draws one network; add --compare to chart several")
    try:
        if compare:
            from .analysis import compare as CP

            entries = [CP.entry(O.analysis(n, input)) for n in names]
            drawn, skipped = P.accuracy(entries, out, force)
            return (["no published top-1 accuracy, left out: " + ", ".join(skipped)]
                    if skipped else [])
        n = P.layers(O.analysis(names[0], input), out, force)
        return [f"{n} weighted layers"]
    except OSError as e:
        raise ArchcalcError(f"--out: cannot write {out} ({e.strerror})") from None


def verify(networks=(), all=False, device="cpu", batch=1, rows=None, input=None,
           sets=None, width=None) -> int:
    """``archcalc verify``: build each network as torch modules and compare every row with
    torch's counts; prints a report per network (text fitted to ``width``); the exit status (0
    all agree, 1 not)."""
    width = _width(width)
    names = [networks] if isinstance(networks, str) else list(networks)
    O.flag("--all", all)
    if all == bool(names):
        raise ArchcalcError("verify: give network names or --all (not both)" if all else
                            "verify: give one or more network names, or --all for every network")
    device = O.choice("--device", device)
    batch = O.whole("--batch", batch)
    rows = O.choice("--rows", rows) if rows is not None else ("failures" if all else "all")
    from .verify import run

    overrides = O.sets(sets)
    nets = [O.network(n, input, sets) for n in (run.zoo() if all else names)]  # all checked first
    changed = " ".join(f"--set {k}={v}" for k, v in overrides.items())
    return run.run(nets, device, batch, rows, changed, width)


def serve(host="127.0.0.1", port=8000, open=False, allow_remote=False, echo=print) -> None:
    """``archcalc serve``: run the web app on ``host``:``port`` until stopped (only loopback
    unless ``allow_remote``); ``echo`` tells the user what it does."""
    from . import web

    port = O.whole("--port", port, 0, 65535)
    O.flag("--open", open)
    O.flag("--allow-remote", allow_remote)
    if host not in web.LOOPBACK and not allow_remote:
        raise ArchcalcError(f"--host {host}: only loopback (127.0.0.1, localhost, ::1) unless "
                            "--allow-remote is given as well")
    why = web.missing()
    if why:
        raise ArchcalcError(why)
    if host not in web.LOOPBACK:
        echo(f"archcalc serve: warning: listening on {host}: any machine that reaches this "
             "address can use the app (it has no login)")
    web.serve(host, port, open, echo=echo)
