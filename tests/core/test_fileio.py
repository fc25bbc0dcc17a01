"""Atomic writes keep the user's normal file permissions (not mkstemp's private 0600)."""

from __future__ import annotations

import os

from ganbench.core.fileio import write_json, write_text


def test_new_files_get_the_umask_mode_and_replaced_files_keep_theirs(tmp_path):
    old = os.umask(0o027)
    try:
        write_json(tmp_path / "record.json", {"a": 1})
        assert (tmp_path / "record.json").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
    kept = tmp_path / "board.md"
    kept.write_text("old")
    kept.chmod(0o664)
    write_text(kept, "new")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o664
