"""A config the console cannot use is one sentence naming the problem and where it is, and
exit status 2: before anything starts, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def console(tmp_path: Path, config: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMP_CONSOLE_")} | {
        "JUMP_CONSOLE_CONFIG": str(path),
        "JUMP_CONSOLE_DATA_DIR": str(tmp_path / "data"),  # nothing may be created in it
        "TERM": "xterm-256color",  # the full screen (TERM=dumb would mean plain mode)
    }
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("config", "sentence"),
    [
        (
            'theme = "neon"\n',
            "The theme 'neon' that the config file {path} asks for does not exist; "
            "use dark, light, high-contrast, 16 or no-color.",
        ),
        (
            '[keymap]\n"app.fliter" = "f6"\n',
            "The key binding id 'app.fliter' in the config file {path} does not exist; "
            "did you mean app.filter?",
        ),
        (
            '[keymap]\n"app.filter" = "s"\n',
            "The key 's' that the config file {path} gives to app.filter is already the key "
            "of app.sort (Sort); give one of them another key.",
        ),
        (
            '[keymap]\n"app.help" = "f10"\n',  # the sessions screen ends a session with f10
            "The key 'f10' that the config file {path} gives to app.help is already the key "
            "of sessions.end (End session); give one of them another key.",
        ),
    ],
)
def test_a_config_the_console_cannot_use_is_one_sentence_and_exit_2(
    tmp_path: Path, config: str, sentence: str
) -> None:
    done = console(tmp_path, config)
    assert done.returncode == 2
    assert done.stderr == f"jump-console: {sentence.format(path=tmp_path / 'config.toml')}\n"
    assert not (tmp_path / "data").exists()  # refused before the appliance started


def test_a_theme_flag_is_named_as_the_flag_and_swapped_keys_are_fine(tmp_path: Path) -> None:
    done = console(tmp_path, "", "--theme", "sepia")
    assert done.returncode == 2
    assert done.stderr.startswith("jump-console: The theme 'sepia' that --theme asks for")
    # two actions that trade keys take nothing from anyone: the console goes on (and stops
    # at the next thing it needs: a password, which it cannot ask for without a terminal)
    swapped = console(
        tmp_path,
        'appliance = "http://127.0.0.1:9"\nusername = "carol"\n'
        '[keymap]\n"app.filter" = "s"\n"app.sort" = "slash"\n',
    )
    assert swapped.stderr.startswith("jump-console: No password"), swapped.stderr
