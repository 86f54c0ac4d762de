"""The agent channel's frames (``WS /api/agent/v1/connect``), once for both ends, and the
frames a console sends on a session's shell websocket.

A connection opens with the handshake: the client's :class:`Hello`, answered with a
:class:`Welcome` (the site's :class:`AgentSettings`), a :class:`Retry` (connection-rate
admission) or a :class:`Reject`. The appliance asks with a request frame carrying an
``id`` (``presence.ask``, ``wake``, ``session.open``, ``file.get``, ``upgrade`` ...) and the
Jump Client answers each with a :class:`Response` of the same ``id``; shell frames,
``settings`` and ``uninstall`` need no answer. Every frame is validated where it arrives
(:func:`read_handshake`, :func:`read_request`, :func:`read_reply`, :func:`read_stats`,
:func:`read_console_frame`): a frame that does not match is refused (answered with an error
when it carries an ``id``, else dropped and counted), never obeyed in part and never fatal.
Statistics, the appliance's hot path, are read by :func:`read_stats`, a compact function
that keeps the rules of :class:`Stats` without building a model per frame.

The agent API's HTTP bodies (install, check-in, support) are in
:mod:`domain.protocol.agent_http`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from domain._types import LAZY, MAX_INT64, Count, Id, Line0_128, Text
from domain.enums import InstallMode
from domain.jump_client import Gateway
from domain.thumbnail import decode as decode_thumbnail

AGENT_PROTOCOL = 1

#: a terminal dimension, a JSON integer (never a string, a float or null)
TerminalSize = Annotated[int, Field(strict=True, ge=1, le=1000)]
#: a request's id, as the appliance numbers them
RequestId = Count
Sid = Annotated[str, Field(min_length=1, max_length=64)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


# -- the handshake ----------------------------------------------------------------------------


class Credentials(_Frame):
    """A Jump Client's own credentials, issued at installation (also the body of
    ``POST /uninstall``). What was sent is never repeated in a refusal: it is a secret."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, hide_input_in_errors=True, defer_build=True
    )

    jump_client_id: Id
    secret: Text = Field(min_length=1, max_length=128, repr=False)


class Identity(_Frame):
    """What a Jump Client says of its machine when it connects."""

    version: Text = Field(default="", max_length=32)
    hostname: Text = Field(default="", max_length=255)
    fqdn: Text = Field(default="", max_length=255)
    os: Text = Field(default="", max_length=255)
    ips: list[Annotated[Text, Field(max_length=64)]] = Field(default_factory=list, max_length=32)
    gateway: Gateway | None = None
    mac: Text | None = Field(default=None, max_length=17)
    console_user: Text | None = Field(default=None, max_length=255)


class Hello(Credentials, Identity):
    """The client's first frame."""

    type: Literal["hello"] = "hello"
    install_mode: InstallMode = InstallMode.UNKNOWN


class AgentSettings(_Frame):
    """The site's settings a Jump Client follows (in ``welcome``, and in ``settings`` on
    every change). ``statistics`` are names, not checked here: a client skips one it does
    not measure."""

    statistics: list[str] = Field(max_length=16)
    statistics_interval_s: float = Field(gt=0, allow_inf_nan=False)
    days_before_deleted: int = Field(ge=1)
    allow_wake: bool
    restrict_local_uninstall: bool
    passive_port: int = Field(ge=1, le=65535)
    max_offline_minutes: int | None = Field(default=None, ge=0)
    """The client's own limit: in ``welcome`` only (a change of the site's settings
    leaves it as it is)."""


class Welcome(_Frame):
    type: Literal["welcome"] = "welcome"
    jump_client_id: int
    protocol: int = AGENT_PROTOCOL
    settings: AgentSettings


class Retry(_Frame):
    """Admission refused for now: connect again in ``after_s`` seconds."""

    type: Literal["retry"] = "retry"
    after_s: float = Field(ge=0, allow_inf_nan=False)

    @classmethod
    def after(cls, wait_s: float) -> Retry:
        return cls(after_s=math.ceil(wait_s * 1000) / 1000)


class Reject(_Frame):
    """The appliance will not hold this client: its hello was unreadable, or the client is
    no longer known (deleted); the client removes itself."""

    type: Literal["reject"] = "reject"
    reason: Literal["bad_hello", "deleted"]


Handshake = Annotated[Welcome | Retry | Reject, Field(discriminator="type")]
_HANDSHAKE: TypeAdapter[Handshake] = TypeAdapter(Handshake, config=LAZY)


