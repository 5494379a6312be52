"""prefect.yaml as the deployments' catalog declares it: `render()` writes the file's text.

The file is generated (`python -m deployments.generated_files --write`), never edited by hand:
its deployments come from `deployments.catalog.DEPLOYMENTS` (one sync per registry entity, one
push per pushed entity, the flows that are neither), its comments from this module and from
each `DeploymentSpec.note`.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from ctsync.registry import ENTITIES
from deployments.catalog import (
    COLLISION_STRATEGY,
    DEFAULT_CREDENTIALS,
    DEPLOYMENTS,
    RUNS_AT_ONCE,
    WORK_POOL,
    DeploymentSpec,
)

_HEADER = """\
# Deployments of prefect-commercetools, for a process worker. From the repository root:
#   prefect work-pool create {wp} --type process   (once; or: make deploy, all three)
#   prefect work-pool set-concurrency-limit {wp} {ro}  (the most runs at once: the {ns}
#                                                            syncs come due together every hour)
#   prefect variable set commercetools_repository <git URL>  (once; or: make deploy)
#   prefect deploy --all
#   COMMERCETOOLS_DATA_DIR=/abs/path prefect worker start --pool {wp}   (or: make worker)
# Generated from deployments/catalog.py and the registry (ctsync/registry/), which
# `python -m deployments.serve` serves too: change those, then write this file again with
# `python -m deployments.generated_files --write` (make generate); tests/deployments fails
# when it drifts.
# Every run gets `credentials: {cr}` (the exports `project: {cr}`, the project of that
# block): save a commercetools Credentials block under that name, or change it in the catalog, or
# in the UI's Run form. Entrypoints are module paths (flows.sync:sync_customers), imported once by
# `prefect deploy --all` for all {nd} (a file path runs its file again for each deployment).
name: prefect-commercetools
prefect-version: 3.9.1

build: null
push: null

# Every run takes its code from git: it clones the repository and branch that two Prefect
# variables name, into a directory of its own on the worker (a temporary one by default), and
# runs there. Prefect resolves the templates of `pull:` when each run starts, on the worker (not
# at `prefect deploy`), so a change of either variable applies from the next run on:
#   prefect variable set commercetools_repository https://github.com/you/prefect-commercetools.git
#   prefect variable set commercetools_branch main   (optional; unset: the remote's default branch)
# A private repository: add `access_token: "{{{{ prefect.blocks.secret.<name> }}}}"` to git_clone.
# Then `data/` of the clone becomes a link to the worker's data directory, $COMMERCETOOLS_DATA_DIR
# (an absolute path in the worker's environment; the run fails, saying so, when it is unset):
# the default hub sqlite:///data/hub.db and export files such as data/exports/changes.jsonl
# stay in that one place across runs, code updates, branches and clones.
pull:
  - prefect.deployments.steps.git_clone:
      id: clone
      repository: "{{{{ prefect.variables.commercetools_repository }}}}"
      branch: "{{{{ prefect.variables.commercetools_branch }}}}"
  - deployments.workspace.link_data_directory:
      directory: "{{{{ clone.directory }}}}"
      data_directory: "{{{{ $COMMERCETOOLS_DATA_DIR }}}}"

definitions:
  work_pool: &work_pool
    name: {wp}
    work_queue_name: default
  # One run at a time per deployment: a run that starts while the previous one still runs is
  # cancelled (the next one catches up from the watermark), never run side by side with it.
  sync: &sync
    enforce_parameter_schema: true
    concurrency_limit:
      limit: 1
      collision_strategy: {cs}
    work_pool: *work_pool

deployments:
"""

_SAFE_IN_FLOW = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_SAFE_IN_BLOCK = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/:,;()'-]*")


def render() -> str:
    """The whole text of prefect.yaml."""
    header = _HEADER.format(
        wp=WORK_POOL,
        ro=RUNS_AT_ONCE,
        ns=len(ENTITIES),
        nd=len(DEPLOYMENTS),
        cr=DEFAULT_CREDENTIALS,
        cs=COLLISION_STRATEGY,
    )
    blocks = ["\n".join(_deployment(spec)) + "\n" for spec in DEPLOYMENTS]
    return header + "\n".join(blocks)


def _deployment(spec: DeploymentSpec) -> list[str]:
    """One item of `deployments:`: the one-at-a-time ones merge `*sync`, the others name the
    work pool themselves."""
    fields = ["<<: *sync"] if spec.one_at_a_time else []
    fields += [
        f"name: {_scalar(spec.name)}",
        f"entrypoint: {_scalar(spec.entrypoint)}",
        f"description: {_scalar(spec.description)}",
    ]
    if not spec.one_at_a_time:
        fields += ["enforce_parameter_schema: true", "work_pool: *work_pool"]
    fields.append(f"parameters: {_flow(spec.parameters)}")
    if spec.interval:
        fields.append(f"schedules: [{{interval: {spec.interval}}}]")
    fields.append(f"tags: {_flow(spec.tags)}")
    if spec.one_at_a_time and spec.collision_strategy != COLLISION_STRATEGY:
        limit = {"limit": 1, "collision_strategy": spec.collision_strategy}
        fields += _block({"concurrency_limit": limit})
    if spec.triggers:
        fields += _block({"triggers": spec.triggers})
    note = textwrap.wrap(spec.note, width=96)
    return [
        *(f"  # {line}" for line in note),
        f"  - {fields[0]}",
        *(f"    {field}" for field in fields[1:]),
    ]


def _block(mapping: Mapping[str, Any], indent: int = 0) -> list[str]:
    """A mapping in block style: mappings and lists of mappings nested, other lists in flow."""
    pad = " " * indent
    lines = []
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            lines += [f"{pad}{key}:", *_block(value, indent + 2)]
        elif _is_list(value) and value and all(isinstance(item, Mapping) for item in value):
            lines.append(f"{pad}{key}:")
            for item in value:
                first, *rest = _block(item, indent + 4)
                lines += [f"{pad}  - {first.lstrip()}", *rest]
        else:
            shown = _flow(value) if _is_list(value) else _scalar(value)
            lines.append(f"{pad}{key}: {shown}")
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if _is_list(value):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value, safe=_SAFE_IN_FLOW)


def _scalar(value: Any, safe: re.Pattern[str] = _SAFE_IN_BLOCK) -> str:
    """The value as YAML reads it back: plain when that is unambiguous, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if safe.fullmatch(text) and _reads_back(text, text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_back(written: str, value: str) -> bool:
    try:
        return yaml.safe_load(f"value: {written}") == {"value": value}
    except yaml.YAMLError:
        return False


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)
