"""Writing a user's ``--out`` file safely: whole or not at all, never over a file by accident.

Every ``--out`` (table, compare, graph, plot) goes through :func:`replacing`:

- the output is written to a temporary file in the target's own folder (same file system), flushed
  to disk, and only then renamed into place: a reader never sees half a file, and a failure
  (disk full, a file-size limit, an interrupt, an error while rendering) removes the temporary
  file and leaves the target as it was — with ``--force`` too, the user's file survives a
  failed write;
- a new file is put in place with ``os.link``, which refuses an existing name atomically: a file
  that appears between the check and the write is never overwritten without ``--force`` (there
  is no check-then-open window);
- ``--force`` replaces with ``os.replace`` (atomic on POSIX); it keeps the old file's permission
  bits; a symbolic link to a file is followed, so the file it points to is replaced and the link
  kept;
- a dangling symbolic link is refused (writing through it would create a file somewhere else),
  and so is anything that is not a regular file (a pipe, a device, a socket: opening one for
  writing could wait for ever) or a folder.

Nothing here formats anything; the module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

from .errors import ArchcalcError


class OutError(ArchcalcError):
    """``--out`` cannot be written: the message names the file and says why."""


def _state(path: str) -> str:
    """``"missing"``, ``"dangling"`` (a symbolic link to nothing), ``"regular"``, ``"dir"`` or
    ``"special"`` (a pipe, a device, a socket)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "dangling" if os.path.islink(path) else "missing"
    except OSError as e:
        if e.errno in (errno.ELOOP,):
            return "dangling"
        raise OutError(f"--out: cannot use {path} ({e.strerror})") from None
    if stat.S_ISREG(st.st_mode):
        return "regular"
    return "dir" if stat.S_ISDIR(st.st_mode) else "special"


def check_target(path: str, force: bool) -> None:
    """Refuse ``path`` early, before any work is done, if it cannot be the target of ``--out``.
    (:func:`replacing` checks again when it puts the file in place: this is only to fail fast.)"""
    if not path:
        raise OutError("--out: the file name is empty")
    state = _state(path)
    if state == "dangling":
        raise OutError(f"--out: {path} is a symbolic link to a file that does not exist; "
                       "archcalc does not write through it (remove the link or name another "
                       "file)")
    if state == "dir":
        raise OutError(f"--out: {path} is a folder; name a file")
    if state == "special":
        raise OutError(f"--out: {path} is not a regular file (a pipe, a device or a socket); "
                       "archcalc writes only files")
    if state == "regular" and not force:
        raise OutError(f"--out: {path} already exists; add --force to overwrite it")
    folder = os.path.dirname(os.path.realpath(path) if state == "regular" else path) or "."
    if not os.path.isdir(folder):
        raise OutError(f"--out: cannot write {path} (the folder {folder} does not exist)")


def _mode_for_new() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def replacing(path: str, force: bool = False, *, binary: bool = False):
    """A file object to write ``path``'s new content to; the file appears (or replaces the old
    one, with ``force``) only when the ``with`` block ends without an exception. On any failure
    the temporary file is removed and the target is left as it was; an ``OSError`` becomes an
    :class:`OutError` naming ``path``."""
    import tempfile

    check_target(path, force)
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(target) or "."
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                                   suffix=".archcalc-tmp")
    except OSError as e:
        raise OutError(f"--out: cannot write {path} ({e.strerror})") from None
    done = False
    try:
        try:
            old = os.stat(target)
            os.fchmod(fd, stat.S_IMODE(old.st_mode))
        except FileNotFoundError:
            os.fchmod(fd, _mode_for_new())
        with (open(fd, "wb") if binary else
              open(fd, "w", encoding="utf-8", newline="")) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _put_in_place(tmp, target, path, force)
        done = True
    except OSError as e:
        raise OutError(f"--out: cannot write {path} ({e.strerror or e}); "
                       + ("the existing file is unchanged" if os.path.exists(target) else
                          "nothing was written")) from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _put_in_place(tmp: str, target: str, shown: str, force: bool) -> None:
    state = _state(target)
    if state in ("dangling", "dir", "special"):
        check_target(target, force)            # raises with the reason
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)                   # fails if target exists: no race with a newcomer
    except FileExistsError:
        raise OutError(f"--out: {shown} already exists (it appeared while archcalc was "
                       "writing); add --force to overwrite it") from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK,
                           errno.EXDEV):
            raise
        _exclusive_copy(tmp, target, shown)    # a file system without hard links
    os.unlink(tmp)


def _exclusive_copy(tmp: str, target: str, shown: str) -> None:
    """Where hard links are not supported: create ``target`` exclusively (``O_EXCL``) and copy
    the finished temporary file into it; on failure the partial target is removed."""
    import shutil

    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode_for_new())
    except FileExistsError:
        raise OutError(f"--out: {shown} already exists (it appeared while archcalc was "
                       "writing); add --force to overwrite it") from None
    try:
        with open(fd, "wb") as dst, open(tmp, "rb") as src:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def write_text(path: str, text: str, force: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`."""
    with replacing(path, force) as f:
        f.write(text)
