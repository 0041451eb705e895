"""Jinja placeholders in a Word template: the cover, title block, headers and footers a Word user edits.

A Word user types ``{{ meta.title }}`` in the template's text and formats it like any other text; the run
formatting of a placeholder is what its value gets. What this module understands:

- ``{{ expression }}``: the value of a Jinja expression (variables, attributes, filters, ``_("…")`` from the
  catalogue). Text keeps the placeholder's formatting (tabs and line breaks included); a picture
  (``branding.logo``) becomes an inline picture; ``page_of``, ``page`` and ``pages`` become Word's page
  fields. An empty value (none, or "") writes nothing.
- ``{% if … %}``, ``{% elif … %}``, ``{% else %}``, ``{% endif %}``: alone in a paragraph, they keep or drop
  the paragraphs and tables between them (a line of the cover that has no value); inside a paragraph, the
  text between them. ``{# … #}`` is a comment.
- A picture whose alt text (or title) is a placeholder, ``{{ branding.logo }}``: the picture is replaced,
  fitted into the frame the user drew; with no value it is removed.

Word splits what a user types into several runs (spelling marks, formatting changes, revisions), so a
placeholder is first joined into one run; Word's typographic quotes inside a placeholder are read as plain
ones. Expressions run in the same bounded Jinja sandbox as every template. A placeholder that does not parse
or fails is an error naming the template, the part (``word/header2.xml``, the first-page header of section
2) and the placeholder. Nothing else of Jinja is accepted: the document is not a template source text, so
no placeholder can write XML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.exceptions import SecurityError

from briefgen.errors import Location, TemplateError
from briefgen.images import Picture
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element, qn
from briefgen.templating import RUNTIME_ERRORS

if TYPE_CHECKING:
    from docx.opc.part import Part

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_OPENERS = re.compile(r"\{\{|\{%|\{#")
_STATEMENT = re.compile(r"^\{%-?\s*(?:p\s+)?(\w+)(.*?)-?%\}$", re.S)
_EXPRESSION = re.compile(r"^\{\{-?(.*?)-?\}\}$", re.S)
#: Word's typing replaces quotes with typographic ones and may put in no-break spaces: read them as typed.
_TYPED = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "\u00a0": " "})
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: The most characters all the placeholders of one document may write (as for any template's output).
MAX_WRITTEN = 20_000_000
#: The box a logo typed as text (not drawn as a picture) is fitted into: the PDF cover's, in EMU.
TEXT_PICTURE_BOX = (60 * 36_000, 18 * 36_000)


@dataclass(frozen=True)
class Fields:
    """Text with Word fields in it, such as "Page {page} of {pages}": what ``{{ page_of }}`` writes.

    ``pieces`` are ("text", "Page ") and ("field", "PAGE") in order.
    """

    pieces: tuple[tuple[str, str], ...]

    @classmethod
    def from_pattern(cls, pattern: str) -> Fields:
        """Read a pattern whose ``{page}`` and ``{pages}`` are the PAGE and NUMPAGES fields."""
        names = {"{page}": "PAGE", "{pages}": "NUMPAGES"}
        pieces = [
            ("field", names[piece]) if piece in names else ("text", piece)
            for piece in re.split(r"(\{page\}|\{pages\})", pattern)
            if piece
        ]
        return cls(tuple(pieces))

    def __str__(self) -> str:
        return "".join(value if kind == "text" else "#" for kind, value in self.pieces)


#: Makes the ``w:drawing`` of a picture in a part, fitted into a box (width, height in EMU), with alt text.
DrawPicture = Callable[["Part", Picture, tuple[int, int], str], Element]


@dataclass(frozen=True)
class Where:
    """A part of the Word template, as messages name it: the file, the zip entry and what it is."""

    template: str  # templates/reference.docx
    part: str  # word/header2.xml
    what: str  # the first-page header of section 2

    def error(self, message: str, tag: str | None = None, hint: str | None = None) -> TemplateError:
        placeholder = f", in the placeholder {tag!r}" if tag else ""
        return TemplateError(
            f"{self.part} ({self.what}){placeholder}: {message}", Location(self.template), hint
        )


class Placeholders:
    """Fill the placeholders of a Word template's parts with the values of one edition."""

    def __init__(
        self,
        env: jinja2.Environment,
        values: Mapping[str, Any],
        draw: DrawPicture,
        language: Callable[[], Element],
        alt: str = "",
    ) -> None:
        self.env = env
        self.values = dict(values)
        self.draw = draw
        self.language = language  # a fresh w:lang of the edition, for every run a value writes
        self.alt = alt  # the alt text of pictures placed here (the logo's: the organisation)
        self.written = 0

    # ------------------------------------------------------------ the steps

    def prepare(self, root: Element, where: Where) -> None:
        """Give every placeholder of a part a run of its own, joining those Word split across runs."""
        for p in list(root.iter(qn("w:p"))):
            _join(p, where)

    def fill(self, root: Element, part: Part, where: Where) -> None:
        """Fill a prepared part: paragraph conditions, then each paragraph's placeholders, then pictures."""
        self._blocks(root, where)
        for p in list(root.iter(qn("w:p"))):
            self._inline(p, part, where)
        self._pictures(root, part, where)
        for r in root.iter(qn("w:r")):  # the template's own text is in the edition's language, unless marked
            rpr = r.find(qn("w:rPr"))
            if rpr is None:
                rpr = oxml.el("w:rPr")
                r.insert(0, rpr)
            if rpr.find(qn("w:lang")) is None:
                oxml.set_child(rpr, self.language(), oxml.RPR_ORDER)

    # ------------------------------------------------------------ paragraphs and tables kept or dropped

    def _blocks(self, container: Element, where: Where) -> None:
        stack: list[list[bool]] = []  # per open "if": [a branch was taken, this branch is kept]
        for child in list(container):
            statement = _alone(child)
            if statement is not None:
                self._statement(statement, stack, where)
                if child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None and all(k for _, k in stack):
                    for r in _own_runs(child):  # keep the section break it carries
                        r.getparent().remove(r)
                else:
                    container.remove(child)
            elif not all(kept for _, kept in stack):
                container.remove(child)
            else:
                for inner in _containers(child):
                    self._blocks(inner, where)
        if stack:
            raise where.error("an '{% if %}' has no '{% endif %}'", hint="end it in a paragraph of its own")

    def _statement(self, tag: str, stack: list[list[bool]], where: Where) -> None:
        match = _STATEMENT.match(tag.translate(_TYPED))
        keyword, rest = (match.group(1), match.group(2).strip()) if match else ("", "")
        outer = all(kept for _, kept in stack[:-1]) if stack else True
        if keyword == "if":
            active = all(kept for _, kept in stack)
            value = bool(self._value(rest, tag, where)) if active else False
            stack.append([value, value])
        elif keyword == "elif" and stack:
            taken = stack[-1][0]
            value = (not taken and outer) and bool(self._value(rest, tag, where))
            stack[-1] = [taken or value, value]
        elif keyword == "else" and stack and not rest:
            stack[-1] = [True, not stack[-1][0]]
        elif keyword == "endif" and stack and not rest:
            stack.pop()
        elif keyword in ("elif", "else", "endif"):
            raise where.error(f"'{keyword}' without an open '{{% if %}}'", tag)
        else:
            raise where.error(
                "a Word template takes {{ expressions }} and {% if %} … {% endif %} only",
                tag,
                "write a value as {{ … }}; to leave a line out, put {% if … %} and {% endif %} around it",
            )

    # ------------------------------------------------------------ placeholders inside a paragraph

    def _inline(self, p: Element, part: Part, where: Where) -> None:
        stack: list[list[bool]] = []
        for r in _own_runs(p):
            tag = _tag_of(r)
            kept = all(k for _, k in stack)
            if tag is None:
                if not kept:
                    r.getparent().remove(r)
                continue
            if tag.startswith("{%"):
                self._statement(tag, stack, where)
                r.getparent().remove(r)
            elif tag.startswith("{#") or not kept:
                r.getparent().remove(r)
            else:
                match = _EXPRESSION.match(tag)
                assert match is not None
                value = self._value(match.group(1), tag, where)
                for new in self._runs(value, r, part, where, tag):
                    r.addprevious(new)
                r.getparent().remove(r)
        if stack:
            raise where.error(
                "an '{% if %}' inside a paragraph has no '{% endif %}' in that paragraph",
                hint="end it in the same paragraph, or put both alone in paragraphs of their own",
            )

    def _runs(self, value: Any, r: Element, part: Part, where: Where, tag: str) -> list[Element]:
        """Return the runs that stand for a value, formatted as the placeholder's run."""
        rpr = r.find(qn("w:rPr"))

        def props() -> Element:
            found = oxml.clone(rpr) if rpr is not None else oxml.el("w:rPr")
            oxml.set_child(found, self.language(), oxml.RPR_ORDER)
            return found

        if value is None or value == "":
            return []
        if isinstance(value, Picture):
            drawing = self.draw(part, value, TEXT_PICTURE_BOX, self.alt)
            return [oxml.run(None, props(), [drawing])]
        if isinstance(value, Fields):
            out: list[Element] = []
            for kind, piece in value.pieces:
                if kind == "text":
                    out.extend(self._text(piece, props, where, tag))
                else:
                    # The result is a placeholder: every word processor computes page numbers as it lays out.
                    out.extend(oxml.field(piece, [oxml.run("1", props())], props()))
            return out
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise where.error(
                f"the value is a {type(value).__name__}, not a text", tag, "name one of its attributes"
            )
        return self._text(str(value), props, where, tag)

    def _text(self, text: str, props: Callable[[], Element], where: Where, tag: str) -> list[Element]:
        self.written += len(text)
        if self.written > MAX_WRITTEN:
            raise where.error(f"the placeholders write more than {MAX_WRITTEN:,} characters", tag)
        lines = text.split("\n")
        out = []
        for index, line in enumerate(lines):
            content = [oxml.el("w:br")] if index else []
            out.append(oxml.run(line, props(), content))
        return out

    # ------------------------------------------------------------ pictures whose alt text is a placeholder

    def _pictures(self, root: Element, part: Part, where: Where) -> None:
        for doc_pr in list(root.iter(f"{{{_WP}}}docPr")):
            text = (doc_pr.get("descr") or doc_pr.get("title") or "").strip()
            match = _EXPRESSION.match(text)
            if not match:
                continue
            value = self._value(match.group(1), text, where)
            drawing = _ancestor(doc_pr, qn("w:drawing"))
            frame = doc_pr.getparent()
            if drawing is None or frame is None:
                continue
            if value is None or value == "" or value is False:
                holder = drawing.getparent()
                if holder.tag == qn("w:r"):
                    holder.getparent().remove(holder)
                else:
                    holder.remove(drawing)
                continue
            if not isinstance(value, Picture):
                raise where.error(
                    f"the value is a {type(value).__name__}, not a picture",
                    text,
                    "a picture's alt text may name a picture, such as {{ branding.logo }}",
                )
            extent = frame.find(f"{{{_WP}}}extent")
            box = (int(extent.get("cx", 0)), int(extent.get("cy", 0))) if extent is not None else (0, 0)
            new = self.draw(part, value, box if all(box) else TEXT_PICTURE_BOX, self.alt)
            _swap_picture(frame, new)
        _drop_unused_images(part, root)

    # ------------------------------------------------------------ evaluating

    def _value(self, source: str, tag: str, where: Where) -> Any:
        expression = source.translate(_TYPED).strip()
        if not expression:
            raise where.error("an empty placeholder", tag)
        try:
            compiled = self.env.compile_expression(expression, undefined_to_none=False)
        except jinja2.TemplateSyntaxError as exc:
            raise where.error(f"it does not parse: {exc.message}", tag) from None
        try:
            value = compiled(**self.values)
            if isinstance(value, jinja2.Undefined):
                str(value)  # raises UndefinedError, saying what is undefined
            return value
        except jinja2.UndefinedError as exc:
            raise where.error(
                f"{exc.message}", tag, "see docs/docx.md for the names a Word template can use"
            ) from None
        except SecurityError as exc:
            raise where.error(f"refused by the sandbox: {exc}", tag) from None
        except RecursionError:
            raise where.error("it calls itself too deeply", tag) from None
        except (*RUNTIME_ERRORS, jinja2.TemplateError) as exc:
            raise where.error(f"{type(exc).__name__}: {exc}", tag) from None


