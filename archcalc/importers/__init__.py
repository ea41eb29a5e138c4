"""Your own network in: ``archcalc import SOURCE`` and ``archcalc table SOURCE``.

Every importer reads its source into a ``spec_writer.Graph`` and ``spec_writer.write_spec`` turns
that into spec text: an importer never makes rows, so an imported model is an ordinary spec that
every command reads. The sources, each an optional extra (the core install stays click and
tabulate), imported only when used:

* ``torchvision:NAME``, ``timm:NAME``, ``PATH.py:CALLABLE`` — ``torch_import`` (``archcalc[torch]``);
* ``MODEL.onnx`` — ``onnx_import`` (``archcalc[onnx]``);
* ``MODEL.keras`` or its ``config.json`` — ``keras_import`` (``archcalc[keras]``);
* ``MODEL.prototxt`` — ``caffe_import`` (no extra: a small reader of the protobuf text format).
"""

from __future__ import annotations

import os
import re

from ..core.errors import ArchcalcError

# Model files are not specs: each kind has its own bound, and the weights are never read when
# only the graph is needed (README § "Importing a model").
MAX_MODEL_BYTES = 2 * 1024 ** 3          # an ONNX file: protobuf's own limit is 2 GiB
MAX_CONFIG_BYTES = 64 * 1024 ** 2        # a Keras config.json (inside a .keras zip or alone)
MAX_PROTOTXT_BYTES = 16 * 1024 ** 2      # a Caffe .prototxt

EXTRAS = {"torch": "torch", "onnx": "onnx"}


def kind_of(source: str) -> str | None:
    """Which importer reads ``source``: "torch", "onnx", "keras", "caffe", or ``None`` for a
    bundled network name or a spec file."""
    if source.startswith(("torchvision:", "timm:")):
        return "torch"
    path, py, function = source.rpartition(".py:")     # PATH.py:CALLABLE (no regex: start-up)
    if py and function.isidentifier() and function.isascii():
        return "torch"
    low = source.lower()
    if low.endswith(".onnx"):
        return "onnx"
    if low.endswith(".keras") or (low.endswith(".json") and not low.endswith(".toml")):
        return "keras"
    if low.endswith(".prototxt"):
        return "caffe"
    return None


def require(kind: str):
    """The importer module for ``kind``; without its extra, a message naming the extra."""
    from .spec_writer import ImportFailure

    needs = {"torch": ["torch"], "onnx": ["onnx"], "keras": [], "caffe": []}[kind]
    for module in needs:
        try:
            __import__(module)
        except ImportError:
            raise ImportFailure(
                f"importing this source needs {module}, which is not installed; install it "
                f"with: pip install 'archcalc[{kind}]'") from None
    if kind == "torch":
        from . import torch_import as m
    elif kind == "onnx":
        from . import onnx_import as m
    elif kind == "keras":
        from . import keras_import as m
    else:
        from . import caffe_import as m
    return m


def import_text(source: str, shape: tuple[int, int, int] | None = None, name: str | None = None,
                command: str = "", tool: str = "archcalc", skip_unknown: bool = False) -> str:
    """The spec text for ``source`` at input ``shape`` (C, H, W; ``None``: the source's own).
    An operation archcalc has no kind for fails the import, all of them listed in one message;
    with ``skip_unknown`` each is kept as an ``uncounted`` layer with the source's output shape,
    and the spec's notes (the table's footer) name them."""
    from . import spec_writer as W

    kind = kind_of(source)
    if kind is None:
        raise ArchcalcError(f"{source}: not a model source; expected torchvision:NAME, "
                            "timm:NAME, PATH.py:CALLABLE, MODEL.onnx, MODEL.keras, "
                            "config.json or MODEL.prototxt")
    if kind != "torch" and not os.path.exists(source):
        raise W.ImportFailure(f"no such file: {source}")
    m = require(kind)
    g, label, how = m.read(source, shape)
    unknown = [op for op in g.ops if op.kind == W.UNKNOWN]
    notes: list[str] = list(g.notes)
    if unknown and not skip_unknown:
        raise W.ImportFailure(W.unsupported_message(unknown, source))
    if unknown:
        notes.append(W.keep_uncounted(unknown))
    net_name = name or _default_name(source)
    shape_text = ("×".join(map(str, g.input)) if not g.inputs else
                  ", ".join(f"{n} {'×'.join(map(str, x))}" for n, x in g.inputs))
    header = [f"{net_name}: imported by {tool} from {source}",
              f"read with {m.versions()}; {how}" if how else f"read with {m.versions()}",
              f"input{'s' * bool(g.inputs)} {shape_text} (C×H×W)"]
    if command:
        header.append(f"command: {command}")
    header.append("Layer names are the source's; a run of blocks named X.0, X.1, … is written "
                  "as one `use` with n, whose repeats the spec names X_1, X_2, …")
    meta = W.Meta(net_name, f"{label}, imported at {shape_text}",
                  f"{label}; imported by {tool}", header, notes)
    return W.write_spec(g, meta)


def _default_name(source: str) -> str:
    """``resnet50`` for torchvision:resnet50, ``build`` for net.py:build, ``model`` for
    model.onnx."""
    if kind_of(source) == "torch":
        return source.rsplit(":", 1)[1]
    base = re.sub(r"\.(onnx|keras|json|prototxt)$", "", os.path.basename(source), flags=re.I)
    return base or "imported"


def network(source: str, shape=None, tool: str = "archcalc", skip_unknown: bool = False):
    """The ``Network`` of ``source``, imported in memory (``archcalc table model.onnx``)."""
    from .spec_writer import load_text

    text = import_text(source, shape, tool=tool, skip_unknown=skip_unknown)
    return load_text(text, source)
