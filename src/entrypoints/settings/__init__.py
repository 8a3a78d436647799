"""Settings: attrs schema, layered sources, validation with every problem listed by key."""

# mask_url and scrub are domain.security.redaction's own functions, re-exported because the runtime
# modules import them from here; there is no second implementation.
from domain.security.redaction import mask_url, scrub
from entrypoints.settings.loader import LoadedSettings, Problem, SettingsError, load_settings
from entrypoints.settings.schema import Settings
from entrypoints.settings.secret import Secret

__all__ = ["LoadedSettings", "Problem", "Secret", "Settings", "SettingsError", "load_settings", "mask_url", "scrub"]
