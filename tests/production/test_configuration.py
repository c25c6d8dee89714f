"""The README documents every variable the code reads; .env.example names only real ones; each
log line is printed once."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETTINGS = (REPO / "lkt" / "settings.py").read_text()
README = (REPO / "README.md").read_text()


def configuration_section() -> str:
    start = README.index("## Configuration")
    return README[start : README.index("\n## ", start + 1)]


def settings_variables() -> set[str]:
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS))


def process_variables() -> set[str]:
    found = set()
    for path in [
        REPO / "gunicorn.conf.py",
        *sorted((REPO / "bin").glob("start-*")),
        REPO / "bin" / "healthcheck",
    ]:
        text = path.read_text()
        found |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', text))
        found |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", text))
    return found


def test_the_settings_read_the_variables_this_test_knows_about():
    # Guards the pattern above: if the settings stopped using env_*(), this test would pass vacuously.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXIES"} <= settings_variables()
    assert {"GUNICORN_BIND", "CELERY_CONCURRENCY"} <= process_variables()


def test_every_variable_read_by_the_settings_and_the_processes_is_in_the_readme_table():
    section = configuration_section()
    missing = sorted(
        name for name in settings_variables() | process_variables() if f"`{name}`" not in section
    )
    assert missing == [], f"add to the README's Configuration table: {missing}"


def test_env_example_names_only_variables_that_are_read():
    named = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.MULTILINE)
    )
    assert "SECRET_KEY" in named
    unknown = sorted(named - settings_variables() - process_variables())
    assert unknown == [], f".env.example names variables nothing reads: {unknown}"


def test_each_log_line_is_printed_once():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('marker-django'); "
        "logging.getLogger('django.server').warning('marker-server'); "
        "logging.getLogger('measures').warning('marker-app')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"DJANGO_SETTINGS_MODULE": "lkt.settings", "PATH": "/usr/bin:/bin", "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for marker in ("marker-django", "marker-server", "marker-app"):
        assert output.count(marker) == 1, output
