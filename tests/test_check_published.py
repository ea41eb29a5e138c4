"""`archcalc check` on tables people really published: course notes, lecture slides, textbooks'
printed outputs and tools' summaries, each transcribed as printed (mistakes, decorations and
odd notations kept) in tests/data/published/ with its source named here. Each test states
exactly which cells are right, right to the figures written ("rounded"), wrong, missing or
not read, how the rows were aligned, and each diagnosis.

Networks the zoo does not hold (the course's own small models) are spec files beside the
tables, written from the source's own code or description.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from archcalc.cli import main

DATA = Path(__file__).parent / "data"
PUB = DATA / "published"


def mark(network, answers, *options):
    r = CliRunner().invoke(main, ["check", str(network), str(answers), "--format", "json",
                                  *options])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.output)


def verdicts(d) -> dict[str, list[tuple[str, str]]]:
    """verdict ("right", "rounded", …) → [(row, column)] in table order."""
    out: dict[str, list] = {}
    for c in d["cells"]:
        v = "rounded" if c["rounded"] else c["verdict"]
        out.setdefault(v, []).append((c["row"], c["column"]))
    return out


def aligned(d) -> list[tuple[str, str | None, str]]:
    return [(r["row"], r["layer"], r["how"]) for r in d["rows"]]


def test_cs231n_vgg16_listing():
    """CS231n notes, "Convolutional Neural Networks: Architectures", section "VGGNet in
    detail" (cs231n/cs231n.github.io, convolutional-networks.md): VGG-16 layer by layer with
    its memory and weights, as the notes print it. Labels are kind words (CONV3-64 five times
    over, POOL2 five times, FC three times), memory is rounded (800K for 802,816), weights leave
    out the biases, and the TOTAL memory line is prose."""
    code, d = mark("vgg16", PUB / "cs231n-vgg16.txt")
    assert code == 0
    v = verdicts(d)
    assert len(v["right"]) == 22 + 22 + 3 and len(v["rounded"]) == 20  # FC memory exact
    assert [c for c, col in v["rounded"] if col == "memory"][:4] == [
        "INPUT", "CONV3-64", "CONV3-64", "POOL2"]
    assert ("TOTAL", "weights") in v["rounded"]              # "138M parameters"
    assert v["unread"] == [("TOTAL", "memory")]               # "24M * 4 bytes ~= 93MB / image"
    assert "wrong" not in v and "missing" not in v
    assert d["convention"]["bias"] is False
    rows = aligned(d)
    assert rows[0] == ("INPUT", None, "input")
    assert [layer for _, layer, _ in rows[1:4]] == ["conv1_1/conv", "conv1_2/conv", "pool1"]
    assert [layer for name, layer, _ in rows if name == "POOL2"] == [
        "pool1", "pool2", "pool3", "pool4", "pool5"]
    assert [layer for name, layer, _ in rows if name == "FC"] == ["fc6", "fc7", "fc8"]
    assert {how for name, _, how in rows if name not in ("INPUT", "TOTAL")} == {"kind"}
    assert d["layers_without_row"] == []


def test_cs231n_alexnet_listing():
    """CS231n 2017, Lecture 9 "CNN Architectures", AlexNet case study: "Full (simplified)
    AlexNet architecture", shape first ("[55x55x96] CONV1: 96 11x11 filters at stride 4, pad
    0"). It normalizes after each pool, as Caffe's reference model does; the paper (and the
    zoo's alexnet) normalizes before pooling, so NORM1 and NORM2 carry the next pool's size."""
    code, d = mark("alexnet", PUB / "cs231n-alexnet.txt")
    assert code == 1
    v = verdicts(d)
    assert v["wrong"] == [("NORM1", "output"), ("NORM2", "output")]
    assert len(v["right"]) == 12 and set(v) == {"right", "wrong"}
    norm1 = next(c for c in d["cells"] if c["row"] == "NORM1")
    assert norm1["expected"] == "55×55×96" and norm1["diagnoses"] == ["order"]
    assert "the size after pool1" in norm1["diagnosis"]
    assert all(how in ("name", "input") for _, _, how in aligned(d))
    assert d["unmarked_columns"] == []          # the description column describes the layers


def test_ng_cnn_example_table():
    """deeplearning.ai, Convolutional Neural Networks (A. Ng), week 1 "CNN Example": the table
    of activation shapes, sizes and parameters of the LeNet-5-like network, as transcribed in
    a public study note of the course (Markdown), which fixed the slide's parameter counts
    (the slide's errors are discussed at forums.fast.ai/t/number-of-parameters-in-conv-layer/
    62595) but slipped on two: FC4 16164 (10,164) and Softmax 856 (850). The Softmax row
    carries the classifier's parameters; shapes are tuples, vectors written (120,1)."""
    code, d = mark(PUB / "ng-cnn-example.toml", PUB / "ng-cnn-example.md")
    assert code == 1
    v = verdicts(d)
    assert v["wrong"] == [("FC4", "# parameters"), ("Softmax", "# parameters")]
    assert len(v["right"]) == 22 and set(v) == {"right", "wrong"}
    for c in d["cells"]:
        if c["verdict"] == "wrong":
            assert c["diagnoses"] == ["digit"], c
    fc3 = next(c for c in d["cells"] if c["row"] == "FC3" and c["column"] == "# parameters")
    assert fc3["verdict"] == "right"                   # "(120,400)→(120*400)+120=48120"
    assert ("Softmax", "fc5", "classifier") in aligned(d)
    assert ("CONV1(f=5,s=1)", "conv1", "name") in aligned(d)
    assert d["convention"]["bias"] is True


