"""``python -m eval`` is ``ringkas eval``."""

from eval.cli import main

main()
