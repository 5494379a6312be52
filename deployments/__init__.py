"""Entry points that run or serve the flows: the demo, the deployment catalog and `serve`; and
`hub_schema`, a hub's schema upgraded by hand."""