def test_torchsummary_vgg16():
    """torchsummary's README (sksq96/pytorch-summary), example "VGG16": `summary(vgg, (3, 224,
    224))` as printed. Every module is a row (ReLU and Dropout included), labelled Type-N with
    a running count, shapes with torchsummary's -1 batch axis, and a Total params line."""
    code, d = mark("vgg16", PUB / "torchsummary-vgg16.txt")
    assert code == 0
    v = verdicts(d)
    assert set(v) == {"right"} and len(v["right"]) == 38 * 2 + 1
    rows = aligned(d)
    assert ("ReLU-2", "conv1_1/relu", "kind") in rows           # not vgg16's relu2
    assert ("Linear-32", "fc6", "kind") in rows and ("Linear-38", "fc8", "kind") in rows
    assert rows[-1] == ("Total", None, "total")
    assert d["convention"]["output_order"] == "CHW"


def test_torchsummary_mnist_skips_the_functional_pools():
    """torchsummary's README, example "CNN for MNIST": the pools are F.max_pool2d calls and the
    flatten a view, so the summary has no row for them; the alignment skips them."""
    code, d = mark(PUB / "torchsummary-mnist.toml", PUB / "torchsummary-mnist.txt")
    assert code == 0
    assert set(verdicts(d)) == {"right"} and len(d["cells"]) == 11
    assert [layer for _, layer, _ in aligned(d)] == ["conv1", "conv2", "dropout1", "fc1", "fc2",
                                                     None]
    assert d["layers_without_row"] == []


def test_tensorflow_cnn_tutorial_summary():
    """TensorFlow tutorial "Convolutional Neural Network (CNN)" (tensorflow.org/tutorials/
    images/cnn): `model.summary()` as TF 2.x prints it, with Keras' names wrapped onto a second
    line ("max_pooling2d (MaxPooling2D" then ")") and Keras' own numbering (dense, dense_1)."""
    code, d = mark(PUB / "tf-cnn-tutorial.toml", PUB / "tf-cnn-tutorial.txt")
    assert code == 0
    assert set(verdicts(d)) == {"right"} and len(d["cells"]) == 17
    rows = aligned(d)
    assert ("max_pooling2d_1 (MaxPooling2D)", "pool2", "kind") in rows
    assert ("dense_1 (Dense)", "fc2", "kind") in rows           # not fc1
    assert d["convention"]["output_order"] == "HWC"


def test_d2l_alexnet_listing():
    """Dive into Deep Learning, "Deep Convolutional Neural Networks (AlexNet)" (d2l-ai/d2l-en,
    chapter_convolutional-modern/alexnet.md, PyTorch): the printed output shape of every layer
    for a 1×224×224 input: 54×54 after conv1 (padding 1), 5×5×256 before flatten (6,400)."""
    code, d = mark(PUB / "d2l-alexnet.toml", PUB / "d2l-alexnet.txt")
    assert code == 0
    assert set(verdicts(d)) == {"right"} and len(d["cells"]) == 21
    assert [layer for name, layer, _ in aligned(d) if name == "Linear"] == ["fc6", "fc7", "fc8"]


def test_d2l_lenet_listing():
    """Dive into Deep Learning, "Convolutional Neural Networks (LeNet)" (d2l-ai/d2l-en,
    chapter_convolutional-neural-networks/lenet.md): every layer's output shape for a 28×28
    input, sigmoid rows listed."""
    code, d = mark(PUB / "d2l-lenet.toml", PUB / "d2l-lenet.txt")
    assert code == 0
    assert set(verdicts(d)) == {"right"} and len(d["cells"]) == 12
    assert [layer for name, layer, _ in aligned(d) if name == "Sigmoid"] == [
        "sigmoid1", "sigmoid2", "sigmoid3", "sigmoid4"]


