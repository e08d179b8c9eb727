"""The state folder: one process at a time, and a plain error when it cannot be had."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import pytest

from solar2prom.core.files import LOCK_NAME, StateFolderError, held_by_this_process, read_state


def test_a_held_folder_is_refused_and_free_again_after(tmp_path: Path) -> None:
    folder = tmp_path / "state" / "nested"
    with held_by_this_process(folder):
        assert (folder / LOCK_NAME).read_text() == f"{os.getpid()}\n"
        assert (folder / LOCK_NAME).stat().st_mode & 0o777 == 0o600
        assert folder.parent.stat().st_mode & 0o777 == 0o700
        # flock belongs to the open file, so a second open in the same process meets it too.
        busy = pytest.raises(StateFolderError, match=rf"pid {os.getpid()}\) is using")
        with busy, held_by_this_process(folder):
            pass
    with held_by_this_process(folder):
        pass


def test_a_path_under_a_file_is_named(tmp_path: Path) -> None:
    # Tests run as root too, which may write anywhere: a folder under a file fails for anyone.
    (tmp_path / "file").write_text("")
    unusable = pytest.raises(StateFolderError, match=r"cannot use the state folder .*file/state: ")
    with unusable, held_by_this_process(tmp_path / "file" / "state"):
        pass


def test_a_file_system_without_locks_runs_unguarded_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Some NFS mounts answer ENOLCK; no local file system here does, so the kernel's answer
    # is stood in for.
    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with held_by_this_process(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert f"the state folder {tmp_path} cannot be locked (No locks available)" in caplog.text


def test_a_state_file_that_cannot_be_read_is_named_without_its_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "token.json"
    assert read_state(path, "token cache", dict) is None  # none yet: no warning
    assert caplog.text == ""
    path.write_text('{"token": "eyJsecret"}')
    assert read_state(path, "token cache", lambda raw: float(raw["token"])) is None
    assert f"ignoring unreadable token cache {path} (ValueError)" in caplog.text
    assert "eyJsecret" not in caplog.text  # float()'s message would quote it
    assert read_state(path, "token cache", lambda raw: raw["token"]) == "eyJsecret"
