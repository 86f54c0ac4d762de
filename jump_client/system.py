"""What the Jump Client reads from its machine: identity, statistics, presence.

Linux pieces read ``/proc`` and logind; other platforms can add theirs behind the same
functions. Nothing here sends anything anywhere.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from domain.jump_client import Gateway as GatewayModel
from domain.protocol.agent import Identity, Stats
from jump_client import screen

CLIENT_VERSION = "1.0.0"
MAX_ADDRESSES = 32
ETHERNET_TEXT = len("02:00:5e:00:00:01")


@dataclass(frozen=True, slots=True)
class Gateway:
    ip: str
    mac: str | None


def default_gateway() -> tuple[str | None, Gateway | None]:
    """(interface, gateway) of the default route; ``JUMP_CLIENT_GATEWAY=ip[/mac]`` overrides."""
    override = os.environ.get("JUMP_CLIENT_GATEWAY")
    if override:
        ip, _, mac = override.partition("/")
        return None, Gateway(ip, mac or None)
    try:
        lines = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return None, None
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "00000000":
            raw = bytes.fromhex(fields[2])[::-1]
            ip = socket.inet_ntoa(raw)
            return fields[0], Gateway(ip, _arp_mac(ip))
    return None, None


def _arp_mac(ip: str) -> str | None:
    try:
        for line in Path("/proc/net/arp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == ip and fields[3] != "00:00:00:00:00:00":
                return fields[3].lower()
    except (OSError, IndexError):
        pass
    return None


def interface_mac(interface: str | None) -> str | None:
    if os.environ.get("JUMP_CLIENT_MAC"):
        return os.environ["JUMP_CLIENT_MAC"].lower()
    for name, addresses in psutil.net_if_addrs().items():
        if interface is not None and name != interface:
            continue
        for address in addresses:
            if address.family == psutil.AF_LINK and address.address not in (
                "",
                "00:00:00:00:00:00",
            ):
                return str(address.address).lower()
    return None


def addresses() -> list[str]:
    found: list[str] = []
    for name, entries in psutil.net_if_addrs().items():
        if name == "lo":
            continue
        found.extend(str(a.address) for a in entries if a.family == socket.AF_INET)
    return found


def console_user() -> str | None:
    """The user logged in at the machine itself (not over the network), if any.

    ``JUMP_CLIENT_CONSOLE_USER`` names one where logins are not in utmp (containers,
    kiosks that start a session without logging in).
    """
    override = os.environ.get("JUMP_CLIENT_CONSOLE_USER")
    if override:
        return override
    for user in psutil.users():
        host = user.host or ""
        if not host or host.startswith(":") or host in ("localhost", "127.0.0.1"):
            return str(user.name)
    return None


@dataclass(frozen=True, slots=True)
class Presence:
    console_user: str | None
    locked: bool
    screen_saver: bool


def presence() -> Presence:
    """Console user, and whether logind says that user's session is locked or idle."""
    user = console_user()
    locked = idle = False
    if user and shutil.which("loginctl"):
        try:
            sessions = subprocess.run(
                ["loginctl", "list-sessions", "--no-legend"],
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout
            for line in sessions.splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[2] == user:
                    shown = subprocess.run(
                        [
                            "loginctl",
                            "show-session",
                            parts[0],
                            "-p",
                            "LockedHint",
                            "-p",
                            "IdleHint",
                        ],
                        capture_output=True,
                        text=True,
                        timeout=5,
                    ).stdout
                    locked = "LockedHint=yes" in shown
                    idle = "IdleHint=yes" in shown
                    break
        except (OSError, subprocess.SubprocessError):
            pass
    return Presence(user, locked, idle)


def identity() -> Identity:
    """This machine, as the hello tells it (what would not fit the hello is left out)."""
    interface, gateway = default_gateway()
    mac = interface_mac(interface)
    return Identity(
        version=CLIENT_VERSION,
        hostname=socket.gethostname(),
        fqdn=socket.getfqdn(),
        os=f"{platform.system()} {platform.release()}".strip(),
        ips=addresses()[:MAX_ADDRESSES],
        gateway=(
            GatewayModel(ip=gateway.ip, mac=_ethernet(gateway.mac))
            if gateway and gateway.ip
            else None
        ),
        mac=_ethernet(mac),
        console_user=console_user(),
    )


def _ethernet(mac: str | None) -> str | None:
    """An Ethernet address (six bytes); None for any other kind of link address."""
    return mac if mac is not None and len(mac) == ETHERNET_TEXT else None


def statistics(selected: list[str]) -> Stats:
    """The statistics the site selects, measured now (thumbnail None: no screen to read);
    raises ``ValueError`` when a figure is out of its bounds."""
    figures: dict[str, object] = {}
    if "cpu" in selected:
        figures["cpu_percent"] = psutil.cpu_percent(interval=None)
    if "disk_usage" in selected:
        figures["disk_percent"] = psutil.disk_usage(os.path.abspath(os.sep)).percent
    if "console_user" in selected:
        figures["console_user"] = console_user()
    if "uptime" in selected:
        figures["uptime_s"] = int(time.time() - psutil.boot_time())
    if "thumbnail" in selected:
        figures["thumbnail"] = screen.thumbnail()
    return Stats.model_validate(figures)


def system_info(limit: int = 40) -> dict[str, object]:
    """Processes (busiest first), disks, and services where systemd can say (read-only)."""
    processes = []
    for proc in psutil.process_iter(["pid", "name", "username", "cpu_percent", "memory_percent"]):
        info = proc.info
        processes.append(
            {
                "pid": info["pid"],
                "name": info["name"] or "",
                "user": info["username"] or "",
                "cpu_percent": round(info["cpu_percent"] or 0.0, 1),
                "memory_percent": round(info["memory_percent"] or 0.0, 1),
            }
        )
    processes.sort(key=lambda p: (-float(p["cpu_percent"]), -float(p["memory_percent"])))
    disks = []
    for part in psutil.disk_partitions(all=False):
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        disks.append(
            {
                "mount": part.mountpoint,
                "device": part.device,
                "fs": part.fstype,
                "total_gb": round(usage.total / 1e9, 1),
                "percent": usage.percent,
            }
        )
    services: list[dict[str, str]] = []
    if shutil.which("systemctl"):
        try:
            listed = subprocess.run(
                [
                    "systemctl",
                    "list-units",
                    "--type=service",
                    "--no-legend",
                    "--plain",
                    "--no-pager",
                ],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            for line in listed.splitlines()[:limit]:
                parts = line.split(None, 4)
                if len(parts) >= 4:
                    services.append({"name": parts[0], "state": parts[3]})
        except (OSError, subprocess.SubprocessError):
            pass
    memory = psutil.virtual_memory()
    return {
        "processes": processes[:limit],
        "process_count": len(processes),
        "disks": disks,
        "services": services,
        "memory_percent": memory.percent,
        "memory_total_gb": round(memory.total / 1e9, 1),
    }
