"""``jump-client``: the Jump Client agent (being built; see README)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("jump-client: the Jump Client is not built yet.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
