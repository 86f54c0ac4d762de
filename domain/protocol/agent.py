"""The agent channel's frames (``WS /api/agent/v1/connect``), once for both ends, and the
frames a console sends on a session's shell websocket.

The appliance asks with a request frame carrying an ``id`` (``presence.ask``, ``wake``,
``session.open``, ``file.get``, ``upgrade`` ...) and the Jump Client answers each with a
:class:`Response` of the same ``id``; shell frames and ``settings`` need no answer. Every
frame is validated where it arrives (:func:`read_request`, :func:`read_console_frame`): a
frame that does not match is refused (answered with an error when it carries an ``id``,
else dropped), never obeyed in part and never fatal.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

AGENT_PROTOCOL = 1

#: a terminal dimension, a JSON integer (never a string, a float or null)
TerminalSize = Annotated[int, Field(strict=True, ge=1, le=1000)]
#: a request's id, as the appliance numbers them
RequestId = Annotated[int, Field(strict=True, ge=0)]
Sid = Annotated[str, Field(min_length=1, max_length=64)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


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
    path: str = Field(max_length=4096)


class FilePut(_Frame):
    type: Literal["file.put"] = "file.put"
    id: RequestId
    sid: Sid
    path: str = Field(max_length=4096)
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
    settings: dict[str, Any] = Field(default_factory=dict)


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


Request = PresenceAsk | PromptAsk | Wake | SessionOpen | SessionEnd | FileGet | FilePut
Request |= SystemInfoAsk | Upgrade
ShellFrame = ShellOpen | ShellInput | ShellResize | ShellClose
ToAgent = Annotated[Request | ShellFrame | SettingsFrame, Field(discriminator="type")]

_TO_AGENT: TypeAdapter[ToAgent] = TypeAdapter(ToAgent)


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


# -- console → appliance, on a session's shell websocket ------------------------------------


class ConsoleInput(_Frame):
    type: Literal["input"] = "input"
    data: str


class ConsoleResize(_Frame):
    type: Literal["resize"] = "resize"
    cols: TerminalSize = 80
    rows: TerminalSize = 24


ConsoleFrame = Annotated[ConsoleInput | ConsoleResize, Field(discriminator="type")]
_FROM_CONSOLE: TypeAdapter[ConsoleFrame] = TypeAdapter(ConsoleFrame)


def read_console_frame(raw: str | bytes) -> ConsoleFrame:
    """A frame from a console's shell websocket, validated (raises ``ValueError``)."""
    return _FROM_CONSOLE.validate_json(raw)


class ShellSize(BaseModel):
    """The terminal size a console asks for when it attaches (``?cols=&rows=``)."""

    model_config = ConfigDict(frozen=True)

    cols: Annotated[int, Field(ge=1, le=1000)] = 80
    rows: Annotated[int, Field(ge=1, le=1000)] = 24
