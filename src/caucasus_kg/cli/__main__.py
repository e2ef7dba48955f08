"""``python -m caucasus_kg.cli``: the same as the ``caucasus-kg`` command."""

from caucasus_kg.cli import main

main()
