"""Documentation keeps up: every command is in the README, every config key in config/monitor.toml."""

from __future__ import annotations

import re
from pathlib import Path

import click

from monitor.cli.main import cli
from monitor.config import (
    CrawlSettings,
    HealthSettings,
    NotifySettings,
    RetentionSettings,
    Source,
    load_config,
)
from monitor.revisit import RevisitSettings
from monitor.rules.rules import Rule
from monitor.stories.story import Story

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
CONFIG = (ROOT / "config" / "monitor.toml").read_text()


def commands(group: click.Group, prefix: str = "newsmon") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


def test_every_command_is_in_the_readme():
    missing = [c for c in commands(cli) if c not in README]
    assert not missing, f"undocumented in README.md: {missing}"


def test_every_command_has_help_with_an_example():
    for name in commands(cli):
        parts = name.split()[1:]
        command = cli
        for part in parts:
            command = command.commands[part]
        if not isinstance(command, click.Group):
            assert "Example:" in (command.help or ""), name


def test_every_config_key_is_documented_in_the_default_config():
    keys = set()
    for settings in (
        CrawlSettings,
        HealthSettings,
        NotifySettings,
        RetentionSettings,
        RevisitSettings,
        Source,
        Rule,
        Story,
    ):
        keys |= set(settings.__dataclass_fields__)
    missing = [k for k in sorted(keys) if not re.search(rf"\b{k}\b", CONFIG)]
    assert not missing, f"undocumented in config/monitor.toml: {missing}"


def test_the_documented_default_config_loads():
    config = load_config(ROOT / "config" / "monitor.toml")
    assert config.rules and config.stories and config.sources and config.revisit.tiers
