"""Exception types shown to users. Each message names the offending key or field and what is allowed."""


class LowrotError(ValueError):
    """Base class for errors caused by user input (config or data), not by a bug."""


class ConfigError(LowrotError):
    """A config key is unknown, has the wrong type, or is out of range."""


class DataError(LowrotError):
    """A dataset is malformed (shape, dtype, non-finite values, labels, norms, conflicts)."""
