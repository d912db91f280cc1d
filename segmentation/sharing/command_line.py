"""What the modelling and engine commands of ``python -m segmentation`` share
(:mod:`segmentation.sharing.sample_commands`, :mod:`segmentation.sharing.engines.commands`):
one way to fail (a line on stderr, exit code 2), the check of count options, and bad input of
the package's error family reported that way."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from segmentation.errors import SegmentationError

Command = Callable[[argparse.Namespace], int]


def fail(message: str) -> int:
    """Print ``error: message`` on stderr; the exit code of bad input (2)."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def too_small(args: argparse.Namespace, *options: str) -> str | None:
    """The message for the first of ``options`` (attribute names) given below 1, else None."""
    for option in options:
        value = getattr(args, option)
        if value is not None and value < 1:
            return f"--{option.replace('_', '-')}={value} must be at least 1."
    return None


def reports_bad_input(command: Command) -> Command:
    """``command`` with the package's errors (bad input) reported by :func:`fail`."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except SegmentationError as err:
            return fail(str(err))

    return run
