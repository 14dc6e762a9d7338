"""Write environment.yml (conda / Binder) from requirements.lock, so both pin the same packages.

Run by `make lock`; tests/test_environment.py fails when the two drift apart.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# Conda / Binder (repo2docker) environment of the RNN course.
# Generated from requirements.lock by tools/write_environment.py (`make lock`); do not edit.
name: rnn-course
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def lock_pins(lock_text: str) -> list[str]:
    """The `name==version` lines of a lock file, comments and blanks dropped."""
    return [line.strip() for line in lock_text.splitlines() if line.strip() and not line.startswith("#")]


def main() -> None:
    pins = lock_pins((ROOT / "requirements.lock").read_text())
    body = "".join(f"      - {pin}\n" for pin in pins)
    (ROOT / "environment.yml").write_text(HEADER + body + "      - -e .\n")


if __name__ == "__main__":
    main()
