"""--output: stdout, no-clobber, --force, atomic write, clear errors."""

from __future__ import annotations

import errno
import io
import os
import stat
import sys

import pytest

from ketplan.core.errors import InputError
from ketplan.io import files
from ketplan.io.files import write_output

DATA = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_new_file(tmp_path):
    target = tmp_path / "plan.ics"
    write_output(DATA, target, force=False)
    assert target.read_bytes() == DATA
    assert leftovers(tmp_path) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~files.process_umask()


def test_str_is_written_as_utf8(tmp_path):
    target = tmp_path / "plan.txt"
    write_output("Esketamine 56 mg – induction 1/8\n", target, force=False)
    assert target.read_bytes() == "Esketamine 56 mg – induction 1/8\n".encode()


def test_no_clobber_without_force(tmp_path):
    target = tmp_path / "plan.ics"
    target.write_bytes(b"old")
    with pytest.raises(InputError) as caught:
        write_output(DATA, target, force=False)
    assert caught.value.field == "output"
    assert str(target) in caught.value.message and "--force" in caught.value.message
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_force_replaces_and_keeps_mode(tmp_path):
    target = tmp_path / "plan.ics"
    target.write_bytes(b"old contents that are longer than the new ones" * 100)
    target.chmod(0o640)
    write_output(DATA, target, force=True)
    assert target.read_bytes() == DATA
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_race_file_created_after_check_is_not_clobbered(tmp_path, monkeypatch):
    target = tmp_path / "plan.ics"
    real_mkstemp = files.tempfile.mkstemp

    def mkstemp_then_someone_writes(*args, **kwargs):
        result = real_mkstemp(*args, **kwargs)
        target.write_bytes(b"theirs")
        return result

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp_then_someone_writes)
    with pytest.raises(InputError, match="--force"):
        write_output(DATA, target, force=False)
    assert target.read_bytes() == b"theirs"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_no_hard_links_falls_back_to_exclusive_create(tmp_path, monkeypatch, code):
    def no_link(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "link", no_link)
    target = tmp_path / "plan.ics"
    write_output(DATA, target, force=False)
    assert target.read_bytes() == DATA
    assert leftovers(tmp_path) == []
    with pytest.raises(InputError, match="already exists"):
        write_output(b"new", target, force=False)
    assert target.read_bytes() == DATA
    assert leftovers(tmp_path) == []


def test_missing_folder(tmp_path):
    target = tmp_path / "nope" / "plan.ics"
    with pytest.raises(InputError) as caught:
        write_output(DATA, target, force=True)
    assert caught.value.field == "output"
    assert "does not exist" in caught.value.message and str(tmp_path / "nope") in caught.value.message
    assert not (tmp_path / "nope").exists()


def test_parent_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError) as caught:
        write_output(DATA, tmp_path / "afile" / "plan.ics", force=False)
    assert caught.value.field == "output"


@pytest.mark.parametrize("force", [False, True])
def test_directory_target(tmp_path, force):
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(InputError) as caught:
        write_output(DATA, folder, force=force)
    assert caught.value.field == "output" and "folder" in caught.value.message
    assert list(folder.iterdir()) == []


def test_symlink_to_a_device_is_refused_even_with_force(tmp_path):
    link = tmp_path / "out.ics"
    link.symlink_to(os.devnull)
    with pytest.raises(InputError, match="not a regular file"):
        write_output(DATA, link, force=True)
    assert link.is_symlink()


def test_force_replaces_a_symlink_not_its_target(tmp_path):
    real = tmp_path / "real.ics"
    real.write_bytes(b"keep me")
    link = tmp_path / "link.ics"
    link.symlink_to(real)
    write_output(DATA, link, force=True)
    assert real.read_bytes() == b"keep me"
    assert not link.is_symlink() and link.read_bytes() == DATA


def _fail_with(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize("force", [False, True])
def test_enospc_during_fsync_leaves_nothing(tmp_path, monkeypatch, force):
    target = tmp_path / "plan.ics"
    if force:
        target.write_bytes(b"old")
    monkeypatch.setattr(files.os, "fsync", _fail_with(errno.ENOSPC))
    with pytest.raises(InputError) as caught:
        write_output(DATA * 1000, target, force=force)
    assert caught.value.field == "output"
    assert caught.value.message.startswith(f"cannot write {target}: ")
    assert "No space left on device" in caught.value.message
    assert leftovers(tmp_path) == []
    if force:
        assert target.read_bytes() == b"old"
    else:
        assert not target.exists()


def test_enospc_during_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "plan.ics"
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self._file = real_fdopen(fd, "wb")

        def write(self, data):
            self._file.write(bytes(data[: len(data) // 2]))
            self._file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def fileno(self):
            return self._file.fileno()

        def close(self):
            self._file.close()
            super().close()

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode="r": Full(fd))
    with pytest.raises(InputError, match="No space left on device"):
        write_output(DATA * 1000, target, force=False)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_permission_denied_folder(tmp_path, monkeypatch):
    # We run as root, where chmod does not stop writes: simulate the refusal instead.
    monkeypatch.setattr(files.tempfile, "mkstemp", _fail_with(errno.EACCES))
    target = tmp_path / "plan.ics"
    with pytest.raises(InputError) as caught:
        write_output(DATA, target, force=False)
    assert caught.value.field == "output"
    assert caught.value.message == f"cannot write {target}: Permission denied"
    assert not target.exists()


def test_rename_fails_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "plan.ics"
    target.write_bytes(b"old")
    monkeypatch.setattr(files.os, "replace", _fail_with(errno.EACCES))
    with pytest.raises(InputError, match="Permission denied"):
        write_output(DATA, target, force=True)
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_link_fails_for_another_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(files.os, "link", _fail_with(errno.EIO))
    target = tmp_path / "plan.ics"
    with pytest.raises(InputError, match="Input/output error"):
        write_output(DATA, target, force=False)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_fallback_replace_failure_removes_placeholder(tmp_path, monkeypatch):
    monkeypatch.setattr(files.os, "link", _fail_with(errno.EPERM))
    monkeypatch.setattr(files.os, "replace", _fail_with(errno.EIO))
    target = tmp_path / "plan.ics"
    with pytest.raises(InputError):
        write_output(DATA, target, force=False)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_interrupt_leaves_no_temp(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(DATA, tmp_path / "plan.ics", force=False)
    assert list(tmp_path.iterdir()) == []


def test_relative_path_in_current_folder(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    write_output(DATA, Path("plan.ics"), force=False)
    assert (tmp_path / "plan.ics").read_bytes() == DATA


def test_stdout_bytes(capfdbinary):
    write_output(DATA, None, force=False)
    assert capfdbinary.readouterr().out == DATA


def test_stdout_str(capsys):
    write_output("hello\n", None, force=False)
    assert capsys.readouterr().out == "hello\n"


def test_stdout_without_buffer(monkeypatch):
    fake = io.StringIO()
    monkeypatch.setattr(sys, "stdout", fake)
    write_output(b"caf\xc3\xa9", None, force=False)
    assert fake.getvalue() == "café"
