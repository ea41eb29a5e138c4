"""The import direction of the house (issue 12): data flows one way, and so do imports.

    core → analysis → render → homework → faces (cli, api, options, commands, web)
    verify beside homework: it may import core, analysis and render; only the faces import it
    importers beside them: they import core only (they write specs); only the faces import them;
    besides verify, the one place for torch, torchvision and timm, and the only one for onnx
    and keras

A module may import its own layer and the layers before it, never one after it. Every import
counts, at the top of a module or inside a function (a lazy import is still a dependency). A
known exception is listed in EXCEPTIONS with the reason it is still there; the test fails for
any new one, and for a listed one that has gone (so that the list stays true: remove it).

Third-party libraries have their places too: torch (and torchvision, timm) only in verify,
matplotlib only in the plot renderer, click only in the command line (cli, its guard, and
verify's progress bar), tabulate only in the renderers, the web framework only in the web app.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "archcalc"

ORDER = ["core", "analysis", "render", "homework", "faces"]
ALLOWED = {layer: set(ORDER[:i + 1]) for i, layer in enumerate(ORDER)}
ALLOWED["verify"] = {"core", "analysis", "render", "verify"}
ALLOWED["importers"] = {"core", "importers"}
ALLOWED["faces"] |= {"verify", "importers"}
SUBPACKAGES = {"core", "analysis", "render", "homework", "verify", "importers"}   # each a layer
FACE_PACKAGES = {"web"}          # faces beside the top-level modules (cli, api, options, …)

# (importing module, imported module): why it is still there. Remove a line when it is fixed.
EXCEPTIONS: dict[tuple[str, str], str] = {}

THIRD_PARTY = {          # library → the layers or modules that may import it
    "torch": {"verify", "importers"}, "torchvision": {"verify", "importers"},
    "timm": {"verify", "importers"}, "onnx": {"importers"}, "keras": {"importers"},
    "matplotlib": {"archcalc.render.plot"},
    "click": {"archcalc.cli", "archcalc.guard", "archcalc.verify.run"},
    "tabulate": {"render"},
    "starlette": {"archcalc.web", "archcalc.web.app"}, "uvicorn": {"archcalc.web", "archcalc.web.app"},
}
THIRD_PARTY_EXCEPTIONS = {
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if (len(parts) == 1 or (len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").exists())
            or parts[1] in FACE_PACKAGES):
        return "faces"
    if parts[1] not in SUBPACKAGES:
        raise AssertionError(f"{module}: archcalc/{parts[1]}/ is in no layer; add it to "
                             "SUBPACKAGES and ALLOWED in tests/test_layers.py (and to the "
                             "README's architecture section)")
    return parts[1]


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names), wherever the import statement is."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:      # `from . import options`: the module; else the package
                sub = target + "." + a.name
                rel = Path(*sub.split(".")[1:]) if "." in sub else None
                if rel and target.startswith("archcalc") and (
                        (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel).is_dir()):
                    out.add(sub)
                else:
                    out.add(target)
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


def edges():
    for path in MODULES:
        me = module_name(path)
        for target in imports(path):
            yield me, target


def test_every_module_is_in_a_layer():
    assert MODULES
    for path in MODULES:
        layer_of(module_name(path))


def test_imports_flow_one_way():
    found, wrong = set(), []
    for me, target in edges():
        if target.split(".")[0] != "archcalc" or target == "archcalc" and me == "archcalc":
            continue
        if layer_of(target) not in ALLOWED[layer_of(me)]:
            found.add((me, target))
            if (me, target) not in EXCEPTIONS:
                wrong.append(f"{me} ({layer_of(me)}) imports {target} ({layer_of(target)})")
    assert not wrong, "imports against the layers:\n  " + "\n  ".join(sorted(wrong))
    gone = set(EXCEPTIONS) - found
    assert not gone, f"fixed, remove from EXCEPTIONS: {sorted(gone)}"


def test_third_party_libraries_stay_in_their_layers():
    found, wrong = set(), []
    for me, target in edges():
        lib = target.split(".")[0]
        if lib not in THIRD_PARTY:
            continue
        if layer_of(me) in THIRD_PARTY[lib] or me in THIRD_PARTY[lib]:
            continue
        found.add((me, lib))
        if (me, lib) not in THIRD_PARTY_EXCEPTIONS:
            wrong.append(f"{me} imports {lib}")
    assert not wrong, "libraries out of their place:\n  " + "\n  ".join(sorted(wrong))
    gone = set(THIRD_PARTY_EXCEPTIONS) - found
    assert not gone, f"fixed, remove from THIRD_PARTY_EXCEPTIONS: {sorted(gone)}"


def test_the_rule_sees_lazy_and_relative_imports(tmp_path):
    # The checker itself: a function-level relative import of a higher layer is found.
    core = PACKAGE / "core" / "engine.py"
    found = imports(core)
    assert "archcalc.core.kinds" in found and "archcalc.core.records" in found
    assert ("archcalc.homework.check.variants", "archcalc.core.engine") in set(edges())
    assert ("archcalc.render.report", "archcalc.analysis.receptive") in set(edges())   # lazy
    assert layer_of("archcalc.cli") == "faces" and layer_of("archcalc") == "faces"
    assert "archcalc.analysis" not in ALLOWED["core"] and "faces" not in ALLOWED["verify"]


# --- start-up: what `archcalc` imports before a command runs -------------------------------------

def loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    return set(out.split())


@pytest.mark.parametrize("code", [
    "import archcalc.cli",
    "import sys; sys.argv = ['archcalc', '--version']\nfrom archcalc.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass",
])
def test_start_up_imports_only_click_and_the_faces(code):
    # `archcalc --version` and the parsing of any command need the command line (and its guard
    # against tracebacks, with the errors) and nothing else: no spec reader, no engine, no
    # renderer, no choice list's module (BENCHMARKS.md).
    ours = {m for m in loaded_after(code) if m.split(".")[0] == "archcalc"}
    assert ours == {"archcalc", "archcalc.cli", "archcalc.guard", "archcalc.core",
                    "archcalc.core.errors"}


def test_a_table_imports_no_homework_verify_or_plotting():
    table = ("import sys; sys.argv = ['archcalc', 'table', 'vgg16']\n"
             "from archcalc.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass")
    loaded_after(table)         # the first run may parse vgg.toml and keep it (spec's cache)
    mods = loaded_after(table)
    for heavy in ("archcalc.homework", "archcalc.verify", "archcalc.analysis.compare",
                  "archcalc.analysis.paper", "archcalc.analysis.memory", "archcalc.api",
                  "torch", "matplotlib", "difflib", "importlib.metadata", "tomllib"):
        assert heavy not in mods, heavy
    # `@dataclass` writes and compiles each class's methods at every start (40 % of this command's
    # start-up after click, BENCHMARKS.md): the records, the kinds', counting's, the conventions'
    # and the spec's classes are plain classes with __slots__ on archcalc.core.records.Record.
    # Exact fractions (a spec's "= expressions") and HTML escaping are imported only where used.
    for costly in ("dataclasses", "fractions", "html"):
        assert costly not in mods, costly
