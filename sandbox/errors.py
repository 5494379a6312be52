"""The one error the sandbox's Python side raises."""


class SandboxError(RuntimeError):
    """The sandbox could not be started or a control call failed."""
