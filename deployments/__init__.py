"""Entry points that run or serve the flows: the demo, and (later) serve/deploy helpers."""
