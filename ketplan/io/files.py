"""Writing a command's output: stdout, or a file written atomically and never clobbered.

Every command's `--output` goes through `write_output`. Standard library only, so importing
it costs nothing at start-up.

A file is written to a temporary file in the same folder, flushed to disk, and only then
given its name, so a failure (no space, no permission, Ctrl-C) never leaves a half-written
file under the name the user asked for. Without --force the name is taken with a hard link,
which fails if the name exists even when another process creates it between the check and
the write; where hard links are not supported the name is claimed with O_EXCL first.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ketplan.core.errors import OutputError, ref

# Trees that hold devices and process file descriptors: --output never writes into them, nor
# through a link that leads there (`--output /dev/stdout` is `--output -`).
DEVICE_TREES = ("/dev", "/proc", "/sys")
_MAX_LINK_HOPS = 40
STDOUT_CHUNK = 64 * 1024  # bytes gathered before a write(2) when stdout is not a terminal


class WriteFailed(OutputError):
    """Output that was being written could not be written in full (full disk, closed stdout,
    an encoding that cannot carry the text): exit status OUTPUT_FAILED, not bad input."""


class ReaderGone(Exception):
    """The reader of stdout went away (EPIPE). Deliberately not an OSError: click turns an
    EPIPE OSError into exit 1, ketplan reports ExitStatus.BROKEN_PIPE whatever the format."""


class CheckedStdout:
    """stdout for every command: the one write path of every exporter, checked.

    Text is encoded strictly with stdout's encoding (so `PYTHONIOENCODING=ascii` fails loudly
    instead of writing '?' or dying halfway in a library), gathered, and written with
    os.write, whose every error is raised: a full disk or dead device as WriteFailed, a reader
    that went away as ReaderGone. Nothing is left for the interpreter's exit-time flush,
    which would swallow or garble such errors. Installed by `ketplan.cli.errors.run_guarded`.
    """

    def __init__(self, fd: int = 1, encoding: str = "utf-8", interactive: bool = False) -> None:
        self.fd, self.encoding, self.errors = fd, encoding, "strict"
        self.interactive = interactive
        self._pending = bytearray()
        self.buffer = _CheckedBytes(self)
        self.closed = False

    def write(self, text: str) -> int:
        try:
            data = text.encode(self.encoding, "strict")
        except UnicodeEncodeError as error:
            bad = error.object[error.start : error.end]
            raise WriteFailed(
                f"cannot write the output: stdout's encoding {self.encoding} cannot write {bad!a}; "
                "use a UTF-8 locale or set PYTHONIOENCODING=utf-8",
                "output",
            ) from None
        self.write_bytes(data)
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        self._pending += data
        if self.interactive or len(self._pending) >= STDOUT_CHUNK:
            self.flush()

    def flush(self) -> None:
        data = bytes(self._pending)
        self._pending.clear()  # written or lost: never written twice
        view = memoryview(data)
        done = 0
        try:
            while done < len(view):
                try:
                    done += os.write(self.fd, view[done:])
                except InterruptedError:
                    continue
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise ReaderGone() from None
            raise WriteFailed(f"cannot write the output: {error.strerror or error}", "output") from None

    def isatty(self) -> bool:
        try:
            return os.isatty(self.fd)
        except OSError:
            return False

    def fileno(self) -> int:
        return self.fd

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        self.flush()


class _CheckedBytes:
    """The byte layer of CheckedStdout (`sys.stdout.buffer`)."""

    def __init__(self, owner: CheckedStdout) -> None:
        self.owner = owner

    def write(self, data: bytes) -> int:
        self.owner.write_bytes(bytes(data))
        return len(data)

    def flush(self) -> None:
        self.owner.flush()


class NotARegularFile(OSError):
    """A device, FIFO or socket where a file to read was expected."""


def open_regular_file(path: Path):
    """Open `path` for binary reading only if it is a regular file: a FIFO is opened without
    blocking (so it cannot hang), a device (/dev/zero, /dev/stdin) is refused before a byte is
    read. Raises NotARegularFile, or the OSError of the open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a folder"
                if stat.S_ISDIR(info.st_mode)
                else "a FIFO"
                if stat.S_ISFIFO(info.st_mode)
                else "a device or socket"
            )
            raise NotARegularFile(errno.EINVAL, f"is {kind}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (read bounded, whatever stat says).
    Raises NotARegularFile, OverflowError (too large) or the OSError of the read."""
    with open_regular_file(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OverflowError(f"more than {limit} bytes")
    return data


def stream_is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def device_path(path: Path) -> str | None:
    """The device tree `path` is in or leads to through links (/dev, /proc, /sys), or None."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINK_HOPS):
        for tree in DEVICE_TREES:
            if current == tree or current.startswith(tree + "/"):
                return tree
        folder = os.path.realpath(os.path.dirname(current))
        if any(folder == tree or folder.startswith(tree + "/") for tree in DEVICE_TREES):
            return folder
        if not os.path.islink(current):
            return None
        try:
            target = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return "a chain of links"


# errnos meaning "this file system cannot make a hard link here": fall back to O_EXCL + rename.
_NO_HARD_LINK = {
    code
    for code in (
        getattr(errno, "EPERM", None),
        getattr(errno, "EACCES", None),
        getattr(errno, "ENOTSUP", None),
        getattr(errno, "EOPNOTSUPP", None),
        getattr(errno, "ENOSYS", None),
        getattr(errno, "EMLINK", None),
        getattr(errno, "EXDEV", None),
        getattr(errno, "EINVAL", None),
    )
    if code is not None
}


def write_output(
    data: bytes | str,
    path: Path | None,
    *,
    force: bool,
    sync: bool = True,
    written: Callable[[], object] | None = None,
) -> None:
    """Write `data` to stdout (`path` None) or to the file `path`.

    Refuses (OutputError, field "output") a missing folder, a folder as the target, an
    existing file without `force`, and a target that is not a regular file. Any OS error
    while writing becomes `OutputError("cannot write PATH: reason")`; the target is then
    untouched and no temporary file is left behind. `sync=False` leaves making the new name
    durable to the caller (`sync_folder(folder)` once, after many files in one folder).
    `written` (files only) is called once the data is in the temporary file: what is left,
    the fsync and the naming, is mostly waiting for the disk.
    """
    if path is None:
        _write_stdout(data)
        return
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target = AtomicFile(Path(path), force=force)
    try:
        target.write(payload)
        if written is not None:
            written()
        target.commit(sync=sync)
    finally:
        target.abort()


class AtomicFile:
    """A file written under a temporary name in its own folder and given its real name only by
    `commit()`; `abort()` (safe to call at any time, also after commit) leaves no trace.

    The target is checked when the object is made, so a command can refuse a bad `--output`
    before doing any work. `write_output` is the one-shot use; a roster streams into one.
    """

    def __init__(self, path: Path, *, force: bool, text: bool = False) -> None:
        self.path, self.force = Path(path), force
        self.mode = _check_target(self.path, force)
        try:
            fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name[:100]}.", suffix=".tmp")
        except OSError as error:  # no permission, a read-only folder: the target is refused
            raise OutputError(f"cannot write {self.path}: {error.strerror or error}", "output") from None
        self.handle: IO = os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb")

    def write(self, data: bytes | str) -> None:
        try:
            self.handle.write(data)
        except OSError as error:
            self.abort()
            raise WriteFailed(f"cannot write {self.path}: {error.strerror or error}", "output") from None

    def commit(self, *, sync: bool = True) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.chmod(self.tmp, self.mode if self.mode is not None else 0o666 & ~process_umask())
            if self.force:
                os.replace(self.tmp, self.path)
            else:
                _link_no_clobber(self.tmp, self.path)  # removes tmp once the name is taken
        except OutputError:
            raise
        except OSError as error:
            raise WriteFailed(f"cannot write {self.path}: {error.strerror or error}", "output") from None
        finally:
            self.abort()
        if sync:
            sync_folder(self.path.parent)

    def abort(self) -> None:
        if not self.handle.closed:
            with contextlib.suppress(OSError):
                self.handle.close()
        if os.path.lexists(self.tmp):
            _remove_quietly(self.tmp)


