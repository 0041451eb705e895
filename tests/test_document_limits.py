"""Limits on the HTML a template writes: element nesting and @page sizes, read without false alarms."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.document_limits import MAX_DEPTH, check_document, page_size_problem


@pytest.mark.parametrize(
    ("css", "message"),
    [
        ("@page { size: A4; }", None),
        ("@page { size: 210mm 297mm; margin: 20mm; @top-left { content: '}' } }", None),
        ("@page { size: 8.5in 11in }", None),
        (
            "@page { size: 1e6in; }",
            "the page size '1e6in' is outside what a page can be (10 mm to 200 in a side)",
        ),
        ("@page :first { size: 210mm 201in }", "the page size '201in' is outside"),
        ("@media print { @page { size: 0.5mm } }", "the page size '0.5mm' is outside"),
        ("@page { size: 3em }", "the page size '3em' is not in mm, cm, in, pt, pc or px"),
        ("/* @page { size: 1e9in } */ p { content: '@page { size: 1e9in }' }", None),
        ("p { size: 1e9in }", None),  # only @page rules size a page
    ],
)
def test_page_sizes_are_bounded_wherever_an_at_page_rule_is(css: str, message: str | None) -> None:
    found = page_size_problem(css)
    if message is None:
        assert found is None
    else:
        assert found is not None and found.message.startswith(message)


def test_the_line_of_a_page_size_is_the_document_s() -> None:
    html = "<html><head>\n<style>\nbody { color: red }\n@page {\n  size: 9000mm;\n}\n</style></head></html>"
    found = check_document(html)
    assert found is not None and (found.line, found.written) == (5, "9000mm")


def test_nesting_counts_elements_not_tags_that_close_themselves() -> None:
    items = "<ul>" + "<li>item" * 500 + "</ul>"  # <li> closes the <li> before it
    rows = "<table>" + "<tr><td>a<td>b" * 500 + "</table>"
    voids = "<p>" + "<br><img src=x><hr/>" * 500 + "</p>"
    comments = "<div>" + "<!-- <div> -->" * 500 + "</div>"
    for body in (items, rows, voids, comments):
        assert check_document(f"<html><body>{body}</body></html>") is None, body[:20]


def test_nesting_deeper_than_the_limit_is_refused_with_its_line() -> None:
    html = "<html>\n<body>\n" + "<div>" * MAX_DEPTH + "\n</body></html>"
    found = check_document(html)
    assert found is not None
    assert found.message == (
        f"elements nest deeper than {MAX_DEPTH} levels (html > body > div > … > div), "
        "more than a page can lay out"
    )
    assert found.line == 3


def test_a_stylesheet_a_document_loads_has_its_page_sizes_bounded_too(tmp_path: Path) -> None:
    from briefgen.fetcher import ProjectFetcher, ResourceRefused

    (tmp_path / "print.css").write_text("@page { size: 1e6in }\n", encoding="utf-8")
    (tmp_path / "fine.css").write_text("@page { size: A4 }\n", encoding="utf-8")
    with pytest.raises(ResourceRefused, match=r"the page size '1e6in' is outside what a page can be"):
        ProjectFetcher([tmp_path]).fetch((tmp_path / "print.css").as_uri())
    assert (
        ProjectFetcher([tmp_path]).fetch((tmp_path / "fine.css").as_uri()).read() == b"@page { size: A4 }\n"
    )
