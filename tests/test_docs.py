"""The README documents every command a user can run, and every command explains itself."""

from pathlib import Path

import click

from etl.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "oversight"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_is_in_the_readme_and_has_help():
    for name, command in _commands(main):
        assert f"`{name}" in README, f"README does not document `{name}`"
        assert command.help, f"{name} has no help text"
