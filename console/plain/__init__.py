"""Plain mode: the console as labelled lines, for screen readers, braille and ``TERM=dumb``.

The same store, live feed and appliance actions as the full-screen console; nothing is
repainted. Lists are numbered and paged; every command answers with lines that say what they
are, and every action ends with one sentence. Live changes are announced only for the items
the user follows (rate-limited; ``quiet on`` silences them); strict-end warnings always.

Its rooms: :mod:`console.plain.console` (the loop, the feed, the list and the dispatch) and one
module per kind of command (sessions, the shell, administration, ...), each a set of functions
taking the console.
"""

from __future__ import annotations

from console.plain.console import COMMAND_WORDS, HELP, PAGE, PROMPT, PlainConsole, setup_readline

__all__ = ["COMMAND_WORDS", "HELP", "PAGE", "PROMPT", "PlainConsole", "setup_readline"]
