"""Install, uninstall and status of the Jump Client on this machine."""

from __future__ import annotations

import logging
import logging.handlers
import os
import shutil
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_dir

from domain.installer_params import InstallParameterError, parse_install_parameters
from domain.protocol.agent import Credentials
from domain.protocol.agent_http import SupportAnswer, SupportAsk
from jump_client.agent import DEFAULT_VALIDITY, Refused, ask, post, register
from jump_client.config import ClientConfig, ConfigError, load, now, save
from jump_client.lock import CannotStop, stop_running

SERVICE_USER = "jumpclient"
SYSTEM_DIR = Path("/opt/jump-client")


def make_logger(directory: Path | None, *, silent: bool) -> logging.Logger:
    """The system log where there is one, else a log file; stderr too unless silent."""
    logger = logging.getLogger("jump-client")
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if Path("/dev/log").exists():
        handler: logging.Handler = logging.handlers.SysLogHandler(address="/dev/log")
        handler.setFormatter(logging.Formatter("jump-client: %(message)s"))
        logger.addHandler(handler)
    elif directory is not None and directory.is_dir():
        handler = logging.FileHandler(directory / "jump-client.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    if not silent:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("jump-client: %(message)s"))
        logger.addHandler(stream)
    return logger


def default_dir(mode: str, appliance: str) -> Path:
    host = (urlsplit(appliance).hostname or "appliance").replace(":", "_")
    if mode == "service":
        return SYSTEM_DIR / host
    return Path(user_data_dir("jump-client", appauthor=False)) / host


def service_unit(install_dir: Path, python: str = sys.executable) -> str:
    """A systemd unit running the client as a dedicated non-root user (not enabled here)."""
    return (
        "[Unit]\n"
        "Description=Jump Console Jump Client\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=simple\n"
        f"User={SERVICE_USER}\n"
        f"Group={SERVICE_USER}\n"
        f"ExecStart={python} -m jump_client run --dir {install_dir}\n"
        "Restart=always\n"
        "RestartSec=5\n"
        "NoNewPrivileges=yes\n"
        "ProtectSystem=strict\n"
        f"ReadWritePaths={install_dir}\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def install(
    argv: Sequence[str],
    *,
    key: str,
    appliance: str,
    wol_broadcast: str | None,
    valid_minutes: int | None,
    prompter: str = "",
) -> int:
    try:
        params = parse_install_parameters(argv)
    except InstallParameterError as err:
        make_logger(None, silent=False).error("Install failed: %s", err)
        return 2
    log = make_logger(None, silent=params.silent)
    mode = "service" if hasattr(os, "geteuid") and os.geteuid() == 0 else "user"
    directory = Path(params.install_dir) if params.install_dir else default_dir(mode, appliance)
    if directory.exists():
        log.error(
            "Install failed: the install directory %s exists; choose a new one with "
            "--install-dir or remove it.",
            directory,
        )
        return 1
    try:
        directory.mkdir(parents=True, mode=0o700)
    except OSError as err:
        log.error(
            "Install failed: the install directory %s cannot be created (%s).",
            directory,
            err.strerror,
        )
        return 1
    log = make_logger(directory, silent=params.silent)
    validity = timedelta(minutes=valid_minutes) if valid_minutes else DEFAULT_VALIDITY
    config = ClientConfig(
        appliance=appliance,
        key=key,
        parameters=list(argv),
        install_dir=str(directory),
        install_mode="service" if mode == "service" else "user",
        register_until=now() + validity,
        silent=params.silent,
        wol_broadcast=wol_broadcast or "255.255.255.255:9",
        prompter=prompter,
    )
    save(config)
    try:
        register(config)
    except Refused as err:
        log.error("Install failed: %s", err)
        shutil.rmtree(directory, ignore_errors=True)
        return 1
    except OSError:
        log.warning(
            "The appliance at %s could not be reached; the client is installed and "
            "will keep trying until %s, then remove itself.",
            appliance,
            config.register_until.strftime("%Y-%m-%d %H:%M UTC"),
        )
    else:
        log.info(
            "Installed Jump Client %s (%s) in %s.", config.jump_client_id, config.name, directory
        )
    if config.install_mode == "service":
        (directory / "jump-client.service").write_text(service_unit(directory))
        log.info(
            "Service unit written to %s; enable it with systemctl once the user %s exists.",
            directory / "jump-client.service",
            SERVICE_USER,
        )
    if not params.silent:
        print(f"Run it with: jump-client run --dir {directory}")
    return 0


def remove_local(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def uninstall(directory: Path) -> int:
    log = make_logger(None, silent=False)
    try:
        config = load(directory)
    except ConfigError as err:
        log.error("%s", err)
        return 2
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if config.restrict_local_uninstall and not is_root:
        log.error(
            "Uninstall refused: this site restricts local uninstall; ask an "
            "administrator (or run as root)."
        )
        return 1
    try:
        stopped = stop_running(directory)  # before its folder goes: it would write there
    except CannotStop as err:
        log.error("Uninstall failed: %s", err)
        return 1
    if stopped is not None:
        log.info("Stopped the running Jump Client (process %d).", stopped)
    if config.state == "registered" and config.jump_client_id and config.secret:
        try:
            creds = Credentials(jump_client_id=config.jump_client_id, secret=config.secret)
            post(config.appliance, "/api/agent/v1/uninstall", creds)
        except (Refused, OSError) as err:
            log.warning("The appliance was not told (%s); it will mark the client lost later.", err)
    remove_local(directory)
    print(f"Uninstalled the Jump Client from {directory}.")
    return 0


def status(directory: Path) -> int:
    try:
        config = load(directory)
    except ConfigError as err:
        print(str(err))
        return 1
    if config.state == "pending":
        print(
            f"Pending: not yet registered with {config.appliance}; keeps trying until "
            f"{config.register_until:%Y-%m-%d %H:%M} UTC."
        )
        return 0
    seen = (
        "never"
        if config.last_contact is None
        else (f"{int((now() - config.last_contact).total_seconds())} s ago")
    )
    print(
        f"Registered as Jump Client {config.jump_client_id} ({config.name}) with "
        f"{config.appliance}; last contact {seen}; {config.install_mode} mode."
    )
    return 0


def request_support(directory: Path, message: str) -> int:
    """``jump-client request-support``: ask a representative for help from this machine."""
    from jump_client.system import console_user

    try:
        config = load(directory)
    except ConfigError as err:
        print(f"jump-client: {err}", file=sys.stderr)
        return 2
    if config.state != "registered" or not config.jump_client_id or not config.secret:
        print(
            "jump-client: this Jump Client is not registered yet; try again once "
            "'jump-client status' says it is.",
            file=sys.stderr,
        )
        return 1
    try:
        body = SupportAsk(
            jump_client_id=config.jump_client_id,
            secret=config.secret,
            message=message[:1000],
            console_user=console_user() or os.environ.get("USER"),
        )
        answer = ask(config.appliance, "/api/agent/v1/support-request", body, SupportAnswer)
    except Refused as err:
        print(f"jump-client: the appliance refused the request: {err}", file=sys.stderr)
        return 1
    except OSError:
        print(
            f"jump-client: the appliance at {config.appliance} could not be reached; "
            "check the network and try again.",
            file=sys.stderr,
        )
        return 1
    print(answer.message)
    return 0
