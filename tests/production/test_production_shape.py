"""The production shape, started for real: what docker-compose.yml runs, on this machine.

The settings are .env.example's with the paths of docker-compose.yml (real secrets instead of the
placeholders, this machine's database and Redis). The commands are the compose file's: migrate,
bin/start-web (gunicorn with gunicorn.conf.py, DEBUG=0), bin/start-worker, bin/start-beat, and each
service's healthcheck. The demo is loaded into a database of its own (PostgreSQL when DATABASE_URL
names one, else SQLite); a browser's requests are made over HTTP as a TLS-terminating proxy would
forward them.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import dj_database_url
import pytest
import yaml

from tests.ports import free_port

pytestmark = pytest.mark.production

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
START_TIMEOUT = 120
PLACEHOLDER_KEY = "change-me-to-a-long-random-string"


def env_example() -> dict[str, str]:
    values = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def service_command(name: str) -> list[str]:
    command = list(COMPOSE["services"][name]["command"])
    # The image has python and its scripts on PATH; here they live in the virtualenv.
    return [sys.executable if part == "python" else part for part in command]


def healthcheck_command(name: str) -> list[str]:
    test = COMPOSE["services"][name]["healthcheck"]["test"]
    assert test[0] == "CMD", test
    return list(test[1:])


@dataclass
class Shape:
    tmp: Path
    env: dict[str, str]
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def run(self, command: list[str], env: dict[str, str] | None = None, timeout: float = 600):
        return subprocess.run(
            command, cwd=REPO, env=env or self.env, capture_output=True, text=True, timeout=timeout
        )

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env or self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name], self.logs[name] = process, log
        return process

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")[-4000:]

    def healthy(self, service: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return self.run(healthcheck_command(service), env=env, timeout=60)

    def wait_healthy(self, service: str, process_name: str, env: dict[str, str] | None = None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            result = self.healthy(service, env)
            if result.returncode == 0:
                return
            process = self.processes[process_name]
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"{process_name} did not become healthy ({result.stderr.strip()}):\n{self.log(process_name)}"
                )
            time.sleep(1)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


@pytest.fixture(scope="module")
def production_database_url(tmp_path_factory) -> Iterator[str]:
    """A database of its own for the production shape: PostgreSQL like the suite's, else SQLite."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('production-db') / 'lkt.sqlite3'}"
        return
    import psycopg

    parsed = dj_database_url.parse(configured)
    name = f"test_{parsed['NAME']}_production"
    admin = psycopg.connect(
        host=parsed["HOST"] or "127.0.0.1",
        port=parsed["PORT"] or 5432,
        user=parsed["USER"],
        password=parsed["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(configured)._replace(path=f"/{name}").geturl()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def shape(tmp_path_factory, production_database_url, redis_url) -> Iterator[Shape]:
    tmp = tmp_path_factory.mktemp("production")
    run_id = uuid.uuid4().hex[:10]
    host = socket.gethostname()
    app_environment = COMPOSE["x-app"]["environment"]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in env_example() and not key.startswith(("DJANGO_", "CELERY_", "GUNICORN_"))
    }
    env.update(env_example())
    env.update(
        {
            # The compose file's paths, moved into this test's folder.
            "STATIC_ROOT": str(tmp / Path(app_environment["STATIC_ROOT"]).name),
            "MEDIA_ROOT": str(tmp / Path(app_environment["MEDIA_ROOT"]).name),
            # What an operator puts in .env instead of the placeholders and the example hosts.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "API_TOKEN_HASH_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "lkt.example.dk,127.0.0.1",
            "DATABASE_URL": production_database_url,
            "CELERY_BROKER_URL": redis_url,
            "CACHE_URL": redis_url,
            "CACHE_KEY_PREFIX": f"lkt-test-{run_id}",
            "CELERY_TASK_DEFAULT_QUEUE": f"lkt-test-production-{run_id}",
            "CELERY_WORKER_NAME": f"lkt-test-{run_id}@{host}",
            "CELERY_BEAT_NAME": f"lkt-test-beat-{run_id}@{host}",
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp / "celerybeat-schedule"),
            "CELERY_CONCURRENCY": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "GUNICORN_WORKERS": "2",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    shape = Shape(tmp=tmp, env=env, port=port)
    assert env["DEBUG"] == "0" and env["TRUSTED_PROXIES"] == "1", ".env.example describes production"
    # Every service address of .env.example (compose's host names) is replaced by this machine's.
    compose_hosts = [
        name for name, value in env.items() if re.search(r"//([^/@]*@)?(postgres|redis)[:/]", value)
    ]
    assert compose_hosts == [], f"point these at this machine's services: {compose_hosts}"

    # The image's build step, with the placeholder key of .env.example: it must keep working.
    built = shape.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env={**env, "SECRET_KEY": PLACEHOLDER_KEY},
    )
    assert built.returncode == 0, built.stderr
    migrated = shape.run(service_command("migrate"))
    assert migrated.returncode == 0, migrated.stderr
    demo = shape.run([sys.executable, "manage.py", "load_demo"])
    assert demo.returncode == 0, demo.stderr
    media = Path(env["MEDIA_ROOT"]) / "seminars" / "2025"
    media.mkdir(parents=True)
    (media / "program.pdf").write_bytes(b"%PDF-1.4 private seminar material")

    try:
        shape.start("web", service_command("web"))
        shape.start("worker", service_command("worker"))
        shape.start("beat", service_command("beat"))
        shape.wait_healthy("web", "web")
        shape.wait_healthy("worker", "worker")
        shape.wait_healthy("beat", "beat")
        yield shape
    finally:
        shape.stop_all()
        import redis

        client = redis.Redis.from_url(redis_url)
        queue = env["CELERY_TASK_DEFAULT_QUEUE"]
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Browser:
    """Requests as the TLS-terminating proxy forwards them (X-Forwarded-Proto), with cookies."""

    def __init__(self, port: int, forwarded_proto: str | None = "https") -> None:
        self.port = port
        self.forwarded_proto = forwarded_proto
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if self.forwarded_proto:
            sent["X-Forwarded-Proto"] = self.forwarded_proto
            sent["X-Forwarded-For"] = "203.0.113.7"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        raw = connection.getresponse()
        response = Response(raw.status, raw.headers, raw.read())
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def get_json(self, path: str):
        response = self.get(path, headers={"Accept": "application/json"})
        assert response.status == 200, (path, response.status, response.text[:1000])
        return json.loads(response.body)

    def post_form(self, path: str, data: dict, headers: dict | None = None) -> Response:
        return self.request(
            "POST",
            path,
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}{path}",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                **(headers or {}),
            },
        )

    def login(self, username: str, password: str = "demo") -> None:
        page = self.get("/login/")
        assert page.status == 200, page.status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.request(
            "POST",
            "/login/",
            body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/login/",
            },
        )
        assert response.status == 302, (response.status, response.text[:2000])
        assert "sessionid" in self.cookies


