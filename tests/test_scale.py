"""Scale: large networks render the same text by the fast path, and the engine's work is one rule
application per layer (time itself is measured by bench/scale.py, never asserted here)."""

from __future__ import annotations

import pytest
from tabulate import tabulate

import archcalc
from archcalc.core import engine, kinds as layers, spec
from archcalc.render import report, table as T


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "googlenet", "inception-v3", "xception",
                                  "resnet20", "densenet-bc-100", "se-resnet50"])
def test_simple_and_markdown_tables_are_tabulates_formats(name):
    a = archcalc.analyse(name)
    for opt in (report.Options(), report.Options(bias=False, aux=True, units="si")):
        t = report.table(a, opt)
        body, totals = ([[T.show(c, v, t.units, t.kilo) for c, v in zip(t.columns, r)]
                         for r in rows] for rows in (T.resolve(t.rows), T.resolve(t.totals)))
        headers = [c.header for c in t.columns]
        align = [T.align(c) for c in t.columns]
        for fmt, ours in (("simple", T.simple_table(body + totals, headers, align)),
                          ("pipe", T.markdown_table(body + totals, headers, align)),
                          ("github", T.markdown_table(body + totals, headers, align, False))):
            expected = tabulate(body + totals, headers, tablefmt=fmt, disable_numparse=True,
                                colalign=align)
            assert ours == expected, fmt


def test_engine_works_out_a_repeated_layer_once(monkeypatch):
    calls, per_n = [], []
    for kind, rule in layers.RULES.items():
        original = rule.apply
        monkeypatch.setattr(rule, "apply", lambda ins, a, _f=original: calls.append(1) or _f(ins, a))
    for name, n in (("resnet20", 3), ("resnet110", 18), ("resnet1202", 200)):
        net = spec.load(name)
        calls.clear()
        rows = engine.rows(net, net.input)
        # He et al. 2015, Sec. 4.2: 6n + 2 weighted layers; a rule is applied at most once per
        # layer, and once for all the repeats of a layer with the same inputs: the work does
        # not grow with n.
        assert len(rows) == len(net.nodes)
        assert sum(1 for r in rows if r.counts.macs) == 6 * n + 2
        per_n.append(len(calls))
    assert per_n[0] == per_n[1] == per_n[2] < len(spec.load("resnet20").nodes), per_n


# --- a million layers: what repeats is worked out once, and the output is the same ----------------

import json  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from archcalc.analysis import rollup, receptive  # noqa: E402
from archcalc.core.records import Analysis  # noqa: E402

PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=12)
# keys and strings with escapes, quotes, control characters, surrogates' neighbours and emoji
KEYS = st.text(alphabet=st.sampled_from(['"', "\\", "\n", "\x00", "\x1f", "é", "€", "\u2028",
                                         "😀", "a", "/"]), max_size=6)


@given(st.lists(st.tuples(st.dictionaries(KEYS, PLAIN, max_size=3), st.booleans()),
                max_size=4), st.integers(0, 3))
@settings(max_examples=300, deadline=None)
def test_a_joined_object_is_json_dumps_of_its_parts_merged(parts, level):
    merged, seen = {}, set()
    joined = []
    for d, shared in parts:
        d = {k: v for k, v in d.items() if k not in seen}
        seen |= set(d)
        merged.update(d)
        joined.append(T.Shared(d) if shared else d)
    joined = T.Joined(joined)
    nl = "\n" + "  " * level
    expected = json.dumps(merged, indent=2, ensure_ascii=False).replace("\n", nl)
    assert T.dumps(joined, nl) == expected
    assert T.dumps(joined, nl) == expected          # a Shared's cached text, the second time
    assert T.dumps([joined, joined], nl) == json.dumps(
        [merged, merged], indent=2, ensure_ascii=False).replace("\n", nl)
    assert T.materialize(joined) == merged


