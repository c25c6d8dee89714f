"""Language: Danish by default, English through set_language, complete catalogs, Danish formats.

The source strings (msgids) are Danish; locale/en holds the English translation and locale/da an
identity catalog. These tests read the committed .po/.mo files, so a string added without a
translation, or a .po edited without compilemessages, fails here.
"""

import ast
import gettext as gnu_gettext
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from seminars.models import Seminar
from tests.seminars.helpers import make_seminar

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\([a-zA-Z_]+\)[sd]|%[sd]|\{[a-z_]*\}|%%")

# Danish UI words that must not be left in an English page. The shared world's content (team,
# indicator and goal names) is Danish too, so these are words that only the interface uses.
DANISH_UI_WORDS = [
    "Forbedringsteams",
    "Forbedringsteam",
    "Indtast data",
    "Seminarer",
    "Seminarplan",
    "Diagrammer",
    "Diagrammet",
    "Tæller",
    "Nævner",
    "Kommentar",
    "Fristen",
    "frist",
    "Måned",
    "Indberet",
    "indberettet",
    "Mål ",
    "Målværdi",
    "Centerlinje",
    "Vis tal som tabel",
    "Ingen data",
    "Der er",
    "Tilbage",
    "Udskriv",
    "Forside",
    "Oversigt",
    "Datakomplethed",
    "Seneste",
    "mangler",
    "Gem",
    "Hent",
    "Tilmeld",
    "Velkommen",
    "Dine ",
    "Ansvarlig",
    "Almindelig variation",
    "Særlig variation",
    "Fremmøde",
    "Pladser",
    "kl.",
    # General practice clusters (glossary: praksisklynge, klyngepakke, klyngemøde, datatræk, behandler).
    "Praksisklynge",
    "Klyngepakke",
    "Klyngemøde",
    "klyngemøde",
    "Datatræk",
    "datatræk",
    "Behandlere",
    "Tragtdiagram",
]
DANISH_DATE_WORDS = re.compile(
    r"\b(januar|februar|marts|maj|juni|juli|oktober|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|okt)\b"
)


