"""``python -m gpt54nano``: the same as the ``gpt54nano`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