# ---------------------------------------------------------------- joining what Word split


def _own_texts(p: Element) -> list[Element]:
    """Return the ``w:t`` of a paragraph in order, not those of paragraphs nested in it (text boxes)."""
    return [t for t in p.iter(qn("w:t")) if _ancestor(t, qn("w:p")) is p]


def _own_runs(p: Element) -> list[Element]:
    return [r for r in p.iter(qn("w:r")) if _ancestor(r, qn("w:p")) is p]


def _ancestor(element: Element, tag: str) -> Element | None:
    parent: Element | None = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _join(p: Element, where: Where) -> None:
    """Put each placeholder of a paragraph into one run of its own, formatted as the run it starts in."""
    texts = _own_texts(p)
    joined = "".join(t.text or "" for t in texts)
    if "{" not in joined:
        return
    tags = [(m.start(), m.end()) for m in TAG.finditer(joined)]
    rest = TAG.sub("", joined)
    stray = _OPENERS.search(rest)
    if stray:
        snippet = rest[stray.start() : stray.start() + 40]
        raise where.error(
            f"a placeholder is not closed: {snippet!r}",
            hint="close it with }} (or %}, #}) in the same paragraph",
        )
    if not tags:
        return
    # Where each text node starts in the paragraph's text.
    starts, offset = [], 0
    for t in texts:
        starts.append(offset)
        offset += len(t.text or "")
    pieces = [list(t.text or "") for t in texts]
    for start, end in reversed(tags):  # from the last, so that earlier positions stay true
        first = max(i for i, s in enumerate(starts) if s <= start)
        last = max(i for i, s in enumerate(starts) if s < end)
        if first == last:
            continue
        tag = joined[start:end]
        # The whole placeholder goes where it starts; the other nodes lose their part of it.
        local = start - starts[first]
        pieces[first][local:] = [tag]
        for i in range(first + 1, last):
            pieces[i] = []
        pieces[last] = pieces[last][end - starts[last] :]
    for t, chars in zip(texts, pieces, strict=True):
        _set_text(t, "".join(chars))
    for t in texts:
        if t.text and TAG.search(t.text):
            _split(t)


