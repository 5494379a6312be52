"""A run's bookkeeping: what it is asked (`options`, checked once where they enter), what it did
(`counts`, added up across tasks) and how it says so (`report`, laid out by `tables`)."""