# --- reading the catalogs --------------------------------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (list), flags; the header is left out."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def flush():
        if entry.get("msgid"):
            entries.append(dict(entry))
        entry.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            field = None
        elif line.startswith("#,"):
            entry.setdefault("flags", []).extend(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry["msgctxt"] = _unquote(line[len("msgctxt ") :])
            field = ("msgctxt", None)
        elif line.startswith("msgid_plural "):
            entry["msgid_plural"] = _unquote(line[len("msgid_plural ") :])
            field = ("msgid_plural", None)
        elif line.startswith("msgid "):
            entry["msgid"] = _unquote(line[len("msgid ") :])
            field = ("msgid", None)
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr[") : line.index("]")])
            entry.setdefault("msgstr", []).append(_unquote(line[line.index("]") + 2 :]))
            field = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry["msgstr"] = [_unquote(line[len("msgstr ") :])]
            field = ("msgstr", 0)
        elif line.startswith('"') and field:
            name, index = field
            if name == "msgstr":
                entry["msgstr"][index] += _unquote(line)
            else:
                entry[name] += _unquote(line)
    flush()
    return entries


@pytest.fixture(scope="module")
def english_entries() -> list[dict]:
    return read_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")


GETTEXT_FUNCTIONS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
SOURCE_DIRS = ["lkt", "teams", "measures", "seminars", "reports", "clusters", "demo"]
TEMPLATE_CALL = re.compile(r"\b(n?p?gettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)")


def marked_strings() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string marked for translation in our Python code and templates."""
    from django.utils.translation.template import templatize

    found: set[tuple[str | None, str]] = set()
    base = Path(settings.BASE_DIR)
    for folder in SOURCE_DIRS:
        for path in (base / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT_FUNCTIONS:
                    continue
                context_at, msgid_at = GETTEXT_FUNCTIONS[name]
                args = node.args
                if len(args) <= msgid_at or not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[: msgid_at + 1]
                ):
                    continue  # a variable: nothing for makemessages to extract either
                context = args[context_at].value if context_at is not None else None
                found.add((context, args[msgid_at].value))
    for path in (base / "templates").rglob("*"):
        if path.suffix not in {".html", ".txt"}:
            continue
        for function, arguments in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
            values = ast.literal_eval("(" + arguments.rstrip(", ") + ",)")
            found.add(
                (values[0], values[1])
                if function.startswith(("pgettext", "npgettext"))
                else (None, values[0])
            )
    return found


def test_every_marked_string_is_in_the_catalog(english_entries):
    # Catches a string marked in code or a template after the last makemessages run.
    catalog = {(e.get("msgctxt"), e["msgid"]) for e in english_entries}
    marked = marked_strings()
    assert len(marked) > 500
    missing = sorted(msgid for context, msgid in marked - catalog)
    assert not missing, "Not in locale/en; run `make messages` and translate:\n" + "\n".join(missing)


def test_the_english_catalog_has_no_untranslated_or_fuzzy_entries(english_entries):
    assert len(english_entries) > 500
    untranslated = [e["msgid"] for e in english_entries if not all(e.get("msgstr", [""]))]
    fuzzy = [e["msgid"] for e in english_entries if "fuzzy" in e.get("flags", [])]
    assert not untranslated, "Untranslated in locale/en:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy in locale/en (check them, then remove the flag):\n" + "\n".join(fuzzy)


def test_every_translation_keeps_the_placeholders(english_entries):
    wrong = []
    for e in english_entries:
        wanted = set(PLACEHOLDER.findall(e["msgid"])) | set(PLACEHOLDER.findall(e.get("msgid_plural", "")))
        if "msgid_plural" in e:
            # The singular form may leave out the count ("one month"); the plural form must keep all.
            plural_wanted = set(PLACEHOLDER.findall(e["msgid_plural"]))
            ok = all(set(PLACEHOLDER.findall(text)) <= wanted for text in e["msgstr"])
            ok = ok and set(PLACEHOLDER.findall(e["msgstr"][-1])) == plural_wanted
        else:
            ok = sorted(PLACEHOLDER.findall(e["msgstr"][0])) == sorted(PLACEHOLDER.findall(e["msgid"]))
        if not ok:
            wrong.append(f"{e['msgid']!r} -> {e['msgstr']!r}")
    assert not wrong, "Placeholders differ:\n" + "\n".join(wrong)


def test_every_translation_keeps_the_html_tags(english_entries):
    wrong = [
        f"{e['msgid']!r} -> {e['msgstr'][0]!r}"
        for e in english_entries
        if re.findall(r"<[^>]+>", e["msgid"]) != re.findall(r"<[^>]+>", e["msgstr"][0])
    ]
    assert not wrong, "HTML differs:\n" + "\n".join(wrong)


def test_the_english_plural_entries_have_two_forms(english_entries):
    plurals = [e for e in english_entries if "msgid_plural" in e]
    assert plurals
    assert all(len(e["msgstr"]) == 2 for e in plurals)


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_compiled_catalog_matches_the_po_file(language):
    # A .po edited without compilemessages would leave the served (.mo) text behind.
    po_entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo_file:
        compiled = gnu_gettext.GNUTranslations(mo_file)
    stale = []
    for e in po_entries:
        if "msgid_plural" in e:
            if not e["msgstr"][0]:
                continue
            if compiled.ngettext(e["msgid"], e["msgid_plural"], 1) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif "msgctxt" in e:
            if compiled.pgettext(e["msgctxt"], e["msgid"]) != (e["msgstr"][0] or e["msgid"]):
                stale.append(e["msgid"])
        elif e["msgstr"][0] and compiled.gettext(e["msgid"]) != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert not stale, f"locale/{language} .mo is out of date; run compilemessages:\n" + "\n".join(stale)


def test_the_danish_catalog_has_the_same_messages_as_the_english(english_entries):
    danish = {(e.get("msgctxt"), e["msgid"]) for e in read_po(LOCALE / "da" / "LC_MESSAGES" / "django.po")}
    assert danish == {(e.get("msgctxt"), e["msgid"]) for e in english_entries}


def test_gettext_translates_through_the_compiled_catalog():
    with translation.override("en"):
        assert translation.gettext("Indtast data") == "Enter data"
        assert translation.ngettext("%(n)s team", "%(n)s teams", 3) % {"n": 3} == "3 teams"
    with translation.override("da"):
        assert translation.gettext("Indtast data") == "Indtast data"


# --- pages -----------------------------------------------------------------------------------


def main_text(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main> in the page"
    text = re.sub(r"<script\b.*?</script>", " ", match.group(0), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text)


def danish_left_in(text: str) -> list[str]:
    found = [word for word in DANISH_UI_WORDS if re.search(r"(?<!\w)" + re.escape(word), text)]
    found += DANISH_DATE_WORDS.findall(text)
    return found


@pytest.fixture
def english_world(world):
    """The shared world with computed charts and one past and one coming seminar."""
    from measures.charts import chart_results_recompute_stale

    chart_results_recompute_stale(network=world.network)
    make_seminar(world.network, days=-40, title="Ledelsesseminar", kind=Seminar.Kind.LEADERSHIP)
    make_seminar(world.network, days=30, title="Læringsseminar 1")
    return world


def english_client(client_for, user: User | AnonymousUser):
    client = client_for(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_danish_is_the_default(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert '<html lang="da">' in html
    assert "Log ind" in html
    assert "Brugernavn" in html


def test_the_login_page_comes_out_in_english_after_the_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html and "Username" in html and "Password" in html
    assert danish_left_in(main_text(html)) == []


PAGES = {
    "home": (lambda w: reverse("home"), ["Welcome", "Your improvement teams", "Enter data", "See charts"]),
    "team": (
        lambda w: reverse("measures:team-dashboard", args=[w.team_a.uuid]),
        ["Charts", "Show figures as a table", "Centre line", "Numerator", "Denominator"],
    ),
    "grid": (
        lambda w: reverse("measures:entry-grid", args=[w.team_a.uuid]),
        ["Monthly reporting", "Upload (import file)", "Nothing to report", "numerator / denominator"],
    ),
    "seminars": (
        lambda w: reverse("seminars:plan", args=[w.network.slug]),
        ["How far have we come?", "Next seminar", "Leadership seminar", "Learning seminar"],
    ),
    "network": (
        lambda w: reverse("measures:network-dashboard", args=[w.network.slug]),
        [
            "Goals",
            "Teams and indicators",
            "Key to the symbols",
            "National charts",
            "Attendance at the seminars",
        ],
    ),
}


NATIONAL_LEAD_EXPECTED = {
    "home": ["Welcome", "Your learning and quality teams", "National project lead"],
    "grid": ["Monthly reporting", "You have read access to the team's data.", "numerator / denominator"],
}


@pytest.mark.parametrize("role", ["team_lead", "national_lead"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_comes_out_in_english(english_world, client_for, page, role):
    url_for, expected = PAGES[page]
    if role == "national_lead":
        # The national lead is no team member: other words on the home page, a read-only grid.
        expected = NATIONAL_LEAD_EXPECTED.get(page, expected)
    client = english_client(client_for, getattr(english_world, role))
    response = client.get(url_for(english_world))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    text = main_text(html)
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, f"English text missing on {page}: {missing}"
    assert danish_left_in(text) == [], f"Danish left on the {page} page"
    assert "Skift sprog" not in html and "Change language" in html


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_is_danish_without_the_switch(english_world, client_for, page):
    url_for, expected = PAGES[page]
    html = client_for(english_world.team_lead).get(url_for(english_world)).content.decode()
    assert '<html lang="da">' in html
    assert not [phrase for phrase in expected if phrase in main_text(html)]


def test_the_chart_figure_speaks_english(english_world, client_for):
    client = english_client(client_for, english_world.team_lead)
    html = client.get(reverse("measures:team-dashboard", args=[english_world.team_a.uuid])).content.decode()
    # Parsed, not searched as text: json_script writes "Måling" as "M\\u00e5ling", and "Median" is
    # the same word in both languages.
    payloads = [
        json.loads(data)
        for data in re.findall(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', html, re.S)
    ]
    names = {trace.get("name") for payload in payloads for trace in payload["figure"]["data"]}
    assert "Measurement" in names
    assert not names & {"Måling", "Centerlinje", "Kontrolgrænser", "Nationalt mål", "Lokalt mål"}


def test_the_english_upload_headings_shown_on_the_upload_page_are_accepted(db):
    # The upload page shows the column headings in the user's language; the parser must take them.
    from measures.upload import parse_upload

    with translation.override("en"):
        long_header = translation.gettext("Indikator;Måned;Tæller;Nævner;Kommentar;Intet at indberette")
        spc_header = translation.gettext("Dato;Tæller;Nævner;Kommentarer")
    assert long_header.startswith("Indicator;Month")
    long_file = f"{long_header}\nddd;2024-01;610;1000;;\n".encode()
    spc_file = f"{spc_header}\n2024-01;610;1000;\n".encode()
    assert parse_upload(data=long_file, filename="data.csv").errors == []
    assert parse_upload(data=spc_file, filename="data.csv", indicator_code="ddd").errors == []


# --- Danish numbers and dates ----------------------------------------------------------------


def test_numbers_use_danish_and_english_separators():
    value = Decimal("1234.5")
    with translation.override("da"):
        assert formats.number_format(value, force_grouping=True) == "1.234,5"
    with translation.override("en"):
        assert formats.number_format(value, force_grouping=True) == "1,234.5"


def test_the_chart_table_shows_danish_numbers_in_danish_and_english_in_english(english_world, client_for):
    # The shared world's denominator is 1000 bed days; the first value is made 61.25 DDD per 100
    # bed days, shown with the indicator's one decimal.
    from measures.charts import chart_results_recompute_stale
    from measures.models import ChartResult, Measurement

    first = Measurement.objects.filter(team=english_world.team_a, indicator=english_world.indicator).earliest(
        "period"
    )
    Measurement.objects.filter(pk=first.pk).update(numerator=612.5)
    ChartResult.objects.update(is_stale=True)  # the update above bypassed the services that mark it
    chart_results_recompute_stale(network=english_world.network)
    url = reverse("measures:team-dashboard", args=[english_world.team_a.uuid])
    danish = main_text(client_for(english_world.team_lead).get(url).content.decode())
    assert "1.000" in danish and "61,3" in danish
    english = main_text(english_client(client_for, english_world.team_lead).get(url).content.decode())
    assert "1,000" in english and "61.3" in english


def test_dates_are_written_the_danish_way():
    template = Template('{{ day|date:"d.m.Y" }} · {{ day|date:"b. Y" }} · {{ day|date:"j. F Y" }}')
    with translation.override("da"):
        assert (
            template.render(Context({"day": date(2026, 11, 23)}))
            == "23.11.2026 · nov. 2026 · 23. november 2026"
        )
        assert formats.date_format(date(2026, 11, 23), "SHORT_DATE_FORMAT") == "23.11.2026"
