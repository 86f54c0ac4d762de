"""The wire protocol, once: every frame and answer both ends build and validate through.

- :mod:`domain.protocol.live`: the live feed ``WS /api/rep/v1/live`` (frames, the compact
  statistics rows of the hot path).
- :mod:`domain.protocol.rep`: the representative API's answers and its refusal body.
- :mod:`domain.protocol.close`: websocket close codes of every channel.
"""
