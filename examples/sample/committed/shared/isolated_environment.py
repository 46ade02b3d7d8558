import os


class IsolatedEnvironment:
    """The one place that reads the process environment."""

    def get(self, key, default=None):
        return os.environ.get(key, default)
