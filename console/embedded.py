"""The embedded appliance: started in-process on 127.0.0.1 when no appliance is configured.

Both front ends start it the same way: the console (``jump-console``, full screen or plain)
and the commands for scripts (``jump-console ls`` ...). The appliance package is imported only
when it starts: it is large, and a command given ``--appliance`` never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.config import ConfigError, ConsoleSettings

if TYPE_CHECKING:
    from appliance.embedded import EmbeddedAppliance


def start_embedded(settings: ConsoleSettings) -> tuple[EmbeddedAppliance, str]:
    """Start the embedded appliance (SQLite in the data dir); returns it and its URL."""
    from appliance.config import ApplianceSettings
    from appliance.embedded import EmbeddedAppliance

    db = settings.data_dir / "embedded-appliance.sqlite3"
    appliance = EmbeddedAppliance(ApplianceSettings(db=db, demo_fleet=settings.demo_fleet))
    try:
        url = appliance.start()
    except (RuntimeError, OSError) as err:
        raise ConfigError(
            f"The embedded appliance could not start ({err}); remove {db} if "
            "it is damaged, or use --appliance URL."
        ) from None
    return appliance, url
