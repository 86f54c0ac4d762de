"""Administration screens for site administrators: site settings, installers, deployment."""

from console.admin.deploy import DeployScreen
from console.admin.installers import InstallersScreen
from console.admin.settings import SettingsScreen

__all__ = ["DeployScreen", "InstallersScreen", "SettingsScreen"]
