"""Entry points that run or serve the flows: the demo, the deployment catalog and `serve`."""
