"""The repo2docker files (Binder, a JupyterHub image) and the README's Binder and nbgitpuller links.

repo2docker uses binder/ when it exists and then ignores the files at the top (environment.yml stays for
conda users): runtime.txt picks the Python, requirements.txt installs the lock (torch's CPU build from
PyTorch's index), postBuild installs the course package and opens JupyterLab on the course. Building the
image needs Docker and a network: not done by the tests.
"""
import os
import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _settings() -> tuple[str, str]:
    settings = tomllib.loads((ROOT / "course.toml").read_text())
    return settings["repository_url"], settings["branch"]


def test_runtime_is_a_python_the_course_supports_and_the_lock_was_made_on():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert "on Python 3.11" in (ROOT / "requirements.lock").read_text().splitlines()[0]


def test_requirements_install_exactly_the_lock():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-r ../requirements.lock"]
    assert (BINDER / "../requirements.lock").resolve() == ROOT / "requirements.lock"   # pip reads -r beside the file


def test_post_build_installs_the_course_and_opens_the_first_lecture():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "repo2docker runs postBuild only when it is executable"
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0
    text = post_build.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in text
    landing = re.search(r'default_url = "/lab/tree/(.+?)"', text)[1]
    assert (ROOT / landing).is_file(), f"postBuild opens {landing}, which does not exist"
    mode = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT, capture_output=True,
                          text=True).stdout
    assert not mode or mode.startswith("100755"), "git must keep postBuild executable"


def test_readme_links_to_binder_and_nbgitpuller_for_the_repository_in_course_toml():
    repository, branch = _settings()
    owner_repo = repository.removeprefix("https://github.com/")
    readme = (ROOT / "README.md").read_text()
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/notebooks/00_overview.ipynb"
    assert binder in readme
    puller = (f"https://HUB/hub/user-redirect/git-pull?repo={quote(repository, safe='')}&branch={branch}"
              f"&urlpath=lab/tree/{owner_repo.split('/')[1]}/notebooks/00_overview.ipynb")
    assert puller in readme