def _set_text(t: Element, text: str) -> None:
    t.text = text
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _split(t: Element) -> None:
    """Split the run holding ``t`` so that each placeholder in ``t`` is a run of its own."""
    run = t.getparent()
    if run is None or run.tag != qn("w:r"):
        return
    rpr = run.find(qn("w:rPr"))
    children = [c for c in run if c.tag != qn("w:rPr")]
    index = children.index(t)
    groups: list[list[Element]] = []
    if children[:index]:
        groups.append(children[:index])
    text = t.text or ""
    position = 0
    for match in TAG.finditer(text):
        if match.start() > position:
            groups.append([_t(text[position : match.start()])])
        groups.append([_t(match.group())])
        position = match.end()
    if position < len(text):
        groups.append([_t(text[position:])])
    if children[index + 1 :]:
        groups.append(children[index + 1 :])
    for group in groups:
        new = oxml.el("w:r")
        if rpr is not None:
            new.append(oxml.clone(rpr))
        for child in group:
            new.append(child)
        run.addprevious(new)
    run.getparent().remove(run)


def _t(text: str) -> Element:
    t = oxml.el("w:t")
    _set_text(t, text)
    return t


def _tag_of(r: Element) -> str | None:
    """Return the placeholder a run holds alone, or None."""
    texts = [c for c in r if c.tag != qn("w:rPr")]
    if len(texts) != 1 or texts[0].tag != qn("w:t"):
        return None
    text = texts[0].text or ""
    return text if TAG.fullmatch(text) else None


