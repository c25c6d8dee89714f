"""docker-compose.yml, the Dockerfile, .dockerignore and the lock files say what the deployment needs.

Docker is not available where the tests run, so these read the files; the production-shape test
runs the same commands on this machine.
"""

import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
DOCKERFILE = (REPO / "Dockerfile").read_text()


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            result.append((instruction.upper(), rest.strip()))
    return result


def locked(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9_.-]+)==([^\s\\]+)", path.read_text(), flags=re.MULTILINE))


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_services_are_the_database_the_broker_a_one_shot_migrate_web_worker_and_beat():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in LONG_RUNNING:
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_web_worker_and_beat_run_their_start_script_and_have_a_healthcheck(name):
    service = SERVICES[name]
    assert service["command"] == [f"bin/start-{name}"]
    assert service["healthcheck"]["test"] == ["CMD", "bin/healthcheck", name]
    for script in (f"bin/start-{name}", "bin/healthcheck"):
        assert os.access(REPO / script, os.X_OK), f"{script} is not executable"
    for key in ("interval", "timeout", "retries", "start_period"):
        assert key in service["healthcheck"], (name, key)


def test_there_is_exactly_one_beat():
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat


def test_the_web_port_is_published_on_the_loopback_only():
    # TRUSTED_PROXIES=1 believes X-Forwarded-For: only the proxy on the host may reach gunicorn.
    assert SERVICES["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_broker_keeps_its_queue_and_never_evicts_it():
    command = SERVICES["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_every_app_service_runs_the_image_with_the_env_file_and_the_media_volume():
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["image"] == "lkt-tracker" and service["build"] == "."
        assert service["env_file"] == ".env"
        media_root = service["environment"]["MEDIA_ROOT"]
        assert f"media:{media_root}" in service["volumes"], name
    assert "media" in COMPOSE["volumes"]


def test_the_media_volume_is_writable_by_the_images_user():
    instructions = dockerfile_instructions()
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0"), "the app must not run as root"
    user = users[-1]
    user_index = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "USER")
    media_root = SERVICES["web"]["environment"]["MEDIA_ROOT"]
    # A named volume starts as a copy of the image's folder, ownership included: the folder must
    # exist in the image and belong to the user, made before the image switches to that user.
    runs = " && ".join(args for instruction, args in instructions[:user_index] if instruction == "RUN")
    assert re.search(rf"mkdir -p [^&]*{re.escape(media_root)}", runs), runs
    assert re.search(rf"chown (-R )?{user}(:{user})? [^&]*{re.escape(media_root)}", runs), runs
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert f"MEDIA_ROOT={media_root}" in env


def test_the_image_installs_the_runtime_lock_with_hashes_and_starts_the_web_script():
    instructions = dockerfile_instructions()
    installs = [args for instruction, args in instructions if instruction == "RUN" and "pip install" in args]
    assert installs, "no pip install in the Dockerfile"
    for args in installs:
        words = shlex.split(args)
        assert "--require-hashes" in words
        assert "requirements/runtime.lock" in words
        assert "requirements/dev.lock" not in words
    cmd = [args for instruction, args in instructions if instruction == "CMD"][-1]
    assert cmd == '["bin/start-web"]'


def test_the_build_collects_static_files_with_a_throwaway_key():
    assert re.search(
        r"SECRET_KEY=build-only [^&]*manage\.py collectstatic --noinput", DOCKERFILE.replace("\\\n", " ")
    )


def test_nothing_local_or_secret_goes_into_the_image():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip()}
    for entry in (
        ".env",
        ".venv",
        "db.sqlite3",
        ".git",
        "test-artifacts",
        "media",
        "staticfiles",
        "__pycache__",
    ):
        assert entry in ignored, entry


def test_both_locks_pin_every_package_with_hashes():
    for lock in ("runtime.lock", "dev.lock"):
        text = (REPO / "requirements" / lock).read_text()
        blocks = re.split(r"\n(?=[a-z0-9_.-]+==)", text)
        pinned = [block for block in blocks if re.match(r"[a-z0-9_.-]+==", block)]
        assert pinned, lock
        for block in pinned:
            assert "--hash=sha256:" in block, (lock, block.splitlines()[0])
    assert not (REPO / "requirements.lock").exists(), "the old single lock is gone"


def test_the_runtime_lock_has_no_test_tools_and_agrees_with_the_dev_lock():
    runtime = locked(REPO / "requirements" / "runtime.lock")
    dev = locked(REPO / "requirements" / "dev.lock")
    # (playwright is a runtime dependency: the reports print PDFs with it.)
    for tool in ("pytest", "pytest-django", "hypothesis", "schemathesis", "ruff"):
        assert tool not in runtime, tool
        assert tool in dev, tool
    for name, version in runtime.items():
        assert dev.get(name) == version, (name, version, dev.get(name))


def test_every_dependency_of_pyproject_is_in_its_lock():
    """A dependency added to pyproject.toml without `make lock` would be missing from the image."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {normalise(name) for name in locked(REPO / "requirements" / "runtime.lock")}
    dev = {normalise(name) for name in locked(REPO / "requirements" / "dev.lock")}

    def names(requirements: list[str]) -> set[str]:
        return {normalise(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)) for requirement in requirements}

    assert names(project["dependencies"]) - runtime == set(), "run `make lock`"
    assert names(project["optional-dependencies"]["dev"]) - dev == set(), "run `make lock`"


def test_the_makefile_installs_and_locks_from_the_split_locks():
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r requirements/dev.lock" in makefile
    assert re.search(r"^lock:", makefile, flags=re.MULTILINE)
    assert "requirements.lock" not in makefile
