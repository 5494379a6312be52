"""The hub's change feed to files: `files` appends batches durably, `guard` keeps each consumer in
its own file and settings, `csv_view` turns a typed view's rows into CSV lines."""
