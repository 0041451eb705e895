"""Word joiners where East Asian letters meet Latin letters or digits: LibreOffice sets no gap there."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.renderers.docx import oxml, spacing

WJ = "\u2060"


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("558만 달러", f"558{WJ}만 달러"),
        ("2025년 1월 20일", f"2025{WJ}년 1{WJ}월 20{WJ}일"),
        ("DeepSeek-R1을 공개", f"DeepSeek-R1{WJ}을 공개"),
        ("딥시크(DeepSeek)가", "딥시크(DeepSeek)가"),  # brackets: no gap
        ("6,710억", f"6,710{WJ}억"),
        ("2025年1月", f"2025{WJ}年{WJ}1{WJ}月"),
        ("plain English 42", "plain English 42"),
        ("한국어만", "한국어만"),
        ("", ""),
    ],
)
def test_join_puts_a_joiner_at_each_script_boundary(text: str, joined: str) -> None:
    assert spacing.join(text) == joined


def test_join_scripts_bridges_runs_but_not_tabs_or_breaks() -> None:
    p = oxml.el("w:p")
    for piece in ("비용은 ", "558", "만 달러"):
        p.append(oxml.run(piece, None))
    p.append(oxml.run("A", None, [oxml.el("w:tab")]))  # a tab stands between the runs: no joiner
    p.append(oxml.run("가", None))
    spacing.join_scripts([p])
    texts = [t.text for t in p.iter(oxml.qn("w:t"))]
    assert texts == ["비용은 ", "558", f"{WJ}만 달러", "A", f"{WJ}가"]


def test_join_scripts_leaves_a_tab_between_scripts_alone() -> None:
    p = oxml.el("w:p")
    p.append(oxml.run("2025", None))
    p.append(oxml.run(None, None, [oxml.el("w:tab")]))
    p.append(oxml.run("년", None))
    spacing.join_scripts([p])
    assert [t.text for t in p.iter(oxml.qn("w:t"))] == ["2025", "년"]


def _joined_one_by_one(text: str, before: str = "") -> str:
    """The rule, character by character: a joiner between two letters or digits of which exactly one is
    East Asian (what ``spacing.join`` does with one regular expression)."""
    out, previous = [], before
    for ch in text:
        if previous and spacing._meet(previous, ch):
            out.append(WJ)
        out.append(ch)
        previous = ch
    return "".join(out)


@given(
    st.text(alphabet=st.sampled_from("가힣ᄀᇿ한年月ひカㄱ\u3000Ａ０𠀀aZ09_-(). ²½ⅷ\u0301")),
    st.sampled_from(["", "a", "가", "1", " ", "_"]),
)
def test_join_follows_the_rule_at_every_character(text: str, before: str) -> None:
    assert spacing.join(text, before) == _joined_one_by_one(text, before)
