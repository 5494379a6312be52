"""Project to project: `plan` turns a source project's hub records into drafts for a target."""