@given(st.lists(st.integers(), min_size=4, max_size=4), st.text(), st.text(), st.text(),
       st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_a_filled_pattern_is_json_dumps_of_its_entries(ints, name, kind, inp, level):
    # a Pattern's %-template, filled, writes what json.dumps writes for the same entries (a '%'
    # in a key is not taken for a hole)
    ints_part = T.Filled((T.Pattern({"a%d": {"x": T.HOLE, "y": [T.HOLE, 1]},
                                     "b": {"z": T.HOLE, "w": T.HOLE}}), tuple(ints)))
    texts_part = T.Filled((T.Pattern({"name": T.TEXT_HOLE, "kind": T.TEXT_HOLE,
                                      "inputs": [T.TEXT_HOLE]}), (name, kind, inp)))
    merged = {"name": name, "kind": kind, "inputs": [inp],
              "a%d": {"x": ints[0], "y": [ints[1], 1]}, "b": {"z": ints[2], "w": ints[3]}}
    mixed_part = T.Filled((T.Pattern({"m": [T.HOLE, T.TEXT_HOLE, T.HOLE]}), (ints[0], kind, 7)))
    merged["m"] = [ints[0], kind, 7]
    nl = "\n" + "  " * level
    joined = T.Joined((texts_part, ints_part, mixed_part))
    assert T.dumps(joined, nl) == json.dumps(merged, indent=2, ensure_ascii=False).replace(
        "\n", nl)
    assert T.materialize(joined) == merged
    # a Filled on its own is an object (a collapsed group of a rollup's tree: its name a hole);
    # a spec's string that is the holes' character is written as itself
    group = {"name": name, "kind": "block", "block": "\x01", "via": ["\x00", kind],
             "layers": ints[0], "aux": False}
    alone = T.Filled((T.Pattern({**group, "name": T.TEXT_HOLE}), (name,)))
    assert T.dumps([alone, alone], nl) == json.dumps(
        [group, group], indent=2, ensure_ascii=False).replace("\n", nl)
    assert T.materialize(alone) == group


def _direct(a, opt, cols):
    ctx = report.Context(a, opt)
    return [[c.value(r, ctx) for c in cols] for r in a.rows]


@pytest.mark.parametrize("name", ["resnet110", "inception-v3", "densenet121", "googlenet"])
def test_values_worked_out_once_per_repeat_are_each_rows_own(name, monkeypatch):
    # Rows that share a key share their values; a tiny cache (cleared often) must not change
    # them either. Compared with each column's value computed row by row.
    a = archcalc.analyse(name)
    opt = report.Options(memory=True, rf=True, aux=True, count=("bn", "act"), training=True)
    cols = [report.COLUMNS[k] for k in report.column_keys(a, opt)]
    expected = _direct(a, opt, cols)
    for size in (4096, 3):
        monkeypatch.setattr(report, "SHARED_CACHE", size)
        rows = report._Rows(a, opt, cols)
        assert [v for _, v in rows] == expected
        assert [v for _, v in rows] == expected      # read twice, the totals summed anew
        assert rows.totals()[0][cols.index(report.COLUMNS["macs"])] == a.totals.macs
        # every total line is the sum of its rows, column by column (the rows sum once per
        # group of shared values, times its rows)
        summed = [j for j, c in enumerate(cols) if c.totalled]
        lines = rows.totals()
        assert [lines[0][j] for j in summed] == [
            sum(v[j] for v, r in zip(expected, a.rows) if not r.aux) for j in summed]
        if a.has_aux:
            assert [lines[1][j] for j in summed] == [sum(v[j] for v in expected)
                                                      for j in summed]


@pytest.mark.parametrize("name", ["resnet110", "inception-v3", "googlenet"])
def test_json_layers_with_shared_parts_are_each_layers_own(name, monkeypatch):
    a = archcalc.analyse(name)
    opt = report.Options(aux=True)
    whole = json.loads(report.render(a, "json", opt))
    monkeypatch.setattr(report, "SHARED_CACHE", 2)
    assert json.loads(report.render(a, "json", opt)) == whole
    fields = receptive.fields(a)
    for r, d in zip(a.rows, whole["layers"]):
        assert (d["name"], d["kind"], d["macs"], d["output"]) == (
            r.name, r.kind, r.counts.macs, r.output.as_list())
        assert d["receptive_field"] == report._rf_dict(fields[r.name], len(r.inputs) > 1)
    assert whole["totals"]["macs"] == a.totals.macs
    if a.has_aux:
        assert whole["totals_with_aux"]["params"] == a.totals_with_aux.params


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "latex", "html"])
def test_rows_read_twice_give_the_text_of_rows_read_once(fmt):
    a = archcalc.analyse("inception-v3")
    for opt in (report.Options(aux=True, rf=True), report.Options(by="block")):
        t = report.table(a, opt)
        once = T.Table(t.columns, list(T.resolve(t.rows)), t.totals, t.title, t.head, t.foot,
                       t.units, t.kilo)
        for width in (None, 60):
            assert T.render(report.table(a, opt), fmt, width) == T.render(once, fmt, width)


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_rows_kept_compressed_give_the_text_of_rows_kept_as_lists(fmt, monkeypatch):
    # A text table keeps its rows' cells from its one reading of them: past BLOCK rows, packed
    # and compressed in blocks (render.table.Kept). Tiny blocks must not change a character,
    # in a table cut into parts, with wrapped cells, or with a name no codec likes.
    a = archcalc.analyse("inception-v3")
    odd = T.Table([T.Column("name", "name"), T.Column("n", "n", "count")],
                  [["\ud800 é×", 1], ["a b c d e f g h", 22], ["", None], ["x", 3]],
                  [["total", 26]])
    tables = [lambda: report.table(a, report.Options(aux=True, rf=True, memory=True)),
              lambda: report.table(a, report.Options(by="block")), lambda: odd]
    expected = [T.render(t(), fmt, width) for t in tables for width in (None, 60, 14)]
    for block in (1, 3, 7):
        monkeypatch.setattr(T, "BLOCK", block)
        assert [T.render(t(), fmt, width) for t in tables for width in (None, 60, 14)] == expected
    monkeypatch.setattr(T, "BLOCK", 2)     # a block of rows of two lengths: kept as lists
    kept = T.Kept()
    for r in (["a", "b"], ["c"], ["d", "e"], ["f", "g"]):
        kept.append(r)
    assert [list(r) for r in kept] == [list(r) for r in kept] == [["a", "b"], ["c"], ["d", "e"],
                                                                 ["f", "g"]]


