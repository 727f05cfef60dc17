"""Tests of emergence.report.folder: the report folder never touches an input, one writer at a time,
and nothing is lost or left behind by an interrupted run (issue 17, items 1-3 and 8, each named
after what was measured)."""

import os
import stat
from pathlib import Path

import pytest
from filelock import FileLock

from emergence.cli import main
from emergence.errors import EmergenceError, EmergenceWarning
from emergence.report import check_out_dir, write_folder
from tests.csv_files import RECORD_COLUMNS, record_rows, write


def _errors(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("emergence: error: ")]


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_force_never_replaces_the_folder_holding_the_input(tmp_path, capsys):
    """Measured: `analyze data --out data --force` replaced data/ (holding the input) with the report."""
    data = tmp_path / "data"
    data.mkdir()
    write(data / "records.csv", RECORD_COLUMNS, record_rows())
    before = _snapshot(data)
    assert main(["analyze", str(data), "--out", str(data), "--force"]) == 2
    (line,) = _errors(capsys.readouterr().err)
    assert "holds the input" in line and str(data) in line
    assert _snapshot(data) == before


def test_out_inside_an_input_folder_is_refused(tmp_path, capsys):
    """A report inside the input folder would be read as input by the next run on that folder."""
    data = tmp_path / "data"
    data.mkdir()
    write(data / "records.csv", RECORD_COLUMNS, record_rows())
    assert main(["analyze", str(data), "--out", str(data / "report")]) == 2
    assert "lies inside the input folder" in _errors(capsys.readouterr().err)[0]
    assert [p.name for p in data.iterdir()] == ["records.csv"]


def test_rescore_never_overwrites_its_input(tmp_path, capsys):
    """`rescore r.csv --out r.csv --force` would have replaced the records with scores."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())
    before = path.read_bytes()
    assert main(["rescore", str(path), "--out", str(path), "--force"]) == 2
    assert "is the input" in _errors(capsys.readouterr().err)[0]
    assert path.read_bytes() == before


def test_out_that_holds_the_current_folder_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """Measured: `--out . --force` failed only after the whole analysis."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["analyze", str(path), "--out", ".", "--force"]) == 2
    assert "holds the current folder" in _errors(capsys.readouterr().err)[0]


def test_out_under_a_file_or_a_symlink_is_refused(tmp_path):
    """Measured: --out under a file failed only after the analysis; a symlink --out with --force
    left a stray link."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(EmergenceError, match="which is a file"):
        check_out_dir(tmp_path / "f" / "rep")
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(EmergenceError, match="symbolic link"):
        check_out_dir(tmp_path / "link", force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_out_in_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(EmergenceError, match="permission denied"):
            check_out_dir(folder / "rep")
    finally:
        folder.chmod(0o700)


def test_a_second_run_on_a_locked_folder_is_refused_at_once(tmp_path, capsys):
    """Measured: two concurrent runs to one absent --out both exited 0 in 8 of 20 trials, one report
    silently replacing the other. A run that finds the lock held is refused before any work."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())
    out = tmp_path / "rep"
    with FileLock(tmp_path / ".rep.lock"):
        assert main(["analyze", str(path), "--out", str(out)]) == 2
        assert "another run is writing this report" in _errors(capsys.readouterr().err)[0]
        with pytest.raises(EmergenceError, match="another run"):
            write_folder(out, {"a.csv": lambda p: p.write_text("a")})
    assert not out.exists()
    write_folder(out, {"a.csv": lambda p: p.write_text("a")})  # free again
    assert (out / "a.csv").read_text() == "a"


def test_the_run_that_writes_second_rechecks_under_the_lock(tmp_path, monkeypatch):
    """The folder was empty when checked but another run filled it before this one got the lock:
    without force, this run is refused instead of replacing the other's report."""
    import emergence.report.folder as folder

    out = tmp_path / "rep"
    tidy = folder._tidy

    def other_run_wrote_first(path):
        out.mkdir()
        (out / "theirs.csv").write_text("theirs")
        tidy(path)

    monkeypatch.setattr(folder, "_tidy", other_run_wrote_first)
    with pytest.raises(EmergenceError, match="not empty"):
        write_folder(out, {"a.csv": lambda p: p.write_text("mine")})
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]


def test_a_report_lost_between_the_renames_of_force_is_restored(tmp_path):
    """Measured: a kill between the two renames of --force left --out missing and the old report
    hidden in .rep.old-*; a kill while writing left a hidden .rep.XXXX staging folder. The next run
    restores the old report and removes what dead runs left."""
    out = tmp_path / "rep"
    old = tmp_path / ".rep.old-abc123"
    old.mkdir()
    (old / "a.csv").write_text("old")
    staging = tmp_path / ".rep.staging-dead01"
    staging.mkdir()
    (staging / "half.csv").write_text("half")
    with pytest.warns(EmergenceWarning, match="restored the report"):
        with pytest.raises(EmergenceError, match="not empty"):  # restored, so not replaced without force
            write_folder(out, {"a.csv": lambda p: p.write_text("new")})
    assert (out / "a.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.lock", "rep"]
    write_folder(out, {"a.csv": lambda p: p.write_text("new")}, force=True)
    assert (out / "a.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.lock", "rep"]


def test_the_report_folder_follows_the_umask(tmp_path):
    """Measured: the report folder was created 0700 whatever the umask."""
    mask = os.umask(0o022)
    try:
        out = write_folder(tmp_path / "rep", {"a.csv": lambda p: p.write_text("a")})
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
