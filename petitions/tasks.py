"""django-q2 tasks: thin, they call the services."""


def sweep() -> dict:
    from .supervision import run_sweep

    return run_sweep()