def _alone(child: Element) -> str | None:
    """Return the statement of a paragraph that holds a ``{% … %}`` tag and nothing else visible."""
    if child.tag != qn("w:p"):
        return None
    tags = [tag for r in _own_runs(child) if (tag := _tag_of(r))]
    if len(tags) != 1 or not tags[0].startswith("{%"):
        return None
    if any(r.find(qn("w:drawing")) is not None for r in _own_runs(child)):
        return None
    text = "".join(t.text or "" for t in _own_texts(child))
    return tags[0] if text.strip() == tags[0] else None


def _containers(element: Element) -> Iterator[Element]:
    """Yield what holds paragraphs inside a block: table cells, block content controls."""
    if element.tag == qn("w:tbl"):
        yield from element.iter(qn("w:tc"))
    elif element.tag == qn("w:sdt"):
        content = element.find(qn("w:sdtContent"))
        if content is not None:
            yield content


# ---------------------------------------------------------------- pictures


def _swap_picture(frame: Element, new_drawing: Element) -> None:
    """Replace a drawn placeholder picture (inline or anchored) by the new picture's graphic and size."""
    new_frame = new_drawing[0]
    graphic = frame.find(f"{{{_A}}}graphic")
    new_graphic = new_frame.find(f"{{{_A}}}graphic")
    if graphic is None or new_graphic is None:
        return
    graphic.addprevious(new_graphic)
    frame.remove(graphic)
    extent, new_extent = frame.find(f"{{{_WP}}}extent"), new_frame.find(f"{{{_WP}}}extent")
    if extent is not None and new_extent is not None:
        extent.set("cx", new_extent.get("cx", "0"))
        extent.set("cy", new_extent.get("cy", "0"))
    doc_pr, new_doc_pr = frame.find(f"{{{_WP}}}docPr"), new_frame.find(f"{{{_WP}}}docPr")
    if doc_pr is not None and new_doc_pr is not None:
        doc_pr.set("descr", new_doc_pr.get("descr", ""))
        doc_pr.attrib.pop("title", None)


