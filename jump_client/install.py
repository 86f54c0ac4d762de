"""Install, uninstall and status of the Jump Client on this machine."""

from __future__ import annotations

import contextlib
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

from domain.installer import Elevation
from domain.installer_params import InstallParameterError, parse_install_parameters
from domain.protocol.agent import Credentials
from domain.protocol.agent_http import SupportAnswer, SupportAsk
from domain.text import visible
from jump_client.agent import DEFAULT_VALIDITY, Refused, ask, post, register
from jump_client.config import ClientConfig, ConfigError, load, now, save
from jump_client.lock import CannotStop, stop_running
from jump_client.service import (
    SERVICE_USER,
    UNIT_NAME,
    ServiceError,
    elevate,
    hand_over,
    is_root,
    service_account,
    service_unit,
)

SYSTEM_DIR = Path("/opt/jump-client")
RUN_LOG = "jump-client.log"


def install_log(directory: Path) -> Path:
    """Where an install writes what happened (as well as to the system log, where there is
    one): beside its install folder (``<folder>.install.log``), never inside it — a failed
    install deletes the folder."""
    return directory.with_name(f"{directory.name}.install.log")


def make_logger(
    log_file: Path | None, *, silent: bool, beside_syslog: bool = False
) -> logging.Logger:
    """The system log where there is one, else ``log_file`` (when it can be written; also
    beside the system log if ``beside_syslog``); stderr too unless silent."""
    logger = logging.getLogger("jump-client")
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    syslog = Path("/dev/log").exists()
    if syslog:
        handler: logging.Handler = logging.handlers.SysLogHandler(address="/dev/log")
        handler.setFormatter(logging.Formatter("jump-client: %(message)s"))
        logger.addHandler(handler)
    if log_file is not None and (beside_syslog or not syslog):
        try:
            handler = logging.FileHandler(log_file)
        except OSError:
            pass  # a folder that cannot be written: stderr is all there is
        else:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
    if not silent:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("jump-client: %(message)s"))
        logger.addHandler(stream)
    return logger


def _failed(log: logging.Logger, silent: bool, reason: str) -> None:
    """An install failed: the reason goes to the log, and to stderr even when silent (the
    deployment tool that ran it shows it), saying where the log is. The reason may quote
    the appliance: its control characters are shown, never sent to a terminal."""
    reason = visible(reason)
    log.error("Install failed: %s", reason)
    if silent:
        kept = [h.baseFilename for h in log.handlers if isinstance(h, logging.FileHandler)]
        where = f" (kept in {kept[0]})" if kept else ""
        print(f"jump-client: Install failed: {reason}{where}", file=sys.stderr)


def default_dir(mode: str, appliance: str) -> Path:
    host = (urlsplit(appliance).hostname or "appliance").replace(":", "_")
    if mode == "service":
        return SYSTEM_DIR / host
    return Path(user_data_dir("jump-client", appauthor=False)) / host


def install(
    argv: Sequence[str],
    *,
    key: str,
    appliance: str,
    wol_broadcast: str | None,
    valid_minutes: int | None,
    prompter: str = "",
    elevation: Elevation | None = None,
    installer_file: Path | None = None,
    service_user: str = SERVICE_USER,
) -> int:
    """Install from an installer key. ``elevation`` and ``installer_file``: what the
    downloaded installer asks for, and where it is (to run it again elevated)."""
    try:
        params = parse_install_parameters(argv)
    except InstallParameterError as err:
        make_logger(None, silent=False).error("Install failed: %s", err)
        return 2
    mode = "service" if is_root() and elevation is not Elevation.NONE else "user"
    if mode == "user" and elevation is Elevation.PROMPT and installer_file and not params.silent:
        elevated = elevate(installer_file, sys.argv[1:])
        if elevated is not None:
            return elevated
    directory = Path(params.install_dir) if params.install_dir else default_dir(mode, appliance)
    with contextlib.suppress(OSError):  # where its log goes; when it cannot, stderr says all
        directory.parent.mkdir(parents=True, exist_ok=True)
    log = make_logger(install_log(directory), silent=params.silent, beside_syslog=True)
    if mode == "user" and elevation is Elevation.PROMPT:
        log.info("Not elevated: the Jump Client is installed for this user only.")
    if directory.exists():
        _failed(
            log,
            params.silent,
            f"the install directory {directory} exists; choose a new one with "
            "--install-dir or remove it.",
        )
        return 1
    try:
        directory.mkdir(parents=True, mode=0o700)
    except OSError as err:
        _failed(
            log,
            params.silent,
            f"the install directory {directory} cannot be created ({err.strerror}).",
        )
        return 1
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
        _failed(log, params.silent, str(err))
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
        try:
            _as_service(directory, service_user, log)
        except ServiceError as err:
            _failed(log, params.silent, f"{err}.")
            _withdraw(config)
            return 1
    if not params.silent:
        print(f"Run it with: jump-client run --dir {directory}")
    return 0


def _as_service(directory: Path, user: str, log: logging.Logger) -> None:
    """Make the installed client a service run by ``user`` (created when missing): its
    folder handed over, its unit written (raises :class:`ServiceError`)."""
    account = service_account(user)
    unit = directory / UNIT_NAME
    unit.write_text(service_unit(directory, user=user))
    hand_over(directory, *account)  # the service user runs it: its folder, still 0700
    log.info(
        "Service unit written to %s; install it with: cp %s /etc/systemd/system/ && "
        "systemctl enable --now %s",
        unit,
        unit,
        UNIT_NAME,
    )


def _withdraw(config: ClientConfig) -> None:
    """Undo a registered install that cannot be completed: the appliance is told (its item
    is marked uninstalled) and the folder goes."""
    if config.state == "registered" and config.jump_client_id and config.secret:
        creds = Credentials(jump_client_id=config.jump_client_id, secret=config.secret)
        with contextlib.suppress(Refused, OSError):
            post(config.appliance, "/api/agent/v1/uninstall", creds)
    remove_local(Path(config.install_dir))


def remove_local(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def uninstall(directory: Path) -> int:
    log = make_logger(None, silent=False)
    try:
        config = load(directory)
    except ConfigError as err:
        log.error("%s", err)
        return 2
    if config.restrict_local_uninstall and not is_root():
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
