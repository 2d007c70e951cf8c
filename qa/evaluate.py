"""Evaluation on labelled data (SQuAD, BEIR). Placeholder until implemented: the `eval` command refuses to run."""

from __future__ import annotations

import argparse

from .errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(run=_not_ready)


def _not_ready(args: argparse.Namespace) -> int:
    raise InputError("qa eval is not implemented yet")
