"""The CREATE and DROP VIEW statements of every view for one database: `replace_views`, which
the hub's migrations run so that the views match the code, and `missing_view_statements`, which
every open of a current hub runs so that a new entity's views appear without a migration."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ctsync.hub.views.catalog import LOCALIZED_VALUES, PROJECT_LANGUAGE, VIEWS, view_names
from ctsync.hub.views.declarations import Column, View
from ctsync.hub.views.dialects import PROJECT_JOIN, Dialect, JsonRef, dialect_for, string_literal


def _quote(name: str) -> str:
    return f'"{name}"'


def _column_sql(
    sql: Dialect, column: Column, item: JsonRef, outer_element: JsonRef, flags: dict[str, bool]
) -> list[str]:
    """The SQL of one declared column, one expression per output column."""
    base = (outer_element if column.of == "outer" else item).at(column.path)
    kind = column.kind
    if kind == "text":
        return [sql.text(base)]
    if kind == "integer":
        return [sql.integer(base)]
    if kind == "decimal":
        return [sql.decimal(base)]
    if kind == "boolean":
        return [sql.boolean(base)]
    if kind == "timestamp":
        return [sql.timestamp(base)]
    if kind == "localized":
        return [sql.text(base, language=True)]
    if kind == "money":
        return sql.money(base)
    if kind == "text_list":
        return [sql.text_list(base)]
    if kind == "equals":
        other = JsonRef("r.document", column.other)
        return [sql.flag(f"{sql.text(base)} = {sql.text(other)}")]
    if kind == "constant":
        return [sql.const(flags[column.name])]
    raise AssertionError(f"{kind} is rendered by its view")


def _select(
    sql: Dialect, view: View, columns: list[str], joins: list[str], guards: list[str]
) -> str:
    names = [name for name, _ in view.outputs()]
    select = ", ".join(
        f"{expr} AS {_quote(name)}" for expr, name in zip(columns, names, strict=True)
    )
    language = [PROJECT_JOIN] if view.needs_language else []
    where = [f"r.entity = {string_literal(view.entity)}", "r.deleted_at IS NULL", *guards]
    return (
        f"SELECT {select} FROM records AS r {' '.join([*language, *joins])} "
        f"WHERE {' AND '.join(where)}"
    )


def _main_view_sql(sql: Dialect, view: View) -> str:
    document = JsonRef("r.document")
    columns = [
        "r.project_key",
        "r.id",
        "r.key",
        "r.version",
        sql.timestamp_of("r.created_at"),
        sql.timestamp_of("r.last_modified_at"),
    ]
    for column in view.columns:
        columns += _column_sql(sql, column, document, document, {})
    return _select(sql, view, columns, [], [])


def _child_view_sql(sql: Dialect, view: View) -> str:
    document = JsonRef("r.document")
    selects = []
    for src in view.sources:
        joins: list[str] = []
        guards: list[str] = []
        if src.single:
            element = document.at(src.path)
            guards.append(f"{sql.json_type(element)} = 'object'")
            index = str(src.first_position)
        else:
            join, guard, index, element = sql.elements("o", document.at(src.path))
            joins.append(join)
            guards.append(guard)
            if src.first_position:
                index = f"{index} + {src.first_position}"
        item = element
        if src.inner:
            join, guard, index, item = sql.elements("i", element.at(src.inner))
            joins.append(join)
            guards.append(guard)
        elif src.item:
            item = element.at(src.item)
            guards.append(f"{sql.json_type(item)} = 'object'")
        columns = ["r.project_key", "r.id"]
        for column in view.columns:
            if column.kind == "position":
                columns.append(index)
            else:
                columns += _column_sql(sql, column, item, element, dict(src.constants))
        selects.append(_select(sql, view, columns, joins, guards))
    return " UNION ALL ".join(selects)


def _view_sql(sql: Dialect, view: View) -> str:
    return _child_view_sql(sql, view) if view.sources else _main_view_sql(sql, view)


def create_view_statements(dialect_name: str) -> list[str]:
    """CREATE VIEW statements for "sqlite" or "postgresql", each view after those it reads.

    The SQL has no parameters, `%` or `:name`, so a driver or an Alembic `op.execute` runs it
    as written.
    """
    sql = dialect_for(dialect_name)
    project_language = (
        f"SELECT p.project_key AS project_key, {sql.language('p.document')} AS language "
        "FROM records AS p WHERE p.entity = 'project' AND p.id = p.project_key "
        "AND p.deleted_at IS NULL"
    )
    statements = [f"CREATE VIEW {PROJECT_LANGUAGE} AS {project_language}"]
    statements += [f"CREATE VIEW {view.name} AS {_view_sql(sql, view)}" for view in VIEWS.values()]
    statements.append(f"CREATE VIEW {LOCALIZED_VALUES} AS {sql.localized_values()}")
    return statements


def drop_view_statements(dialect_name: str) -> list[str]:
    """DROP VIEW IF EXISTS for every view, readers before what they read."""
    dialect_for(dialect_name)
    return [f"DROP VIEW IF EXISTS {name}" for name in reversed(view_names())]


def missing_view_statements(connection: Connection) -> list[str]:
    """The CREATE VIEW statements of the views this code declares and the hub lacks (a new
    entity's), in creation order. Views the hub has are left as they are: changing one ships a
    migration that calls `replace_views`."""
    statements = create_view_statements(connection.dialect.name)
    names = view_names()
    assert len(statements) == len(names), "a CREATE VIEW statement per view name"
    present = set(inspect(connection).get_view_names())
    return [sql for name, sql in zip(names, statements, strict=True) if name not in present]


def replace_views(connection: Connection) -> None:
    """Drop and create every view on this connection (inside the caller's transaction), so that
    the views always match this version of the code."""
    dialect_name = connection.dialect.name
    for statement in [*drop_view_statements(dialect_name), *create_view_statements(dialect_name)]:
        connection.exec_driver_sql(statement)