class AssetParser(HTMLParser):
    """Every URL a page makes the browser fetch: <script src>, <link href>, <img src>."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.assets.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            self.assets.append(attributes["href"])
        elif tag == "img" and attributes.get("src"):
            self.assets.append(attributes["src"])
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def parse(page: Response) -> AssetParser:
    parser = AssetParser()
    parser.feed(page.text)
    return parser


CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
    ".png": ("image/png",),
    ".ico": ("image/x-icon", "image/vnd.microsoft.icon"),
    ".woff2": ("font/woff2",),
    ".woff": ("font/woff", "application/font-woff"),
    ".ttf": ("font/ttf", "application/x-font-ttf", "font/sfnt"),
    ".eot": ("application/vnd.ms-fontobject",),
}
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")


def assert_private(page: Response, path: str) -> None:
    directives = {part.strip() for part in page.header("Cache-Control").split(",")}
    assert {"private", "no-store"} <= directives, (path, page.header("Cache-Control"))


def test_web_worker_and_beat_pass_the_compose_healthchecks(shape):
    for service in ("web", "worker", "beat"):
        result = shape.healthy(service)
        assert result.returncode == 0, (service, result.stderr)


def test_a_demo_user_sees_home_team_and_network_dashboards_with_every_asset(shape):
    browser = Browser(shape.port)
    browser.login("demo-team")
    home = browser.get("/")
    assert home.status == 200 and home.header("Content-Type").startswith("text/html")
    links = parse(home).links
    team = next((link for link in links if re.fullmatch(r"/teams/[0-9a-f-]{36}/", link)), None)
    network = next((link for link in links if re.fullmatch(r"/lkt/[\w-]+/", link)), None)
    assert team and network, links

    assets: set[str] = set()
    for path in ("/", team, network):
        page = browser.get(path)
        assert page.status == 200, (path, page.status)
        assert_private(page, path)
        assert page.header("Content-Security-Policy"), path
        found = [a for a in parse(page).assets if not a.startswith("data:")]
        assert any(a.endswith(".css") for a in found) and any(a.endswith(".js") for a in found), found
        assets.update(urljoin(path, a) for a in found)
    # The network dashboard shows the Making Data Count icons (the demo network has results).
    assert any(a.endswith(".svg") and "/mdc/" in a for a in assets), sorted(assets)

    checked: set[str] = set()
    queue = sorted(assets)
    while queue:
        url = queue.pop()
        if url in checked:
            continue
        checked.add(url)
        assert urlsplit(url).netloc == "", f"an asset from another site: {url}"
        response = browser.get(url)
        assert response.status == 200, (url, response.status)
        suffix = Path(urlsplit(url).path).suffix
        assert response.header("Content-Type").split(";")[0] in CONTENT_TYPES[suffix], (
            url,
            response.header("Content-Type"),
        )
        if HASHED.search(urlsplit(url).path):
            # A hashed name never changes content: cached for a year or more, no revalidation.
            cache = response.header("Cache-Control")
            max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
            assert max_age >= 365 * 24 * 3600 and "immutable" in cache, (url, cache)
        if suffix == ".css":
            # Fonts and images of the stylesheet (rewritten to hashed names by collectstatic).
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", response.text):
                if not ref.startswith(("data:", "#")):
                    queue.append(urljoin(url, ref.split("#")[0].split("?")[0]))
    assert all(HASHED.search(urlsplit(u).path) for u in assets if u.startswith("/static/")), sorted(assets)
    print(f"{len(checked)} assets fetched")


def test_a_value_saved_in_the_grid_is_charted_by_the_worker(shape):
    """The whole loop of the deployed shape: web saves, Redis carries the task, the worker computes."""
    browser = Browser(shape.port)
    browser.login("demo-team")
    team_uuid = next(
        link.split("/")[2]
        for link in parse(browser.get("/")).links
        if re.fullmatch(r"/teams/[0-9a-f-]{36}/", link)
    )
    rows = browser.get_json(f"/api/v1/measurements/?team={team_uuid}&page_size=500")["results"]
    measurement = max((row for row in rows if row["numerator"] is not None), key=lambda row: row["period"])
    code = measurement["indicator"]
    indicators = browser.get_json(f"/api/v1/indicators/?network={measurement['network']}&code={code}")[
        "results"
    ]

    def chart() -> dict:
        results = browser.get_json(f"/api/v1/chart-results/?team={team_uuid}&indicator={code}&scope=team")[
            "results"
        ]
        assert len(results) == 1, results
        return results[0]

    before = chart()
    assert before["is_stale"] is False
    new_numerator = str(measurement["numerator"] + 1).replace(".", ",")
    data = {
        "indicator": indicators[0]["uuid"],
        "period": measurement["period"],
        "numerator": new_numerator,
        "expected_version": measurement["version"],
    }
    if measurement["denominator"] is not None:
        data["denominator"] = str(measurement["denominator"]).replace(".", ",")
    saved = browser.post_form(f"/teams/{team_uuid}/data/gem/", data, headers={"Accept": "application/json"})
    assert saved.status == 200, (saved.status, saved.text[:2000])

    deadline = time.monotonic() + 90
    while True:
        after = chart()
        if after["computed_at"] != before["computed_at"] and not after["is_stale"]:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not recompute the chart:\n{shape.log('worker')}")
        time.sleep(1)
    point = next(p for p in after["points"] if p["period"].startswith(measurement["period"]))
    assert point["numerator"] == pytest.approx(measurement["numerator"] + 1)


def test_static_files_come_compressed_to_a_browser_that_accepts_it(shape):
    browser = Browser(shape.port)
    browser.login("demo-team")
    stylesheet = next(a for a in parse(browser.get("/")).assets if a.endswith(".css"))
    response = browser.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.header("Content-Encoding") == "gzip"


def test_behind_the_proxy_plain_http_is_redirected_and_https_is_strict(shape):
    plain = Browser(shape.port, forwarded_proto=None).get("/login/")
    assert plain.status == 301
    assert plain.header("Location") == f"https://127.0.0.1:{shape.port}/login/"
    said_http = Browser(shape.port, forwarded_proto="http").get("/login/")
    assert said_http.status == 301

    page = Browser(shape.port).get("/login/")
    assert page.status == 200
    assert "max-age=31536000" in page.header("Strict-Transport-Security")
    cookies = page.headers.get_all("Set-Cookie") or []
    assert cookies, "the login page sets the CSRF cookie"
    for cookie in cookies:
        assert "; Secure" in cookie, cookie


def test_uploads_are_no_public_url(shape):
    browser = Browser(shape.port)
    browser.login("demo-admin")
    response = browser.get("/media/seminars/2025/program.pdf")
    assert response.status == 404
    assert b"private seminar material" not in response.body


def test_without_a_trusted_proxy_x_forwarded_proto_is_not_believed(shape):
    port = free_port()
    env = {**shape.env, "TRUSTED_PROXIES": "0", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    shape.start("web-direct", service_command("web"), env=env)
    try:
        shape.wait_healthy("web", "web-direct", env=env)
        # A client (not a proxy) claiming HTTPS over plain HTTP is still sent to HTTPS.
        response = Browser(port, forwarded_proto="https").get("/login/")
        assert response.status == 301
        assert response.header("Location") == f"https://127.0.0.1:{port}/login/"
    finally:
        shape.stop("web-direct")


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_the_example_secret_key_is_refused_at_start(shape, service):
    env = {**shape.env, "SECRET_KEY": PLACEHOLDER_KEY, "API_TOKEN_HASH_KEY": secrets.token_urlsafe(50)}
    if service == "web":
        env["GUNICORN_BIND"] = f"127.0.0.1:{free_port()}"
    try:
        result = shape.run(service_command(service), env=env, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{service} kept running with the example SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY is the example placeholder" in result.stdout + result.stderr