def _drop_unused_images(part: Part, root: Element) -> None:
    """Forget the images of a part that no element refers to any more (the replaced placeholder pictures)."""
    used = {
        value
        for element in root.iter()
        for name, value in element.attrib.items()
        if name in (f"{{{_R}}}embed", f"{{{_R}}}link", f"{{{_R}}}id")
    }
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith("/image") and rel_id not in used:
            del part.rels[rel_id]


def picture_drawing(part: Part, picture: Picture, box: tuple[int, int], alt: str) -> Element:
    """Return a ``w:drawing`` showing ``picture`` in a part, as large as fits in ``box`` (EMU).

    PNG and JPEG are embedded as they are; SVG as a PNG drawn at 300 dpi for the box (Word and LibreOffice
    show PNG everywhere).
    """
    from docx.oxml.shape import CT_Inline
    from docx.shared import Emu

    data = picture.data if picture.mime != "image/svg+xml" else _svg_png(picture, box)
    scale = min(box[0] / picture.width, box[1] / picture.height)
    cx, cy = max(round(picture.width * scale), 1), max(round(picture.height * scale), 1)
    rel_id, image = part.get_or_add_image(io.BytesIO(data))  # type: ignore[attr-defined]
    inline = CT_Inline.new_pic_inline(1, rel_id, image.filename, Emu(cx), Emu(cy))
    inline.docPr.set("descr", alt)
    return oxml.el("w:drawing", children=[inline])


def _svg_png(picture: Picture, box: tuple[int, int]) -> bytes:
    """Draw an SVG as PNG, 300 dots per inch at the size it is shown; it may load nothing but data: URIs."""
    import cairosvg  # type: ignore[import-untyped]

    scale = min(box[0] / picture.width, box[1] / picture.height)
    width = max(round(picture.width * scale / 914_400 * 300), 1)
    height = max(round(picture.height * scale / 914_400 * 300), 1)
    png: bytes = cairosvg.svg2png(
        bytestring=picture.data, output_width=width, output_height=height, unsafe=False
    )
    return png


def renumber_pictures(roots: list[Element]) -> None:
    """Number the drawings of every part anew, so that no two share an id (Word asks for unique ids)."""
    number = 0
    for root in roots:
        for doc_pr in root.iter(f"{{{_WP}}}docPr"):
            number += 1
            doc_pr.set("id", str(number))
