"""Helpers shared by the tests: servers on 127.0.0.1, appliances, consoles, Jump Clients.

Test modules import from here, never from one another nor from a ``conftest``; a conftest
holds fixtures only and builds them from these helpers.
"""