def read_handshake(raw: str | bytes) -> Handshake:
    """The appliance's answer to a hello, validated (raises ``ValueError``)."""
    return _HANDSHAKE.validate_json(raw)


# -- appliance → Jump Client: requests (answered with a Response) ----------------------------


class PresenceAsk(_Frame):
    type: Literal["presence.ask"] = "presence.ask"
    id: RequestId


class PromptAsk(_Frame):
    type: Literal["prompt.ask"] = "prompt.ask"
    id: RequestId
    question: str = Field(max_length=2000)
    timeout_s: float = Field(default=30, ge=0)


class Wake(_Frame):
    type: Literal["wake"] = "wake"
    id: RequestId
    mac: str = Field(min_length=1, max_length=17)
    password: str | None = Field(default=None, max_length=12, repr=False)
    """The SecureOn password in hex, when there is one."""


class SessionOpen(_Frame):
    type: Literal["session.open"] = "session.open"
    id: RequestId
    sid: Sid
    permissions: dict[str, Any] = Field(default_factory=dict)


class SessionEnd(_Frame):
    type: Literal["session.end"] = "session.end"
    id: RequestId
    sid: Sid
    reason: str = ""


class FileGet(_Frame):
    type: Literal["file.get"] = "file.get"
    id: RequestId
    sid: Sid
    path: Text = Field(max_length=4096)


class FilePut(_Frame):
    type: Literal["file.put"] = "file.put"
    id: RequestId
    sid: Sid
    path: Text = Field(max_length=4096)
    data: str
    """The file's bytes in base64."""


class SystemInfoAsk(_Frame):
    type: Literal["system.info"] = "system.info"
    id: RequestId
    sid: Sid


class Upgrade(_Frame):
    type: Literal["upgrade"] = "upgrade"
    id: RequestId
    version: str = Field(min_length=1, max_length=32)
    sha256: str = Field(max_length=64)
    size: int = Field(default=0, ge=0)


# -- appliance → Jump Client: no answer ---------------------------------------------------------


class SettingsFrame(_Frame):
    """The site's settings changed (also sent in ``welcome``)."""

    type: Literal["settings"] = "settings"
    settings: AgentSettings


class Uninstall(_Frame):
    """The client's Jump Item was removed (from a console or the API): the client uninstalls
    itself now, rather than come back to be refused. The appliance then closes the channel
    with ``Close.GONE``, which says the same to a client that did not read this frame."""

    type: Literal["uninstall"] = "uninstall"
    reason: Line0_128 = ""


class ShellOpen(_Frame):
    type: Literal["shell.open"] = "shell.open"
    sid: Sid
    cols: TerminalSize = 80
    rows: TerminalSize = 24


class ShellInput(_Frame):
    type: Literal["shell.input"] = "shell.input"
    sid: Sid
    data: str
    """Keys in base64, as the console sent them."""


class ShellResize(_Frame):
    type: Literal["shell.resize"] = "shell.resize"
    sid: Sid
    cols: TerminalSize
    rows: TerminalSize


class ShellClose(_Frame):
    type: Literal["shell.close"] = "shell.close"
    sid: Sid


Request = (
    PresenceAsk | PromptAsk | Wake | SessionOpen | SessionEnd | FileGet | FilePut | SystemInfoAsk
) | Upgrade
ShellFrame = ShellOpen | ShellInput | ShellResize | ShellClose
ToAgent = Annotated[Request | ShellFrame | SettingsFrame | Uninstall, Field(discriminator="type")]

_TO_AGENT: TypeAdapter[ToAgent] = TypeAdapter(ToAgent, config=LAZY)


def read_request(raw: str | bytes) -> ToAgent:
    """A frame from the appliance, validated (raises ``ValueError`` — a pydantic
    ``ValidationError`` among them — when it is not one the agent knows, whole)."""
    return _TO_AGENT.validate_json(raw)


def request_id(raw: str | bytes) -> int | None:
    """The ``id`` of a frame that failed validation, if it carries a usable one (so the
    refusal can be answered to whoever waits for it)."""
    try:
        return _Identified.model_validate_json(raw).id
    except ValueError:
        return None


class _Identified(_Frame):
    id: RequestId


# -- Jump Client → appliance ----------------------------------------------------------------


class Response(_Frame):
    """The answer to one request: ``ok`` with a ``result``, or an ``error`` sentence."""

    type: Literal["response"] = "response"
    id: RequestId
    ok: bool
    result: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None

    @classmethod
    def refusing(cls, request: int, error: str) -> Response:
        return cls(id=request, ok=False, error=error)