@pytest.mark.parametrize("name", ["googlenet", "resnet1202", "densenet121"])
def test_a_rollups_shared_parts_are_each_groups_own(name, monkeypatch):
    # The JSON tree writes a collapsed group's entries (but its name) once for the groups that
    # share them, and the subtotals sum each row's values found once per shared_key: a tiny
    # cache must not change them, and each group's entries are its own rows' sums.
    a = archcalc.analyse(name)
    for opt in (report.Options(by="block"), report.Options(depth=2, training=True),
                report.Options(by="stage")):
        whole = json.loads(report.render(a, "json", opt))
        monkeypatch.setattr(report, "SHARED_CACHE", 2)
        assert json.loads(report.render(a, "json", opt)) == whole
        monkeypatch.undo()
        top = rollup.tree(a)
        shown = {id(line.node): line.collapsed
                 for line in rollup.lines(top, depth=opt.depth, by=opt.by)}
        by_name = {r.name: r for r in a.rows}

        def walk(nodes, groups, depth=1):
            assert len(nodes) == len(groups)
            for n, d in zip(nodes, groups):
                if not isinstance(n, rollup.Group):         # a layer: its row
                    assert d == {"layer": n.name, "depth": depth}
                    continue
                rows = list(n.layers())
                assert d["name"] == n.name and d["layers"] == len(rows) and d["depth"] == depth
                assert d["macs"] == sum(by_name[r.name].counts.macs for r in rows)
                assert d["flops"] == 2 * d["macs"]
                assert d["collapsed"] == shown.get(id(n), False)
                if not d["collapsed"]:
                    walk(n.children, d["children"], depth + 1)

        walk(top, whole["rollup"]["tree"])


@pytest.mark.parametrize("name", ["googlenet", "resnet110"])
def test_the_footers_memory_from_the_tables_sums_is_the_rows_own(name):
    # The footer's memory lines take the activations the table summed as its rows went by
    # (a million rows are not read again): the same lines as summed from the rows.
    a = archcalc.analyse(name)
    for aux in (False, True):
        opt = report.Options(memory=True, aux=aux)
        cols = report.human_columns(a, opt)
        rows = report._Rows(a, opt, cols)
        assert rows.column_sums("activations") == (None, None)       # not read yet
        for _ in rows:
            pass
        sums = rows.column_sums("activations")
        assert sums[0] is not None and (sums[1] is not None or a.has_aux and not aux)
        assert report.memory_lines(a, opt, sums) == report.memory_lines(a, opt)


def test_a_rollups_csv_reads_whether_there_are_auxiliary_heads_once(monkeypatch):
    # Read once per line, this property (which reads every row) made `--by block --format csv`
    # of 100,000 layers take minutes.
    reads = []
    prop = Analysis.has_aux
    monkeypatch.setattr(Analysis, "has_aux", property(lambda a: reads.append(1) or prop.fget(a)))
    a = archcalc.analyse("resnet1202")
    report.render(a, "csv", report.Options(by="block"))
    assert len(reads) < 10, len(reads)


def test_a_tree_of_streams_is_written_as_json_dumps_of_it():
    # The rollup's tree is written node by node: a Stream's items may hold Streams themselves.
    def node(depth):
        d = {"name": f"n{depth}", "é\n": [depth]}
        if depth:
            d["children"] = T.Stream(node(depth - 1) for _ in range(2))
        return d

    def doc():        # its streams are generators, read once
        return {"tree": T.Stream(node(2) for _ in range(2)), "k": T.Lazy(lambda: {"x": 1})}

    plain = T.materialize(doc())
    assert plain["tree"][0]["children"][1]["children"][0]["name"] == "n0"
    assert "".join(T.json_chunks(doc())) == json.dumps(plain, indent=2,
                                                       ensure_ascii=False) + "\n"
