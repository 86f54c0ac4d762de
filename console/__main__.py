"""``jump-console``: the representative console (being built; see README)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print(
        "jump-console: the console is not built yet; run `make run` to start the appliance "
        "with a demo fleet and script it with curl or api_client.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
