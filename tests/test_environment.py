"""The lock file, environment.yml and pyproject agree; torch is the CPU build on every install path;
the pins resolve on Python 3.11 to 3.13.

The resolver tests ask PyPI (and PyTorch's CPU index where it is reachable) with `pip install
--dry-run --report`, ignoring this machine's pip configuration, and are skipped, saying so, where
PyPI cannot be reached.
"""
import json
import os
import subprocess
import sys
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from write_environment import environment_text, index_options, lock_pins, lock_text, platform_pins

ROOT = Path(__file__).resolve().parents[1]
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PYPI = "https://pypi.org/simple"
GPU_WORDS = ("nvidia", "cuda", "triton")     # what a CUDA build of torch pulls in


def _lock_text() -> str:
    return (ROOT / "requirements.lock").read_text()


def _lock() -> list[Requirement]:
    return [Requirement(line) for line in lock_pins(_lock_text())]


def _on(platform: str) -> dict[str, str]:
    """The lock's {name: version} as pip sees it on `platform` ("linux", "darwin", "win32")."""
    env = {"sys_platform": platform}
    return {canonicalize_name(r.name): str(r.specifier).removeprefix("==") for r in _lock()
            if r.marker is None or r.marker.evaluate(env)}


def test_environment_yml_parses_and_matches_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert pip_section[0] == f"--extra-index-url {TORCH_INDEX}", "conda's pip must see PyTorch's CPU index"
    assert pip_section[-1] == "-e ."
    assert pip_section[1:-1] == lock_pins(_lock_text()), \
        "environment.yml drifted from requirements.lock: run `make lock`"
    assert (ROOT / "environment.yml").read_text() == environment_text(_lock_text())


def test_every_lock_line_is_an_exact_pin():
    for req in _lock():
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"not an exact pin: {req}"
        assert not req.extras and req.url is None, f"not a plain pin: {req}"
        local = "+" in str(req.specifier)
        assert not local or req.name == "torch", f"only torch may pin a local build: {req}"


def test_torch_is_the_cpu_build_on_linux_and_the_ordinary_wheel_elsewhere():
    assert index_options(_lock_text()) == [f"--extra-index-url {TORCH_INDEX}"]
    assert index_options((ROOT / "requirements.in").read_text()) == index_options(_lock_text())
    linux, mac, windows = _on("linux")["torch"], _on("darwin")["torch"], _on("win32")["torch"]
    assert linux.endswith("+cpu"), f"Linux gets torch {linux}, not the CPU build"
    assert mac == windows == linux.removesuffix("+cpu")
    assert sum(r.name == "torch" for r in _lock()) == 2


def test_platform_pins_and_lock_text():
    assert platform_pins("numpy==2.4.6") == ["numpy==2.4.6"]
    assert platform_pins("torch==2.13.0+cpu") == ['torch==2.13.0+cpu ; sys_platform == "linux"',
                                                 'torch==2.13.0 ; sys_platform != "linux"']
    text = lock_text("pip==23.2.1\nnumpy==2.4.6\ntorch==2.13.0+cpu\n", f"--extra-index-url {TORCH_INDEX}\nnumpy\n")
    assert lock_pins(text) == ["numpy==2.4.6", 'torch==2.13.0+cpu ; sys_platform == "linux"',
                               'torch==2.13.0 ; sys_platform != "linux"']
    assert index_options(text) == [f"--extra-index-url {TORCH_INDEX}"]
    with pytest.raises(ValueError, match=r"\+cpu"):
        lock_text("torch==2.13.0\n", "")          # frozen from a CUDA torch: refuse to lock it
    with pytest.raises(ValueError, match="no torch"):
        lock_text("numpy==2.4.6\n", "")
    with pytest.raises(ValueError, match="exact pin"):
        lock_text("-e git+https://example.org/x#egg=x\ntorch==2.13.0+cpu\n", "")


def test_lock_covers_requirements_in():
    names = {canonicalize_name(r.name) for r in _lock()}
    wanted = [Requirement(line.split("#")[0]) for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith(("#", "-"))]
    missing = [str(w) for w in wanted if canonicalize_name(w.name) not in names]
    assert not missing, f"requirements.in names packages the lock does not pin: {missing}"
    for platform in ("linux", "darwin", "win32"):
        pins = _on(platform)
        for w in wanted:
            if w.marker is None or w.marker.evaluate({"sys_platform": platform}):
                assert w.specifier.contains(pins[canonicalize_name(w.name)], prereleases=True), (platform, str(w))


def test_installed_versions_match_lock():
    from importlib.metadata import version

    for name, wanted in _on(sys.platform).items():
        assert version(name) == wanted, f"{name}: installed {version(name)}, lock says {wanted}"


def test_pyproject_admits_python_311_to_313_and_the_locked_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python = SpecifierSet(project["requires-python"])
    assert [python.contains(v) for v in ("3.10", "3.11", "3.12", "3.13", "3.14")] == [False, True, True, True, False]
    pins = _on("linux")
    for dep in map(Requirement, project["dependencies"]):
        assert canonicalize_name(dep.name) in pins, f"the lock does not pin {dep.name}"
        assert dep.specifier.contains(pins[canonicalize_name(dep.name)]), f"the lock's {dep.name} is outside {dep}"
        # ranges, not pins: `pip install` on Colab must keep the torch, numpy... that are already there
        assert not any(s.operator in ("==", "===") for s in dep.specifier), f"{dep} pins a version"
    classifiers = project.get("classifiers", [])
    for minor in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {minor}" in classifiers


