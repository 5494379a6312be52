"""Typed relational views over the hub's `records`, so other systems read tables, not JSON.

Each view is declared once as data (`View`, `Column`, `Source`) and rendered for SQLite or
PostgreSQL by `create_view_statements`; `python_rows` computes the same rows by walking the
documents in Python, which is how the tests check the SQL. The rules below hold on both
databases and in `python_rows`:

- Only live records (`deleted_at IS NULL`). Every view starts with `project_key`.
- Main views (one per entity, named after it with "-" as "_") have `id`, `key` (the hub's natural
  key of the record: the email of a customer, the order number of an order, the SKU of an
  inventory entry, the code of a discount code, `container/key` of a custom object),
  `version`, `created_at`, `last_modified_at`, then a few fields people filter on.
- A column holds a value only when the JSON value has the column's type; a missing field, a
  JSON null, or a value of another type (a string where a number belongs) is SQL NULL, never
  an error: text = JSON strings; integer = JSON integers of at most 18 digits; decimal = JSON
  numbers (exact NUMERIC on PostgreSQL, REAL on SQLite); boolean = true/false (boolean on
  PostgreSQL, 1/0 on SQLite); text list = the strings of an array joined by ", " (NULL when
  there are none); timestamp = a string in ISO 8601 form with a zone (timestamptz on
  PostgreSQL, where calendar-impossible dates such as 2026-02-30 are NULL; the string itself
  on SQLite, which checks only its shape).
- Money `<x>` is three columns: `<x>_amount` = (preciseAmount when it is an integer, for
  high-precision money, else centAmount) / 10^fractionDigits, exact NUMERIC on PostgreSQL and
  REAL on SQLite, NULL unless fractionDigits is an integer 0..20; `<x>_currency`;
  `<x>_cent_amount`.
- Localized fields are shown in the project's first language: `languages[0]` of the live
  `project` record whose id is the project_key (a pull stores the project under its key; the
  view `project_language` shows it); NULL when the hub has no such record or that language is
  not a language tag (letters, digits, "-", "_"); joined by primary key, one index lookup a
  row. `localized_values` has every locale of every localized field.
- Child views have one row per array element that is a JSON object (other elements are
  skipped); `position` is the element's 0-based index in its array, the index a JSON path
  uses (`lineItems[2]`), so a skipped element's position is not reused.

One module per job: `value_rules` (what a column accepts, shared by all three renderings),
`declarations` (`Column`, `Source`, `View`), `main_views`, `child_views` and `catalog` (the
views themselves), `dialects` (typed JSON reads in SQLite and PostgreSQL), `statements` (CREATE
and DROP VIEW, `replace_views`) and `in_python` (`python_rows`).
"""

from ctsync.hub.views.catalog import (
    LOCALIZED_FIELDS,
    LOCALIZED_VALUES,
    PROJECT_LANGUAGE,
    VIEWS,
    view_columns,
    view_names,
)
from ctsync.hub.views.declarations import (
    Column,
    Kind,
    Source,
    SqlType,
    Step,
    View,
    boolean,
    constant,
    decimal,
    equals,
    integer,
    localized,
    money,
    outer,
    position,
    source,
    text,
    text_list,
    timestamp,
)
from ctsync.hub.views.in_python import python_rows
from ctsync.hub.views.statements import (
    create_view_statements,
    drop_view_statements,
    replace_views,
)
from ctsync.hub.views.value_rules import (
    INTEGER_DIGITS,
    LANGUAGE_PATTERN,
    LIST_SEPARATOR,
    MAX_FRACTION_DIGITS,
    TIMESTAMP_PATTERN,
)

__all__ = [
    "INTEGER_DIGITS",
    "LANGUAGE_PATTERN",
    "LIST_SEPARATOR",
    "LOCALIZED_FIELDS",
    "LOCALIZED_VALUES",
    "MAX_FRACTION_DIGITS",
    "PROJECT_LANGUAGE",
    "TIMESTAMP_PATTERN",
    "VIEWS",
    "Column",
    "Kind",
    "Source",
    "SqlType",
    "Step",
    "View",
    "boolean",
    "constant",
    "create_view_statements",
    "decimal",
    "drop_view_statements",
    "equals",
    "integer",
    "localized",
    "money",
    "outer",
    "position",
    "python_rows",
    "replace_views",
    "source",
    "text",
    "text_list",
    "timestamp",
    "view_columns",
    "view_names",
]
