"""The Makefile's setup: a virtualenv made by the wrong Python is rebuilt rather than reused, a
wrong PYTHON is refused with a message, and `make run` checks the port before anything else.
The pythons here are stand-ins (shell scripts) that say which version they are, create a
virtualenv of themselves and accept pip and uv: no network, no real install."""

import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
# A stand-in for python VERSION
if [ "$1" = "-c" ]; then echo "VERSION"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  uv="$(dirname "$0")/uv"; printf '#!/bin/sh\\nexit 0\\n' > "$uv"; chmod +x "$uv"; exit 0
fi
exit 1
"""


def fake_python(folder: Path, version: str) -> Path:
    path = folder / f"python{version}"
    path.write_text(FAKE_PYTHON.replace("VERSION", version))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "uv.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=folder, capture_output=True, text=True, timeout=120
    )


def venv_version(folder: Path) -> str:
    return subprocess.run(
        [folder / ".venv/bin/python", "-c", "x"], capture_output=True, text=True
    ).stdout.strip()


def test_a_virtualenv_left_by_another_python_is_rebuilt(tmp_path):
    folder = project(tmp_path)
    python312, python311 = fake_python(tmp_path, "3.12"), fake_python(tmp_path, "3.11")
    assert subprocess.run([python312, "-m", "venv", folder / ".venv"]).returncode == 0  # the failed first try
    done = make(folder, "venv", f"PYTHON={python311}")
    assert done.returncode == 0, done.stderr
    assert ".venv was made by Python 3.12, not 3.11: rebuilding it." in done.stdout
    assert venv_version(folder) == "3.11"
    assert (folder / ".venv/.installed").exists()


def test_a_good_virtualenv_is_kept(tmp_path):
    folder = project(tmp_path)
    python311 = fake_python(tmp_path, "3.11")
    assert make(folder, "venv", f"PYTHON={python311}").returncode == 0
    (folder / ".venv/keep").touch()
    done = make(folder, "venv", f"PYTHON={python311}")
    assert done.returncode == 0 and "rebuilding" not in done.stdout
    assert (folder / ".venv/keep").exists()


def test_the_wrong_python_is_refused_with_what_to_do(tmp_path):
    folder = project(tmp_path)
    python312 = fake_python(tmp_path, "3.12")
    done = make(folder, "venv", f"PYTHON={python312}")
    assert done.returncode != 0
    assert f"Kindred needs Python 3.11, but {python312} is 3.12" in done.stderr
    assert "make run PYTHON=/path/to/python3.11" in done.stderr
    assert not (folder / ".venv").exists()


def test_make_run_checks_the_port_before_migrating(tmp_path):
    folder = project(tmp_path)
    python311 = fake_python(tmp_path, "3.11")
    assert make(folder, "venv", f"PYTHON={python311}").returncode == 0
    planned = make(folder, "-n", "run", "PORT=8123", f"PYTHON={python311}").stdout
    assert "serve_all --port 8123 --check-port" in planned
    assert planned.index("--check-port") < planned.index("migrate")
