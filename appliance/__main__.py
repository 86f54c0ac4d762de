"""``jump-appliance``: run the reference appliance."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time

import uvicorn
from pydantic import ValidationError

from appliance.app import create_app
from appliance.config import ApplianceSettings
from appliance.db import DatabaseUnavailable, Repository, SchemaTooNew, redacted
from appliance.serving import server_config
from domain.text import show_logs_plainly


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jump-appliance",
        description="Run the Jump Console reference appliance (Config API, rep API). "
        "'jump-appliance jumpoint --help' tells how to run a Jumpoint.",
    )
    p.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite database file (default: user data dir), or postgresql://USER@HOST/NAME "
        "to share one site between several nodes (the password is best given in "
        "JUMP_APPLIANCE_DB or ~/.pgpass, out of the process list)",
    )
    p.add_argument(
        "--bus",
        metavar="URL",
        help="redis://HOST:PORT/N shared by the nodes of one site (with a shared "
        "postgresql:// --db); without it the node stands alone",
    )
    p.add_argument("--node-id", help="this node's name on the bus (default: random)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default 8400; 0 = any free)")
    p.add_argument(
        "--demo-fleet",
        type=int,
        metavar="N",
        help="seed a demo site with N Jump Clients on first start",
    )
    p.add_argument("--demo-seed", type=int, help="seed of the demo data (default 42)")
    p.add_argument("--demo-password", help="password of the demo users (default 'demo')")
    p.add_argument(
        "--api-account",
        metavar="ID:SECRET",
        help="create (or reset) a Config API account at start; "
        "JUMP_APPLIANCE_API_ACCOUNT keeps the secret out of the process list",
    )
    return p


def _settings(args: argparse.Namespace) -> ApplianceSettings:
    given = {
        "db": args.db,
        "bus": args.bus,
        "node_id": args.node_id,
        "host": args.host,
        "port": args.port,
        "demo_fleet": args.demo_fleet,
        "demo_seed": args.demo_seed,
        "demo_password": args.demo_password,
    }
    return ApplianceSettings(**{k: v for k, v in given.items() if v is not None})


def _api_account(value: str | None) -> tuple[str, str] | None:
    value = value or os.environ.get("JUMP_APPLIANCE_API_ACCOUNT")
    if not value:
        return None
    client_id, sep, secret = value.partition(":")
    if not sep or not client_id or not secret:
        raise ValueError("--api-account must be ID:SECRET, both parts non-empty")
    return client_id, secret


def _seed(repo: Repository, settings: ApplianceSettings) -> None:
    """Seed the demo site (on first start), saying how far it is when it takes a while."""
    from appliance.bootstrap import bootstrap
    from appliance.clock import SystemClock
    from appliance.demo import seed_demo

    started = time.monotonic()
    said = [started]  # a seeding of a few seconds says nothing

    def progress(done: int, size: int) -> None:
        now = time.monotonic()
        if now - said[0] < 2 and (done < size or said[0] == started):
            return
        said[0] = now
        print(
            f"Seeding the demo site: {done:,} of {size:,} Jump Clients ({now - started:.0f} s).",
            flush=True,
        )

    bootstrap(repo)
    seed_demo(repo, settings, SystemClock(), progress)


async def _serve(server: uvicorn.Server, banner: str) -> None:
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.05)
    sockets = [s for srv in server.servers for s in srv.sockets]
    host, port = sockets[0].getsockname()[:2]
    print(f"Jump appliance listening on http://{host}:{port}", flush=True)
    print(banner, flush=True)
    await task


def jumpoint_main(argv: list[str]) -> int:
    """``jump-appliance jumpoint --appliance URL --listen HOST:PORT``."""
    import logging

    from appliance import jumpoint

    p = argparse.ArgumentParser(
        prog="jump-appliance jumpoint",
        description="Relay Jump Client connections from this network to the appliance.",
    )
    p.add_argument("--appliance", required=True, help="the appliance URL to relay to")
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help="where clients connect")
    args = p.parse_args(argv)
    try:
        jumpoint.upstream_of(args.appliance)
        listen = jumpoint.listen_of(args.listen)
    except ValueError as err:
        print(f"jump-appliance jumpoint: {err}.", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(jumpoint.run(args.appliance, listen))
    except OSError as err:
        print(
            f"jump-appliance jumpoint: could not listen on {args.listen} "
            f"({err.strerror or err}); is the port in use?",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    show_logs_plainly()  # names and hostnames in log lines are shown, never interpreted
    if argv[:1] == ["jumpoint"]:
        return jumpoint_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        account = _api_account(args.api_account)
        repo = Repository(settings.db)
        if settings.demo_fleet:
            _seed(repo, settings)
        app = create_app(settings, repo=repo, api_account=account)
    except ValidationError as err:
        first = err.errors()[0]
        print(f"jump-appliance: {first['loc'][0]} {first['msg'].lower()}.", file=sys.stderr)
        return 2
    except (ValueError, SchemaTooNew, DatabaseUnavailable) as err:
        print(f"jump-appliance: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"jump-appliance: cannot open the database: {err.strerror or err}.", file=sys.stderr)
        return 2
    lines = [f"  Database: {repo.path}"]
    if settings.bus:
        lines.append(f"  Node bus: {redacted(settings.bus)}")
    if settings.demo_fleet is not None:
        from appliance.demo import demo_banner

        lines.append(demo_banner(settings, repo.clients.count([("x_demo", True)])))
    if account is not None:
        lines.append(f"  Config API account '{account[0]}' is ready.")
    server = uvicorn.Server(server_config(app, settings.host, settings.port))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(server, "\n".join(lines)))
    if not server.started:
        print(
            f"jump-appliance: could not listen on {settings.host}:{settings.port}; "
            "is the port in use?",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
