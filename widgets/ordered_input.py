"""A text input that applies the keys it is given in the order they were typed.

Textual's ``Input`` types a printable key at once, in its own handler, but an editing key
(backspace, the arrows, enter) through its bindings, which are looked up only once the key
has gone round the screen and come back: in a burst of keys (keys that queued behind a slow
SSH link, a paste of keystrokes, a macro) ``x``, backspace, ``f`` became ``xf`` with the
backspace applied after (Textual issue #6605). Here the input's own bindings are applied in
its own handler, in turn with the printable keys; keys it does not bind go on as before.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        # the input's bindings as the user's keymap sets them (Textual keeps them there)
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # Input's own handler is not called after
                return
        # not bound here: Textual calls Input's handler next (a letter is typed there)


__all__ = ["OrderedInput"]
