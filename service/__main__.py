"""``python -m service`` is the ``ringkas`` command."""

from service.cli import main

main()
