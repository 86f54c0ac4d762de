"""``ApplianceClient``: the typed async client of the appliance.

It is put together from three rooms: :mod:`api_client._transport` (the connection, tokens,
retries, error mapping and pagination), :mod:`api_client._rep` (the representative API) and
:mod:`api_client._config` (the Config API: resources and site administration).
"""

from __future__ import annotations

from api_client._config import ConfigCalls, Installers, JumpClients, JumpPolicies, Resource
from api_client._rep import RepCalls
from domain import JumpGroup, JumpItemRole, PublicSite, SessionPolicy
from domain.jumpoint import Jumpoint
from domain.users import TeamResource, UserResource


class ApplianceClient(RepCalls, ConfigCalls):
    """Typed access to one appliance: ``client.jump_clients.get(5)``, ``client.me()``, ...

    It takes the arguments of :class:`~api_client._transport.ClientCore`.
    """

    def _attach(self) -> None:
        """The Config API's resources, once the connection is set up."""
        self.jump_clients = JumpClients(self)
        self.jump_groups = Resource(self, "/jump-group", JumpGroup, "Jump Group")
        self.jump_item_roles = Resource(self, "/jump-item-role", JumpItemRole, "Jump Item Role")
        self.users = Resource(self, "/user", UserResource, "user")
        self.teams = Resource(self, "/team", TeamResource, "team")
        self.jump_policies = JumpPolicies(self)
        self.session_policies = Resource(self, "/session-policy", SessionPolicy, "session policy")
        self.public_sites = Resource(self, "/public-site", PublicSite, "public site")
        self.installers = Installers(self)
        self.jumpoints = Resource(self, "/jumpoint", Jumpoint, "Jumpoint")
