"""The bundled specs' parse cache (core/spec.py, issue 12's start-up): used only while the file
is unchanged, ignored when it cannot be read, never written beside a user's own spec."""

import os
import re
import shutil

import pytest

from archcalc.core import spec


@pytest.fixture
def bundled(tmp_path, monkeypatch):
    """A specs folder of our own holding a copy of lenet5.toml, as the bundled one."""
    d = tmp_path / "specs"
    d.mkdir()
    shutil.copy(os.path.join(spec.specs_dir(), "lenet5.toml"), d / "lenet5.toml")
    monkeypatch.setattr(spec, "specs_dir", lambda: str(d))
    return d / "lenet5.toml"


def _no_parsing(monkeypatch):
    def refuse(text, file):
        raise AssertionError("parsed again")
    monkeypatch.setattr(spec, "parse_toml", refuse)


def test_a_bundled_file_is_parsed_once(bundled, monkeypatch):
    first = spec.read_toml(str(bundled))
    assert (bundled.parent / "__pycache__" / "lenet5.toml.marshal").is_file()
    _no_parsing(monkeypatch)
    assert spec.read_toml(str(bundled)) == first
    assert spec.resolve("lenet5")[0].data == first


def test_a_changed_file_is_parsed_again(bundled):
    spec.read_toml(str(bundled))
    text = bundled.read_text(encoding="utf-8")
    bundled.write_text(re.sub(r"(?m)^description = .*$", 'description = "Changed."', text),
                       encoding="utf-8")
    st = os.stat(bundled)
    os.utime(bundled, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert spec.read_toml(str(bundled))["description"] == "Changed."
    assert spec.read_toml(str(bundled))["description"] == "Changed."


@pytest.mark.parametrize("junk", [b"", b"\x00garbage", b"\xe9" * 50])
def test_a_broken_cache_is_ignored_and_replaced(bundled, junk):
    good = spec.read_toml(str(bundled))
    cache = bundled.parent / "__pycache__" / "lenet5.toml.marshal"
    cache.write_bytes(junk)
    assert spec.read_toml(str(bundled)) == good
    assert cache.read_bytes() != junk


def test_an_unwritable_cache_folder_is_no_error(bundled):
    (bundled.parent / "__pycache__").write_text("a file where the folder would be")
    assert spec.read_toml(str(bundled))["name"] == "lenet5"
    assert spec.load(str(bundled)).name == "lenet5"


def test_nothing_is_written_beside_a_users_spec(tmp_path):
    mine = tmp_path / "mine.toml"
    shutil.copy(os.path.join(spec.specs_dir(), "lenet5.toml"), mine)
    spec.load(str(mine))
    assert sorted(os.listdir(tmp_path)) == ["mine.toml"]


def test_errors_in_a_bundled_file_are_still_reported(bundled):
    bundled.write_text("name = [", encoding="utf-8")
    with pytest.raises(spec.SpecError, match="not valid TOML"):
        spec.read_toml(str(bundled))
