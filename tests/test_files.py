"""Safe ``--out`` writes (issue 17): whole or not at all, never over a file by accident, never
through a dangling link, and the user's file survives a failed ``--force``."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from archcalc.core import files
from archcalc.core.files import OutError

ROOT = Path(__file__).resolve().parent.parent


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_appears_whole_with_the_usual_permissions(tmp_path):
    target = tmp_path / "t.txt"
    with files.replacing(str(target)) as f:
        f.write("half")
        assert not target.exists()                  # nothing at the target before the end
        f.write(" and the rest\n")
    assert target.read_text(encoding="utf-8") == "half and the rest\n"
    assert listing(tmp_path) == ["t.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_an_existing_file_is_refused_without_force(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(OutError, match="already exists; add --force"):
        files.write_text(str(target), "new")
    assert target.read_text(encoding="utf-8") == "mine" and listing(tmp_path) == ["t.txt"]


def test_force_replaces_and_keeps_the_permission_bits(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("mine", encoding="utf-8")
    target.chmod(0o640)
    files.write_text(str(target), "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and listing(tmp_path) == ["t.txt"]


def test_a_file_that_appears_while_writing_is_not_overwritten(tmp_path):
    """Before: the existence check and the open were separate, so a file created between them
    was overwritten without --force."""
    target = tmp_path / "t.txt"
    with pytest.raises(OutError, match="appeared while archcalc was writing"):
        with files.replacing(str(target)) as f:
            f.write("archcalc's")
            target.write_text("someone else's", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "someone else's"
    assert listing(tmp_path) == ["t.txt"]


def test_the_exclusive_copy_fallback_refuses_a_newcomer_too(tmp_path, monkeypatch):
    """On a file system without hard links the file is created with O_EXCL."""
    def no_link(src, dst):
        raise OSError(__import__("errno").EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    target = tmp_path / "t.txt"
    files.write_text(str(target), "whole\n")
    assert target.read_text(encoding="utf-8") == "whole\n" and listing(tmp_path) == ["t.txt"]
    with pytest.raises(OutError, match="appeared while archcalc was writing"):
        with files.replacing(str(tmp_path / "u.txt")) as f:
            f.write("archcalc's")
            (tmp_path / "u.txt").write_text("someone else's", encoding="utf-8")
    assert (tmp_path / "u.txt").read_text(encoding="utf-8") == "someone else's"
    assert listing(tmp_path) == ["t.txt", "u.txt"]


def test_a_dangling_symlink_is_refused(tmp_path):
    """Before: a dangling link passed the existence check and its target was created elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "out.txt"
    link.symlink_to(elsewhere / "created.txt")
    for force in (False, True):
        with pytest.raises(OutError, match="symbolic link to a file that does not exist"):
            files.write_text(str(link), "x", force=force)
    assert listing(elsewhere) == [] and listing(tmp_path) == ["elsewhere", "out.txt"]


def test_a_link_to_a_file_replaces_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with pytest.raises(OutError, match="already exists"):
        files.write_text(str(link), "new")
    files.write_text(str(link), "new", force=True)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert listing(tmp_path) == ["link.txt", "real.txt"]


@pytest.mark.parametrize("force", [False, True])
def test_an_error_while_writing_leaves_nothing_and_keeps_the_old_file(tmp_path, force):
    target = tmp_path / "t.txt"
    if force:
        target.write_text("mine", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with files.replacing(str(target), force) as f:
            f.write("partial")
            raise RuntimeError("the renderer failed")
    assert listing(tmp_path) == (["t.txt"] if force else [])
    if force:
        assert target.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("path, words", [
    ("", "empty"), ("{tmp}", "is a folder"), ("{tmp}/missing/x.txt", "does not exist"),
])
def test_targets_that_cannot_be_written(tmp_path, path, words):
    with pytest.raises(OutError, match=words):
        files.write_text(path.format(tmp=tmp_path), "x", force=True)


# --- whole processes under a file-size limit (a full disk, as far as the writer can tell) ------

def fsize_limit(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", [
    ["table", "vgg16", "--format", "json"], ["compare", "alexnet", "vgg16", "--format", "json"],
    ["graph", "googlenet"],
])
@pytest.mark.parametrize("force", [False, True])
def test_a_failed_write_leaves_the_users_file_and_nothing_else(tmp_path, command, force):
    """Before: a failed --out write left a truncated file behind, and with --force the user's
    original was destroyed before the new one was complete."""
    target = tmp_path / "out.txt"
    if force:
        target.write_text("the user's own file\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "archcalc", *command, "--out", str(target)]
                       + (["--force"] if force else []), capture_output=True, text=True,
                       timeout=300, env=env, preexec_fn=fsize_limit(300))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("archcalc: error: --out: cannot write") and "Traceback" not in \
        r.stderr, r.stderr
    assert "File too large" in r.stderr
    if force:
        assert target.read_text(encoding="utf-8") == "the user's own file\n"
        assert "the existing file is unchanged" in r.stderr
        assert listing(tmp_path) == ["out.txt"]
    else:
        assert listing(tmp_path) == []


def test_plot_keeps_the_users_picture_when_the_write_fails(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "p.svg"
    target.write_text("<svg>the user's picture</svg>\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "archcalc", "plot", "vgg16", "--out", str(target),
                        "--force"], capture_output=True, text=True, timeout=300, env=env,
                       preexec_fn=fsize_limit(300))
    assert r.returncode == 2 and "cannot write" in r.stderr and "Traceback" not in r.stderr, \
        r.stderr
    assert target.read_text(encoding="utf-8") == "<svg>the user's picture</svg>\n"
    assert listing(tmp_path) == ["p.svg"]


def test_the_cli_refuses_a_dangling_symlink(tmp_path):
    from click.testing import CliRunner

    from archcalc.cli import main

    link = tmp_path / "t.json"
    link.symlink_to(tmp_path / "nowhere" / "t.json")
    for cmd in (["table", "alexnet"], ["compare", "alexnet"], ["graph", "alexnet"]):
        r = CliRunner().invoke(main, [*cmd, "--out", str(link), "--force"])
        assert r.exit_code == 2 and "symbolic link to a file that does not exist" in r.stderr
    assert listing(tmp_path) == ["t.json"]
