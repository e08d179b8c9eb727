"""The state folder: one process at a time, and a plain error when it cannot be had."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solar2prom.core.files import LOCK_NAME, StateFolderError, held_by_this_process


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
