"""agentica as a user installs it: the wheel, built offline from a copy of this checkout,
installed alone into a fresh venv. Used by ``test_wheel.py``, ``benchmarks/bench_cli.py`` and
``benchmarks/bench_acp_startup.py``.

The dependencies come from this environment through a ``.pth`` file (nothing is
downloaded; the project itself only from the wheel). A ``.pth`` line only puts a
directory on ``sys.path``: the ``.pth`` files inside it (an editable install's import
hook, say) are not run.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JUNK = ("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info",
        ".git", ".venv")  # fmt: skip
"""What a copy of the checkout leaves out (caches, build output, the repository)."""


def copy_source(dest: Path) -> Path:
    """A clean copy of the checkout at ``dest`` (the build must not write into it)."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*JUNK))
    return dest


def build_wheel(src: Path, dist: Path) -> Path:
    """The wheel of ``src``, built into ``dist`` (no build isolation: offline)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(dist), str(src)],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("agentica-*.whl")
    return wheel


def outer_site_dirs() -> list[str]:
    """This environment's site directories (for the dependencies), never the checkout."""
    dirs = [*sys.path, *site.getsitepackages()]
    return [
        d for d in dict.fromkeys(dirs)
        if Path(d).name in ("site-packages", "dist-packages") and os.path.isdir(d)
    ]  # fmt: skip


def venv_with(wheel: Path, target: Path) -> tuple[Path, Path]:
    """A venv at ``target`` holding ``wheel`` (and this environment's packages after its
    own); its bin directory and its python."""
    venv.EnvBuilder(with_pip=False).create(target)
    bindir = target / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "outer-deps.pth").write_text("\n".join(outer_site_dirs()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
         "--no-deps", "--no-index", str(wheel)],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    return bindir, python


def installed(work: Path) -> tuple[Path, Path]:
    """This checkout as a user installs it, under ``work`` (``src``, ``dist``, ``venv``):
    copied, built into a wheel, installed into a fresh venv; its bin dir and its python."""
    src = copy_source(work / "src")
    return venv_with(build_wheel(src, work / "dist"), work / "venv")


__all__ = [
    "JUNK", "ROOT", "build_wheel", "copy_source", "installed", "outer_site_dirs", "venv_with",
]  # fmt: skip