def test_a_table_listed_from_the_output_back():
    """marload/LeNet-keras README: LeNet-5's layers from FC (softmax) at the top down to the
    input; "Feature Map" is "-" for the FC rows (their length is under "Size"), and the
    "Activation" column names the function."""
    code, d = mark("lenet5", PUB / "lenet-keras-readme.md")
    assert code == 0
    assert set(verdicts(d)) == {"right"} and len(d["cells"]) == 14
    assert [layer for _, layer, _ in aligned(d)][:3] == ["output", "F6", "C5"]
    assert any("from the output back to the input" in n for n in d["notes"])
    assert "Activation" not in d["unmarked_columns"]


def test_the_seed_notes_tables():
    """The seed document's AlexNet exercise (Korean study notes, "CNN Architectures", week 9):
    the blank template and the filled table, whose Conv3 and Conv5 products are slips."""
    code, d = mark("alexnet", DATA / "alexnet-seed-filled.tsv")
    assert code == 1
    assert verdicts(d)["wrong"] == [("Conv3", "# of Parameter"), ("Conv5", "# of Parameter")]
    # The blank template's one worked params cell counts weights only: one cell is not enough
    # to leave the default, so it is marked as forgetting the biases, unless the course says.
    code, d = mark("alexnet", DATA / "alexnet-seed-blank.tsv")
    assert code == 1 and verdicts(d)["wrong"] == [("Conv1", "# of Parameter")]
    code, d = mark("alexnet", DATA / "alexnet-seed-blank.tsv", "--no-bias")
    assert code == 0 and len(verdicts(d)["missing"]) == 24


def test_googlenet_table_1_pasted_from_the_paper():
    """Szegedy et al. 2014, "Going Deeper with Convolutions" (arXiv:1409.4842), Table 1 as
    printed (the project's transcription, specs/papers/googlenet-table1.toml, checked against
    two public transcriptions): marked against the paper view row for row. Its depth column is
    the number of layers, not channels; its five cells that disagree with the arithmetic are
    the paper view's five, each with the view's explanation, and six params cells are within
    the paper's rounding."""
    code, d = mark("googlenet", PUB / "googlenet-table1.md")
    assert code == 1
    v = verdicts(d)
    assert v["wrong"] == [("convolution", "params"), ("convolution", "ops"),
                          ("inception (4c)", "params"), ("inception (5a)", "params"),
                          ("inception (5a)", "ops")]
    assert [r for r, _ in v["rounded"]] == ["inception (3b)", "inception (4a)", "inception (4b)",
                                            "inception (4d)", "inception (4e)", "inception (5b)"]
    assert len(v["right"]) == 114 and set(v) == {"right", "rounded", "wrong"}
    conv = next(c for c in d["cells"] if c["row"] == "convolution" and c["column"] == "params")
    assert "(7+7)" in conv["diagnosis"]
    assert [r["how"] for r in d["rows"]] == ["paper row"] * 19


def test_googlenet_table_1_with_a_students_mistakes_every_diagnosis_in_the_json():
    """Issue 14: "Every diagnosis is in the JSON, shape ones included" — a pasted paper table's
    wrong cells had their text but an empty `diagnoses`, and a wrong output size no diagnosis at
    all. The paper's own Table 1, as a student might rewrite it: 3a's output with 192 channels
    (its input's), conv2's ops doubled (FLOPs), 3a's params in thousands of 1000 (the paper's K
    is 1024: 163,696 / 1000), 3b's depth 3; its printed cells keep the paper's explanations,
    named 'as-printed'."""
    text = (PUB / "googlenet-table1.md").read_text(encoding="utf-8")
    for old, new in (("| inception (3a) |  | 28×28×256 |", "| inception (3a) |  | 28×28×192 |"),
                     ("| 112K | 360M |", "| 112K | 719M |"), ("| 159K | 128M |", "| 164K | 128M |"),
                     ("| inception (3b) |  | 28×28×480 | 2 |", "| inception (3b) |  | 28×28×480 | 3 |")):
        assert old in text
        text = text.replace(old, new, 1)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "student.md"
        path.write_text(text, encoding="utf-8")
        code, d = mark("googlenet", path)
    assert code == 1
    wrong = {(c["row"], c["column"], c["given"]): (c["diagnoses"], c["diagnosis"])
             for c in d["cells"] if c["verdict"] == "wrong"}
    assert wrong[("inception (3a)", "output size", "28×28×192")] == (["shape"],
                                                                     "C is 256, not 192")
    assert wrong[("convolution", "ops", "719M")][0] == ["flops"]
    assert "FLOPs" in wrong[("convolution", "ops", "719M")][1]
    assert wrong[("inception (3a)", "params", "164K")][0] == ["k-base"]
    assert wrong[("inception (3b)", "depth", "3")] == (["differs"], "depth computes 2 here")
    # the paper's own five misprints keep the view's explanations, named
    assert wrong[("convolution", "params", "2.7K")][0] == ["as-printed"]
    assert "(7+7)" in wrong[("convolution", "params", "2.7K")][1]
    assert all(diagnoses and text for diagnoses, text in wrong.values())
    assert len(wrong) == 5 + 4


