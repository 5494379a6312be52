"""How an optional or either-or value reads in the Prefect UI's forms (block form, Run form).

The UI draws a union (`anyOf`) as a toggle labelled by each member's title, else its type, and a
`None` member as a pane that only says 'Property is type "None"'. `Shown` drops the null member
(an empty field means None) and gives the others the labels a person understands.
"""

from __future__ import annotations

from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Shown:
    """JSON schema of a union without its null member; `labels` titles the members that are
    left by their JSON type (`string="Block name"`; a block member keeps its block's title:
    pydantic drops a title beside a `$ref`)."""

    def __init__(self, **labels: str) -> None:
        self.labels = labels

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if "anyOf" not in schema:
            return schema
        members = [dict(m) for m in schema.pop("anyOf") if m != {"type": "null"}]
        for member in members:
            label = self.labels.get(_kind(member))
            if label:
                member["title"] = label
        if len(members) == 1:
            members[0].pop("title", None)
            schema.update(members[0])
        else:
            schema["anyOf"] = members
        return schema


def _kind(member: dict[str, Any]) -> str:
    return str(member.get("type", ""))
