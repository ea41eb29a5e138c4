"""`archcalc import` whatever the source: without a source's extra installed, the command names
the extra to install (one message, exit status 2, nothing written). Run in a fresh interpreter
where the library is made unimportable (``sys.modules[name] = None``), as on an install
without the extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None
from archcalc.cli import main
main({args!r})
"""


def run_without(hidden, args, cwd):
    env_path = str(ROOT)
    return subprocess.run([sys.executable, "-c", RUN.format(hidden=hidden, args=args)],
                          capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("hidden, source, extra", [
    (["onnx"], "model.onnx", "archcalc[onnx]"),
    (["torch"], "torchvision:resnet18", "archcalc[torch]"),
    (["torch"], "net.py:build", "archcalc[torch]"),
])
@pytest.mark.parametrize("command", ["import", "table"])
def test_without_the_extra_the_message_names_it(tmp_path, hidden, source, extra, command):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07")
    (tmp_path / "net.py").write_text("raise SystemExit('must not run')\n")
    args = [command, source] + (["--out", "out.toml"] if command == "import" else [])
    r = run_without(hidden, args, tmp_path)
    assert r.returncode == 2, r.stderr
    assert f"pip install '{extra}'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out.toml").exists()


def test_keras_and_caffe_need_no_extra(tmp_path):
    """Keras configs and Caffe prototxt are read as data: no Keras, TensorFlow or protobuf."""
    (tmp_path / "net.prototxt").write_text(
        'input: "data"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 8\ninput_dim: 8\n'
        'layer { name: "c" type: "Convolution" bottom: "data" top: "c"\n'
        '  convolution_param { num_output: 2 kernel_size: 3 } }\n')
    r = run_without(["torch", "onnx", "keras", "tensorflow", "google.protobuf"],
                    ["table", "net.prototxt"], tmp_path)
    assert r.returncode == 0, r.stderr
    row = next(line.split() for line in r.stdout.splitlines() if line.startswith("c "))
    assert row[-3:] == ["20", "648", "1,296"]     # 2 × 1·3·3 + 2; 6·6·2 × 9


def test_model_files_have_their_own_documented_bounds(tmp_path, monkeypatch):
    """Model files are not specs: each kind has its bound (not the spec reader's 1,000,000
    bytes), in the README's limits table, and a file over it is one message naming it. The
    bounds are lowered here to test the refusal without writing gigabytes."""
    import zipfile

    from click.testing import CliRunner

    from archcalc import importers
    from archcalc.cli import main
    from archcalc.core.spec import MAX_FILE_BYTES
    from archcalc.importers import caffe_import, keras_import

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| a model file"))
    assert (f"ONNX {importers.MAX_MODEL_BYTES // 2**30} GiB" in row
            and f"`config.json` {importers.MAX_CONFIG_BYTES // 2**20} MiB" in row
            and f"prototxt {importers.MAX_PROTOTXT_BYTES // 2**20} MiB" in row)
    assert min(importers.MAX_MODEL_BYTES, importers.MAX_CONFIG_BYTES,
               importers.MAX_PROTOTXT_BYTES) > MAX_FILE_BYTES

    def refused(path, expected):
        out = tmp_path / "out.toml"
        r = CliRunner().invoke(main, ["import", str(path), "--out", str(out)])
        assert r.exit_code == 2 and expected in r.output, r.output
        assert not out.exists()

    monkeypatch.setattr(caffe_import, "MAX_PROTOTXT_BYTES", 100)
    (tmp_path / "n.prototxt").write_text('name: "n"\n' + "# padding\n" * 20)
    refused(tmp_path / "n.prototxt", "is more than 100, the")
    monkeypatch.setattr(keras_import, "MAX_CONFIG_BYTES", 100)
    (tmp_path / "m.json").write_text('{"class_name": "Functional", "config": {}}' + " " * 100)
    refused(tmp_path / "m.json", "larger than 100 bytes")
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as z:
        z.writestr("config.json", "{}" + " " * 200)
    refused(tmp_path / "m.keras", "config.json is 202 bytes, more than 100")
    pytest.importorskip("onnx")
    from archcalc.importers import onnx_import

    monkeypatch.setattr(onnx_import, "MAX_MODEL_BYTES", 100)
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07" * 100)
    refused(tmp_path / "m.onnx", "200 bytes is larger than 100, the largest ONNX file")
