"""One module per pushed resource, each declaring its push as `PUSH`: its draft model, how a
resource becomes a draft, its update actions and how its drafts are matched. `ctsync.push.registry`
finds them here, so a new push is one new module. A module named `_…` is a helper of one push."""
