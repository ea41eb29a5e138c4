"""Progress (issue 15): a status line on standard error for a run longer than about a second,
only on a terminal, never mixed into the output."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from archcalc.cli import Ticker
from archcalc.core import progress

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    def __init__(self, log: list, name: str):
        super().__init__()
        self.log, self.name = log, name

    def isatty(self):
        return True

    def write(self, text):
        self.log.append((self.name, text))
        return super().write(text)


def test_the_status_line_names_the_step_and_is_cleared():
    log = []
    err = Terminal(log, "err")
    progress.step("resnet1202: building layer 1 of 4,207 in torch")
    with Ticker("archcalc verify", err=err, delay=0, period=0.01):
        deadline = time.monotonic() + 5
        while not log and time.monotonic() < deadline:
            time.sleep(0.01)
    progress.step("")
    assert log[0] == ("err", "\r\x1b[Karchcalc verify: resnet1202: building layer 1 of 4,207 in "
                             "torch … 0 s")
    assert log[-1] == ("err", "\r\x1b[K")


def test_output_clears_the_status_line_first_and_others_on_stderr_silence_it():
    log = []
    out, err = Terminal(log, "out"), Terminal(log, "err")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, Terminal(log, "other")
    try:
        with Ticker("archcalc table", err=err, delay=0, period=0.01):
            deadline = time.monotonic() + 5
            while not log and time.monotonic() < deadline:
                time.sleep(0.01)
            sys.stdout.write("a line of the table\n")
            i = log.index(("out", "a line of the table\n"))
            assert log[i - 1] == ("err", "\r\x1b[K")         # cleared just before
            sys.stderr.write("a progress bar of its own")
            n = len(log)
            time.sleep(0.1)
            assert len(log) == n                            # silent since
    finally:
        sys.stdout, sys.stderr = saved


def test_nothing_on_stderr_when_it_is_not_a_terminal():
    r = subprocess.run([sys.executable, "-m", "archcalc", "table", "resnet110"], text=True,
                       capture_output=True, cwd=ROOT,
                       env={**os.environ, "ARCHCALC_PROGRESS_AFTER": "0"})
    assert r.returncode == 0 and r.stderr == ""


def test_on_a_terminal_the_output_is_whole_and_the_status_line_gone():
    plain = subprocess.run([sys.executable, "-m", "archcalc", "table", "resnet110", "--format",
                            "csv"], text=True, capture_output=True, cwd=ROOT).stdout
    main, sub = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "archcalc", "table", "resnet110", "--format",
                          "csv"], stdin=sub, stdout=sub, stderr=sub, cwd=ROOT,
                         env={**os.environ, "ARCHCALC_PROGRESS_AFTER": "0"})
    os.close(sub)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert p.wait() == 0
    text = seen.decode().replace("\r\n", "\n")
    assert "archcalc table: " in text                       # it was shown …
    shown = text.split("\r\x1b[K")                         # … and each time cleared
    assert shown[-1] == plain                               # the CSV, whole, after the last
