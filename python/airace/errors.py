"""The one exception the package raises for bad input: its message names the file, scenario or
option and says what was expected (the airace program's own message where it ran)."""


class AiraceError(Exception):
    """Bad input: a missing or damaged file, a scenario airace refused, no airace program."""
