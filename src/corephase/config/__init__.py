"""Configuration: the packaged JSON schema, validation with defaults, typed settings."""

from corephase.config.validation import (
    DEFAULT_SCHEMA,
    ConfigError,
    check_inputs,
    load_config,
    validate_config,
)

__all__ = ["DEFAULT_SCHEMA", "ConfigError", "check_inputs", "load_config", "validate_config"]
