"""Settings: attrs schema, layered sources, validation with every problem listed by key."""

from entrypoints.settings.loader import LoadedSettings, Problem, SettingsError, load_settings
from entrypoints.settings.schema import Settings
from entrypoints.settings.secret import Secret, mask_url, scrub

__all__ = ["LoadedSettings", "Problem", "Secret", "Settings", "SettingsError", "load_settings", "mask_url", "scrub"]