class ShellOutput(_Frame):
    type: Literal["shell.output"] = "shell.output"
    sid: Sid
    data: str


class ShellExit(_Frame):
    type: Literal["shell.exit"] = "shell.exit"
    sid: Sid
    code: int | None = None


class PresenceResult(_Frame):
    """The result of ``presence.ask``."""

    console_user: str | None = Field(default=None, max_length=255)
    locked: bool = False
    screen_saver: bool = False


class PromptResult(_Frame):
    """The result of ``prompt.ask``: what the user said, None when nobody answered."""

    answer: Literal["accept", "refuse"] | None = None


Reply = Annotated[Response | ShellOutput | ShellExit, Field(discriminator="type")]
_REPLY: TypeAdapter[Reply] = TypeAdapter(Reply, config=LAZY)


def read_reply(frame: object) -> Reply:
    """A frame from the client other than ``stats`` (already parsed from JSON), validated
    (raises ``ValueError``)."""
    return _REPLY.validate_python(frame)


PERCENT_MAX = 100
CONSOLE_USER_MAX = 255


class Stats(_Frame):
    """The statistics the site selects, measured now (absent or None: not measured)."""

    type: Literal["stats"] = "stats"
    cpu_percent: float | None = Field(default=None, strict=True, ge=0, le=PERCENT_MAX)
    disk_percent: float | None = Field(default=None, strict=True, ge=0, le=PERCENT_MAX)
    console_user: Text | None = Field(default=None, max_length=CONSOLE_USER_MAX)
    uptime_s: Count | None = None
    thumbnail: str | None = None

    @field_validator("thumbnail")
    @classmethod
    def _a_picture(cls, value: str | None) -> str | None:
        if value is not None and decode_thumbnail(value) is None:
            raise ValueError("not a well-formed thumbnail")
        return value


class Figures(NamedTuple):
    """A :class:`Stats` frame's figures, as :func:`read_stats` reads them."""

    cpu_percent: float | None
    disk_percent: float | None
    console_user: str | None
    uptime_s: int | None
    thumbnail: str | None


def read_stats(frame: dict[str, Any]) -> Figures:
    """The figures of a ``stats`` frame (already parsed from JSON), under :class:`Stats`'s
    rules, without building a model (raises ``ValueError``): the appliance reads one per
    client per interval."""
    user, uptime, thumbnail = (
        frame.get("console_user"),
        frame.get("uptime_s"),
        frame.get("thumbnail"),
    )
    if user is not None and not (
        isinstance(user, str) and len(user) <= CONSOLE_USER_MAX and "\x00" not in user
    ):
        raise ValueError("console_user is not a name")
    if uptime is not None and (type(uptime) is not int or not 0 <= uptime <= MAX_INT64):
        raise ValueError("uptime_s is not a count of seconds")
    if thumbnail is not None and decode_thumbnail(thumbnail) is None:
        raise ValueError("thumbnail is not a well-formed thumbnail")
    return Figures(
        _percent(frame.get("cpu_percent")),
        _percent(frame.get("disk_percent")),
        user,
        uptime,
        thumbnail,
    )


def _percent(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= PERCENT_MAX:
        return float(value)
    raise ValueError("a percentage is a number from 0 to 100")


# -- console → appliance, on a session's shell websocket ------------------------------------


class ConsoleInput(_Frame):
    type: Literal["input"] = "input"
    data: str


class ConsoleResize(_Frame):
    type: Literal["resize"] = "resize"
    cols: TerminalSize = 80
    rows: TerminalSize = 24


class ScreenSize(_Frame):
    """Appliance → console: the size the shell's terminal has now (that of the
    representative who typed last); a console of another size shows the screen at it."""

    type: Literal["size"] = "size"
    cols: TerminalSize
    rows: TerminalSize


ConsoleFrame = Annotated[ConsoleInput | ConsoleResize, Field(discriminator="type")]
_FROM_CONSOLE: TypeAdapter[ConsoleFrame] = TypeAdapter(ConsoleFrame, config=LAZY)


def read_console_frame(raw: str | bytes) -> ConsoleFrame:
    """A frame from a console's shell websocket, validated (raises ``ValueError``)."""
    return _FROM_CONSOLE.validate_json(raw)


class ShellSize(BaseModel):
    """The terminal size a console asks for when it attaches (``?cols=&rows=``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    cols: Annotated[int, Field(ge=1, le=1000)] = 80
    rows: Annotated[int, Field(ge=1, le=1000)] = 24