def test_vgg_table_1_pasted_from_the_paper():
    """Simonyan & Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image
    Recognition" (arXiv:1409.1556), Table 1 as printed (the configurations as columns, no row
    labels, each stacked cell's lines joined by Markdown's <br>, the rows printed across all
    six columns pasted as one cell): marked against the paper view row for row, every column
    computed from its own configuration, whichever VGG is named."""
    for network in ("vgg16", "vgg11"):
        code, d = mark(network, PUB / "vgg-table1.md")
        assert code == 0
        v = verdicts(d)
        assert set(v) == {"right"} and len(v["right"]) == 46    # 8 rows × 6 + 8 spanning
        assert [r["how"] for r in d["rows"]] == ["paper row"] * 16
        assert d["unmatched_rows"] == [] and d["unmarked_columns"] == []


def test_vgg_table_1_with_a_students_mistakes():
    """The same table as a student might rewrite it: the 'weight layers' line left out (the
    rows still align), B's second block given one conv, C's fourth block written as D's
    (3×3 where C has a 1×1), E's first block three convs and the classifier FC-10."""
    text = (PUB / "vgg-table1.md").read_text(encoding="utf-8").splitlines()
    out = []
    for line in text:
        if "weight layers" in line:
            continue
        if line.startswith("| conv3-128 |"):
            line = line.replace("| conv3-128<br>conv3-128 |", "| conv3-128 |", 1)
        out.append(line)
    i = [n for n, x in enumerate(out) if x.startswith("| conv3-512<br>conv3-512 |")][0]
    out[i] = out[i].replace("conv3-512<br>conv3-512<br>conv1-512",
                            "conv3-512<br>conv3-512<br>conv3-512", 1)
    i = next(n for n, x in enumerate(out) if x.startswith("| conv3-64 |"))
    cells = out[i].split("|")
    cells[6] = " conv3-64 conv3-64 conv3-64 "                  # E, spaces between the layers
    out[i] = "|".join(cells)
    out = [x.replace("| FC-1000 |", "| FC-10 |") for x in out]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "student.md"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        code, d = mark("vgg16", path)
    assert code == 1
    wrong = {(c["row"], c["column"]): c["diagnosis"] for c in d["cells"]
             if c["verdict"] == "wrong"}
    assert wrong == {
        ("row 2", "E"): "3 layers written; configuration E has 2 here: conv3-64, conv3-64",
        ("row 4", "B"): "1 layer written; configuration B has 2 here: conv3-128, conv3-128",
        ("row 8", "C"): "layer 3 of this row is conv1-512 in configuration C, not conv3-512",
        ("row 14", "A"): "layer 1 of this row is FC-1000 in configuration A, not FC-10"}
    # the FC-10 row agrees with no row of the view: it is the next row by position
    assert [r["how"] for r in d["rows"]] == ["paper row"] * 13 + ["paper row, by position", "paper row"]
    assert [r["layer"] for r in d["rows"]][:2] == ["conv1_1/conv", "conv1_1/conv"]


def test_resnet_table_1s_flops_row_each_column_its_own_network():
    """He et al. 2015 (arXiv:1512.03385), Table 1's FLOPs row as printed, pasted under its
    conv1 row and marked against resnet50: each column is compared with its own network's
    multiply-adds (it was compared with resnet50's, so 1.8×10⁹ for the 18-layer net was
    'wrong')."""
    import tempfile

    table = ("| layer name | output size | 18-layer | 34-layer | 50-layer | 101-layer | "
             "152-layer |\n|---|---|---|---|---|---|---|\n"
             "| conv1 | 112×112 | 7×7, 64, stride 2 | 7×7, 64, stride 2 | 7×7, 64, stride 2 | "
             "7×7, 64, stride 2 | 7×7, 64, stride 2 |\n"
             "| FLOPs | | 1.8×10⁹ | 3.6×10⁹ | 3.8×10⁹ | 7.6×10⁹ | 11.3×10⁹ |\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet.md"
        path.write_text(table, encoding="utf-8")
        code, d = mark("resnet50", path)
    assert code == 0 and d["score"]["right"] == 11
