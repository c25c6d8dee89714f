"""User text (annotations, phase labels, units) goes into the charts as plain text, never markup."""

from measures.charts.figures import build_figure, plain_text

LINK = '<a href="https://evil.example/login">Klik her</a>'


def figure_with_user_text() -> dict:
    data = {
        "chart_type": "run",
        "unit": "<b>DDD</b>",
        "points": [
            {"period": "2024-01-01", "y": 61.0, "cl": 60.0, "part": 1, "include": True},
            {"period": "2024-02-01", "y": 59.0, "cl": 60.0, "part": 2, "include": True},
        ],
        "parts": [
            {"part": 1, "label": "", "first_period": "2024-01-01", "cl": 60.0},
            {"part": 2, "label": "<i>Ny</i> <br>fase & mere", "first_period": "2024-02-01", "cl": 60.0},
        ],
        "annotations": [{"date": "2024-01-01", "text": LINK, "kind": "note"}],
    }
    return build_figure(data, title="<a href='x'>titel</a>")


def all_text(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in all_text(item)]
    if isinstance(value, list):
        return [text for item in value for text in all_text(item)]
    return [value] if isinstance(value, str) else []


def test_plain_text_escapes_markup_and_ampersands():
    assert plain_text("<a href='x'>y</a> & <br>") == "&lt;a href='x'&gt;y&lt;/a&gt; &amp; &lt;br&gt;"
    assert plain_text("Ny vejledning") == "Ny vejledning"


def test_no_user_text_reaches_the_figure_as_markup():
    figure = figure_with_user_text()
    texts = all_text(figure)
    joined = "\n".join(texts)
    for tag in ("<a", "<b>", "<i>", "<br>fase"):
        assert tag not in joined, tag
    assert any(
        "&lt;a href=&quot;" in t or '&lt;a href="https://evil.example/login"&gt;Klik her&lt;/a&gt;' in t
        for t in texts
    )
    assert "&lt;i&gt;Ny&lt;/i&gt; &lt;br&gt;fase &amp; mere" in texts
    assert figure["layout"]["title"]["text"] == "&lt;a href='x'&gt;titel&lt;/a&gt;"
