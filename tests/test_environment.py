"""The lock file, environment.yml and pyproject agree, and torch is pinned to the local CPU build."""
from pathlib import Path

import yaml

from write_environment import lock_pins

ROOT = Path(__file__).resolve().parents[1]


def _lock():
    return lock_pins((ROOT / "requirements.lock").read_text())


def test_environment_yml_parses_and_matches_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    pins = [p for p in pip_section if not p.startswith("-e")]
    assert pins == _lock(), "environment.yml drifted from requirements.lock: run `make lock`"


def test_every_lock_line_is_an_exact_pin():
    for pin in _lock():
        name, sep, version = pin.partition("==")
        assert sep and name and version and "+" not in version, f"not an exact pin: {pin}"


def test_torch_pinned_to_cpu_build_on_disk():
    assert "torch==2.13.0" in _lock()


def test_lock_covers_requirements_in():
    names = {p.partition("==")[0].lower().replace("_", "-") for p in _lock()}
    wanted = [line.split("==")[0].strip().lower() for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    missing = [w for w in wanted if w.replace("_", "-") not in names]
    assert not missing, f"requirements.in names packages the lock does not pin: {missing}"


def test_installed_versions_match_lock():
    from importlib.metadata import version

    for pin in _lock():
        name, _, wanted = pin.partition("==")
        got = version(name)
        assert got.split("+")[0] == wanted, f"{name}: installed {got}, lock says {wanted}"
