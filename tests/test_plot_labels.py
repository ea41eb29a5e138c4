"""The plots are readable (issue 15): their axes are labelled with plain numbers (no
``2×10⁰``), no two labels overlap — measured on the rendered figure with matplotlib's
get_window_extent — and the accuracy chart never puts figures measured on different data or
with different protocols (1 crop, 10 crops, dense) on one axis."""

from __future__ import annotations

import itertools
import re

import pytest

import archcalc
from archcalc.analysis import compare
from archcalc.core import spec

pytest.importorskip("matplotlib")

from matplotlib.text import Text  # noqa: E402

from archcalc.render import plot  # noqa: E402


def drawn_texts(fig):
    """Every piece of text the rendered figure shows: titles, axis labels, the tick labels
    inside the axes' range, annotations, legend entries."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = [t for t in fig.texts if t.get_text()]
    for ax in fig.axes:
        out += [t for t in (ax.title, ax.xaxis.label, ax.yaxis.label) if t.get_text()]
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                label = tick.label1
                if label.get_visible() and label.get_text() and lo <= tick.get_loc() <= hi:
                    out.append(label)
        out += [t for t in ax.texts if t.get_text()]
        legend = ax.get_legend()
        if legend:
            out += [t for t in legend.get_texts() if t.get_text()]
    # the text's own box (an annotation's get_window_extent adds its leader line)
    return [(t.get_text(), Text.get_window_extent(t, renderer)) for t in out]


def overlapping(texts):
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(texts, 2)
            if ba.x0 < bb.x1 and bb.x0 < ba.x1 and ba.y0 < bb.y1 and bb.y0 < ba.y1]


def test_the_accuracy_chart_of_the_whole_zoo_has_no_overlapping_label(tmp_path):
    entries = [compare.entry(archcalc.analyse(n)) for n in spec.catalogue()]
    fig, drawn, skipped = plot.accuracy_figure(entries)
    texts = drawn_texts(fig)
    assert overlapping(texts) == []
    assert not [t for t, _ in texts if re.search(r"×\s*10|\$", t)]       # no 2×10⁰
    names = {t.split("\n")[0] for t, _ in texts}
    assert set(drawn) <= names
    # one panel per dataset and protocol, titled with it
    conventions = {e.a.accuracy.convention for e in entries if e.a.network in drawn}
    assert {ax.get_title() for ax in fig.axes} == conventions
    assert {"ImageNet val, 1 crop", "ImageNet val, 10 crops"} <= conventions
    for ax in fig.axes:
        members = {t.get_text().split("\n")[0] for t in ax.texts}
        assert {archcalc.analyse(n).accuracy.convention for n in members} == {ax.get_title()}
    out = tmp_path / "zoo.png"
    plot.accuracy(entries, str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_issue_s_mixed_compare_is_split_by_protocol():
    # resnet18 (torchvision, 1 crop), resnet50 (the paper, 10 crops), vgg16 (the paper, dense)
    entries = [compare.entry(archcalc.analyse(n)) for n in ("resnet18", "resnet50", "vgg16")]
    fig, drawn, _ = plot.accuracy_figure(entries)
    assert sorted(ax.get_title() for ax in fig.axes) == [
        "ImageNet val, 1 crop", "ImageNet val, 10 crops", "ImageNet val, dense, 1 scale"]
    assert overlapping(drawn_texts(fig)) == []


@pytest.mark.parametrize("name", ["vgg16", "resnet152", "densenet121"])
def test_the_layer_chart_has_no_overlapping_label(name):
    fig = plot.layers_figure(archcalc.analyse(name))
    texts = drawn_texts(fig)
    assert overlapping(texts) == []
    assert not [t for t, _ in texts if re.search(r"×\s*10|\$", t)]       # no 10⁶ in mathtext


def test_a_chart_too_dense_to_name_every_layer_names_every_nth():
    fig = plot.layers_figure(archcalc.analyse("resnet1202"))
    texts = drawn_texts(fig)
    assert overlapping(texts) == []
    title = fig.axes[0].get_title()
    step = int(re.search(r"every (\d+)(st|nd|rd|th) named", title).group(1))
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    names = plot.layer_series(archcalc.analyse("resnet1202"))[0]
    assert step > 1 and ticks == names[::step]


def test_ordinals():
    assert [plot.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd", "111th"]


def test_tick_labels_are_plain_numbers():
    assert [plot._tick_text(v, False) for v in (0.5, 1, 2, 20, 2000)] == [
        "0.5", "1", "2", "20", "2,000"]
    assert [plot._tick_text(v, True) for v in (500, 2000, 5e7, 1e9, 2e12)] == [
        "500", "2 k", "50 M", "1 G", "2 T"]
