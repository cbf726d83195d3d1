"""Every setting is documented: in .env.example and in the README's table."""

from __future__ import annotations

from pathlib import Path

from server.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_env_example_and_readme():
    names = set(load_settings({}))
    env_example = ROOT.joinpath(".env.example").read_text()
    readme = ROOT.joinpath("README.md").read_text()
    for name in sorted(names):
        assert f"\n{name}=" in env_example, f"{name} missing from .env.example"
        assert f"| `{name}` |" in readme, f"{name} missing from the README's configuration table"


def test_no_undocumented_variables_in_env_example():
    names = set(load_settings({}))
    listed = {
        line.split("=", 1)[0]
        for line in ROOT.joinpath(".env.example").read_text().splitlines()
        if line.startswith("TEND_")
    }
    assert listed == names
