"""The group's own options (--config, --db) anywhere on the command line.

Click takes a group's options only before the command; people type them where they think of
them: `newsmon articles --db data/demo.db`. They are moved in front of the command, unless a
command on the way declares the option itself (`newsmon demo --db PATH` is the demo's own).
"""

from __future__ import annotations

import click

GLOBAL = ("--config", "--db")


def hoist_globals(group: click.Group, args: list[str]) -> list[str]:
    """`args` with every --config/--db after the command moved in front of it."""
    start = _command_index(args)
    if start is None:
        return args
    declared = _declared(group, args[start:])
    front, rest = list(args[:start]), []
    tokens = iter(args[start:])
    for token in tokens:
        if token == "--":  # what follows is arguments, whatever it looks like
            rest += [token, *tokens]
            break
        name = token.split("=", 1)[0]
        if name not in GLOBAL or name in declared:
            rest.append(token)
        elif "=" in token:
            front.append(token)
        else:
            front += [token, next(tokens, "")]
    return front + rest


def _command_index(args: list[str]) -> int | None:
    """Where the command's name is: after the group's own options and their values."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in GLOBAL else 1
    return i if i < len(args) else None


def _declared(group: click.Group, path: list[str]) -> set[str]:
    """The option names of the commands `path` names, from the group down."""
    ctx = click.Context(group)
    command: click.Command | None = group
    names: set[str] = set()
    for token in path:
        if not isinstance(command, click.Group):
            break
        command = command.get_command(ctx, token)
        if command is None:
            break
        for param in command.params:
            names.update(getattr(param, "opts", []))
    return names
