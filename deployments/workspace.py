"""A pull step of prefect.yaml: every run's `data/` is the worker's one data directory.

A deployment's run clones the repository (`git_clone`) into a directory of its own (by default
a temporary one that the process worker deletes when the run ends) and runs there, so a path
relative to the run, such as the default hub `sqlite:///data/hub.db` or an export file
`data/exports/changes.jsonl`, would land in that clone: a new, empty hub for every run, gone
with it. This step makes `data` in the clone a link to the worker's data directory
(`COMMERCETOOLS_DATA_DIR`), so every run, whatever its clone, branch or commit, reads and writes
the same hub and files. Only the standard library here: the step runs in the worker's Python
before the flow's code is there.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR_VARIABLE = "COMMERCETOOLS_DATA_DIR"
LINK_NAME = "data"


class DataDirectoryError(RuntimeError):
    """The worker has no usable data directory, or the clone already keeps data of its own."""


def link_data_directory(directory: str, data_directory: str = "") -> dict[str, str]:
    """Make `<directory>/data` a link to `data_directory` (created if missing).

    `directory` is the clone (the `git_clone` step's output, relative to the current working
    directory); `data_directory` is an absolute path, from the worker's environment. Returns
    `{"data_directory": <absolute path>}`. Raises DataDirectoryError, naming the fix, rather
    than let a run write a hub of its own.
    """
    data = _absolute_data_directory(data_directory)
    data.mkdir(parents=True, exist_ok=True)
    link = Path(directory).resolve() / LINK_NAME
    if link.is_symlink():
        if link.resolve() == data.resolve():
            return {"data_directory": str(data)}
        link.unlink()  # the worker's data directory moved: follow it
    elif link.exists():
        raise DataDirectoryError(
            f"{link} is a directory of its own, not a link to the worker's data directory "
            f"{data}: a hub or export written there would be a second one. Move what it "
            f"holds into {data} and delete it."
        )
    link.symlink_to(data, target_is_directory=True)
    return {"data_directory": str(data)}


def _absolute_data_directory(value: str) -> Path:
    if not value.strip():
        raise DataDirectoryError(
            f"{DATA_DIR_VARIABLE} is not set in the worker's environment: set it to the "
            "absolute path of the directory that keeps the hub and the export files (e.g. "
            f"{DATA_DIR_VARIABLE}=/var/lib/prefect-commercetools/data in the worker's service, "
            f"or export {DATA_DIR_VARIABLE}=$PWD/data in a checkout) and restart the worker."
        )
    path = Path(value.strip()).expanduser()
    if not path.is_absolute():
        raise DataDirectoryError(
            f"{DATA_DIR_VARIABLE}={value!r} is relative: runs start in clones of their own, "
            "so it would name a different directory in each. Give an absolute path."
        )
    return path
