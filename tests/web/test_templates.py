"""Template source mistakes that render as text on the page instead of failing."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def test_no_template_opens_a_comment_it_does_not_close_on_the_same_line():
    # `{# … #}` is one line only: one spread over lines is shown to the user word for word.
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [p for p in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in p.parts]
    found = []
    for root in roots:
        for path in root.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "{#" in line and "#}" not in line.split("{#", 1)[1]:
                    found.append(f"{path}:{number}")
    assert roots and not found, found
