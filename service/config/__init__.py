"""Configuration: settings from defaults, a TOML file, the environment and the command line,
validated once into frozen values that the rest of the service is given."""

from service.config.settings import Limits, Settings
from service.errors import ConfigError

__all__ = ["ConfigError", "Limits", "Settings"]
