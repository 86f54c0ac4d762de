"""The wire protocol, once: every frame and answer both ends build and validate through.

- :mod:`domain.protocol.live`: the live feed ``WS /api/rep/v1/live`` (frames, the compact
  statistics rows of the hot path).
- :mod:`domain.protocol.agent`: the agent channel ``WS /api/agent/v1/connect`` (handshake,
  requests and results, statistics, shell frames) and a session's shell websocket.
- :mod:`domain.protocol.agent_http`: the agent API's HTTP bodies (install, check-in, support).
- :mod:`domain.protocol.rep`: the representative API's answers and its refusal body.
- :mod:`domain.protocol.close`: websocket close codes of every channel.
"""
