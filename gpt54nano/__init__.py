"""The application: the ``gpt54nano`` command (``chat``, ``demo``, ``--version``) and its demos.

It is the only package of the distribution that may import all the others (the transport, the
emulator and both adapters); the import-linter contracts in ``pyproject.toml`` keep it so.
"""

from gpt54nano_gateway import __version__

__all__ = ["__version__"]
