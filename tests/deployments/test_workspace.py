"""prefect.yaml's pull steps: a clone of the repository, whose data/ is the worker's one data
directory, so the default hub outlives every clone (no server; the e2e test runs them for real)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prefect.runner.storage import GitRepository

from deployments.workspace import DataDirectoryError, link_data_directory

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_clones_the_repository_of_the_variables_then_links_data() -> None:
    clone, link = yaml.safe_load((ROOT / "prefect.yaml").read_text())["pull"]
    assert clone == {
        "prefect.deployments.steps.git_clone": {
            "id": "clone",
            "repository": "{{ prefect.variables.commercetools_repository }}",
            "branch": "{{ prefect.variables.commercetools_branch }}",
        }
    }
    assert link == {
        "deployments.workspace.link_data_directory": {
            "directory": "{{ clone.directory }}",
            "data_directory": "{{ $COMMERCETOOLS_DATA_DIR }}",
        }
    }


def test_data_of_a_clone_is_the_worker_data_directory(tmp_path: Path) -> None:
    clone, data = tmp_path / "clone", tmp_path / "state" / "data"
    clone.mkdir()
    assert link_data_directory(str(clone), str(data)) == {"data_directory": str(data)}
    (clone / "data" / "hub.db").write_text("the hub")
    assert (data / "hub.db").read_text() == "the hub"
    # The next run's step, and one after the worker's data directory moved.
    assert link_data_directory(str(clone), str(data)) == {"data_directory": str(data)}
    moved = tmp_path / "elsewhere"
    link_data_directory(str(clone), str(moved))
    assert (clone / "data").resolve() == moved.resolve()


@pytest.mark.parametrize(
    ("value", "says"), [("", "is not set"), ("  ", "is not set"), ("data", "is relative")]
)
def test_a_worker_without_an_absolute_data_directory_fails_the_run(
    tmp_path: Path, value: str, says: str
) -> None:
    with pytest.raises(DataDirectoryError, match=says):
        link_data_directory(str(tmp_path), value)
    assert not (tmp_path / "data").exists()


def test_a_clone_that_keeps_data_of_its_own_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clone" / "data").mkdir(parents=True)
    (tmp_path / "clone" / "data" / "hub.db").write_text("a second hub")
    with pytest.raises(DataDirectoryError, match="a second one"):
        link_data_directory(str(tmp_path / "clone"), str(tmp_path / "data"))


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_second_pull_into_the_same_clone_keeps_the_link_and_a_new_clone_the_hub(
    tmp_path: Path,
) -> None:
    """What Prefect's git_clone does in a working directory that outlives runs: the first run
    clones, the next fetches and moves the clone to the new commit; a failed fetch deletes the
    clone and clones again. The hub, behind the link, survives all three."""
    source, bare, work, data = (tmp_path / n for n in ("source", "remote.git", "runs", "data"))
    source.mkdir()
    work.mkdir()
    (source / "flow.py").write_text("1\n")
    _git(source, "init", "-q", "-b", "main")
    _git(source, "add", "-A")
    _git(source, "commit", "-q", "-m", "1")
    _git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    repository = GitRepository(url=f"file://{bare}", branch="main")
    repository.set_base_path(work)

    asyncio.run(repository.pull_code())
    link_data_directory(str(repository.destination), str(data))
    (repository.destination / "data" / "hub.db").write_text("the hub")

    (source / "flow.py").write_text("2\n")
    _git(source, "commit", "-q", "-am", "2")
    _git(source, "push", "-q", str(bare), "main")
    asyncio.run(repository.pull_code())
    link_data_directory(str(repository.destination), str(data))
    assert (repository.destination / "flow.py").read_text() == "2\n"
    assert (repository.destination / "data").is_symlink()

    shutil.rmtree(repository.destination)  # as Prefect does when a fetch fails
    asyncio.run(repository.pull_code())
    link_data_directory(str(repository.destination), str(data))
    assert (repository.destination / "data" / "hub.db").read_text() == "the hub"