def _write_stdout(data: bytes | str) -> None:
    if isinstance(sys.stdout, CheckedStdout):
        if isinstance(data, str):
            sys.stdout.write(data)
        else:
            sys.stdout.write_bytes(bytes(data))
        sys.stdout.flush()
        return
    if isinstance(data, str):
        sys.stdout.write(data)
        sys.stdout.flush()
        return
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced sys.stdout without a byte layer
        sys.stdout.write(bytes(data).decode("utf-8"))
        sys.stdout.flush()
        return
    buffer.write(data)
    buffer.flush()


def _check_target(path: Path, force: bool) -> int | None:
    """Refuse what must not be written; return the mode of a regular file --force replaces."""
    shown = str(path)
    parent = path.parent
    if path.name in ("", ".", ".."):
        raise OutputError(f"{ref('output')} {shown} is a folder; give a file name, e.g. {path / 'plan.ics'}", "output")
    tree = device_path(path)
    if tree is not None:
        raise OutputError(
            f"{ref('output')} {shown} is not a regular file: it is or leads to a device path ({tree}); "
            f"use '{ref('output')} -' to write to stdout",
            "output",
        )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(f"cannot write {shown}: {error.strerror or error}", "output") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{ref('output')} {shown} is a folder; give a file name, e.g. {path / 'plan.ics'}", "output")
    if info is None:
        if not parent.exists():
            raise OutputError(f"cannot write {shown}: the folder {parent} does not exist", "output")
        if not parent.is_dir():
            raise OutputError(f"cannot write {shown}: {parent} is not a folder", "output")
        return None
    if not force:
        raise OutputError(f"{shown} already exists; add {ref('force')} to replace it", "output")
    if stat.S_ISLNK(info.st_mode):
        # --force replaces the link itself, never the file it points to; a link to a
        # device (/dev/stdout) is refused: use `--output -` for stdout.
        try:
            pointed = os.stat(path)
        except OSError:
            return None
        if stat.S_ISDIR(pointed.st_mode):
            raise OutputError(f"{ref('output')} {shown} is a folder; give a file name", "output")
        if not stat.S_ISREG(pointed.st_mode):
            raise OutputError(
                f"{ref('output')} {shown} is not a regular file; use '{ref('output')} -' to write to stdout", "output"
            )
        return None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{ref('output')} {shown} is not a regular file; use '{ref('output')} -' to write to stdout", "output"
        )
    return stat.S_IMODE(info.st_mode)


def _link_no_clobber(tmp: str, path: Path) -> None:
    exists = OutputError(f"{path} already exists; add {ref('force')} to replace it", "output")
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise exists from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINK:
            raise
        _claim_and_replace(tmp, path, exists)
        return
    _remove_quietly(tmp)


def _claim_and_replace(tmp: str, path: Path, exists: OutputError) -> None:
    """No hard links here: claim the name with O_EXCL (fails if it exists), then rename over
    our own empty placeholder. On failure the placeholder is removed again."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise exists from None
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(str(path))
        raise


@functools.cache
def process_umask() -> int:
    """The process's umask, read once: reading it means setting it and back, which two threads
    must never do at once (one would read the other's value and leave it set), so a caller that
    writes from threads reads it before they start (the roster's _FileWriter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def sync_folder(directory: Path) -> None:
    """Make the new names in `directory` durable (best effort: not every platform can open a
    folder). A roster writing one file per patient calls it once at the end, not once a file:
    a folder's fsync cost as much as the file's own."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
