"""A run's bookkeeping: what it is asked (`options`, checked once where they enter), what it did
(`counts`, added up across tasks) and how it says so (`report`, the story every report tells, with
`sync_report`, `push_report` and `sync_all_report`; laid out by `tables`)."""