# --- the resolver, against the public indexes -------------------------------------------------------------


def _reachable(url: str, seconds: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=seconds):
            return True
    except Exception:  # no route, no name, a refused connection: not reachable from here
        return False


def _report(tmp: Path, name: str, requirements: list[str], python: str | None = None,
            extra: tuple[str, ...] = ()) -> list[dict]:
    """What pip would install for `requirements` from PyPI (plus `extra` options), for `python` ("3.12") or
    this interpreter, ignoring the machine's pip configuration and anything installed: the `install`
    items of `pip install --dry-run --report`."""
    req_file = tmp / f"{name}.txt"
    req_file.write_text("\n".join(requirements) + "\n")
    report = tmp / f"{name}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    target = ["--only-binary=:all:", "--python-version", python, "--target", str(tmp / f"{name}-target")] \
        if python else []
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                          "--index-url", PYPI, *extra, *target, "--report", str(report), "-r", str(req_file)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, f"pip could not resolve {name}:\n{run.stderr[-3000:]}"
    return json.loads(report.read_text())["install"]


def _dry_run(tmp: Path, name: str, requirements: list[str], python: str | None = None,
             extra: tuple[str, ...] = ()) -> dict[str, str]:
    """{name: version} that pip would install (see _report)."""
    return {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
            for item in _report(tmp, name, requirements, python, extra)}


def _pypi_torch_gpu_requirements(tmp: Path, version: str) -> list[str]:
    """The nvidia/cuda packages that PyPI's torch `version` requires on Linux x86_64, read from the wheel's
    metadata (pip's fast-deps reads it with HTTP range requests instead of downloading the wheel)."""
    item, = _report(tmp, "plain_torch", [f"torch=={version}"], None, ("--no-deps", "--use-feature=fast-deps"))
    linux = {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "extra": ""}
    requires = [Requirement(r) for r in item["metadata"].get("requires_dist", [])]
    on_linux = [r for r in requires if r.marker is None or r.marker.evaluate(linux)]
    return _gpu_packages({canonicalize_name(r.name): "" for r in on_linux})


def _gpu_packages(resolved: dict[str, str]) -> list[str]:
    return sorted(name for name in resolved if any(word in name for word in GPU_WORDS))


def _local_torch_links() -> str | None:
    """A folder of pip's find-links on this machine (PIP_FIND_LINKS or pip's configuration) holding torch's
    +cpu wheel, if any: where PyTorch's index cannot be reached, the resolver takes torch from there."""
    config = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                            capture_output=True, text=True).stdout
    for folder in (os.environ.get("PIP_FIND_LINKS", "") + " " + config).split():
        if list(Path(folder).glob(f"torch-{_on('linux')['torch'].replace('+', '?')}-*.whl")):
            return folder
    return None


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the CPU-build question is Linux's")
def test_the_lock_resolves_with_no_gpu_package_and_on_python_312_and_313(tmp_path):
    """Slow (about 50 s of mostly waiting on PyPI; the four questions run side by side):
    - this Python: the whole lock, torch from PyTorch's CPU index, or, where that index cannot be reached
      (this machine), from the local +cpu wheel pip's configuration points at: no nvidia/cuda package, and
      exactly the lock's versions (the lock is closed);
    - PyPI's plain torch of the same version does require nvidia packages on Linux (so the check can fail);
    - Python 3.12 and 3.13: every pin but torch's (whose wheel per Python comes from PyTorch's index) resolves
      from binary wheels to exactly the lock's versions, nothing added."""
    if not _reachable(f"{PYPI}/pip/"):
        pytest.skip("PyPI is not reachable from here")
    pins = lock_pins(_lock_text())
    no_torch = [p for p in pins if not p.startswith("torch")]
    if _reachable(f"{TORCH_INDEX}/torch/"):
        torch_source = ("--extra-index-url", TORCH_INDEX)
    elif _local_torch_links():
        torch_source = ("--find-links", _local_torch_links())
    else:
        pytest.skip("neither PyTorch's CPU index nor a local +cpu wheel of torch is reachable from here")
    jobs = {"lock": (pins, None, torch_source), "3.12": (no_torch, "3.12", ()), "3.13": (no_torch, "3.13", ())}
    with ThreadPoolExecutor(len(jobs) + 1) as pool:
        futures = {key: pool.submit(_dry_run, tmp_path, key, *job) for key, job in jobs.items()}
        plain = pool.submit(_pypi_torch_gpu_requirements, tmp_path, _on("darwin")["torch"])
        resolved = {key: future.result() for key, future in futures.items()}

    assert resolved["lock"]["torch"] == _on("linux")["torch"]
    assert _gpu_packages(resolved["lock"]) == [], "the lock pulls GPU packages on Linux"
    assert resolved["lock"] == _on("linux"), "the lock is not closed: pip adds or changes packages"
    gpu = plain.result()
    assert len(gpu) >= 5, f"PyPI's torch no longer requires CUDA packages on Linux ({gpu}): revisit the lock"
    for python in ("3.12", "3.13"):
        expected = {k: v for k, v in _on("linux").items() if k != "torch"}
        assert resolved[python] == expected, f"on Python {python} the pins resolve differently"
