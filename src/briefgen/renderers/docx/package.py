"""The DOCX package around the text: footnotes part, settings, and a reproducible zip.

python-docx saves with the current time in every zip entry; :func:`to_bytes` rewrites the package with a
fixed timestamp and a fixed entry order, so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING, cast

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml.ns import nsdecls
from docx.oxml.parser import parse_xml, register_element_cls
from docx.oxml.xmlchemy import BaseOxmlElement, ZeroOrMore

from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element, qn

if TYPE_CHECKING:
    from docx.document import Document

#: Zip entries that come first, in this order (content types first, as some readers expect); then by name.
_FIRST = (
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "docProps/app.xml",
    "word/document.xml",
    "word/_rels/document.xml.rels",
)

APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>briefgen</Application><DocSecurity>0</DocSecurity><LinksUpToDate>false</LinksUpToDate>"
    b"<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


def to_bytes(doc: Document, when: dt.date, replace: dict[str, bytes] | None = None) -> bytes:
    """Return the package as bytes: fixed entry order, every entry dated ``when``; ``replace`` swaps entries.

    ``docProps/app.xml`` is always replaced: a reference document's word and page counts are not ours.
    """
    raw = io.BytesIO()
    doc.save(raw)
    replace = {"docProps/app.xml": APP_XML, **(replace or {})}
    with zipfile.ZipFile(raw) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries.update({name: data for name, data in replace.items() if name in entries})
    order = [n for n in _FIRST if n in entries] + sorted(n for n in entries if n not in _FIRST)
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, entries[name], compresslevel=9)
    return out.getvalue()


def part_name(doc: Document, reltype: str) -> str | None:
    """Return the zip entry name of the document's (or the package's) part of a relationship type."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for rel in rels.values():
            if rel.reltype == reltype and not rel.is_external:
                return str(rel.target_part.partname).lstrip("/")
    return None


def drop_parts(doc: Document, *reltypes: str) -> None:
    """Remove the document's relationships of these types (python-docx then leaves their parts out)."""
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype in reltypes:
            del doc.part.rels[rel_id]


# ---------------------------------------------------------------- footnotes


class CT_Footnotes(BaseOxmlElement):
    """``w:footnotes``, the root of the footnotes part."""

    footnote = ZeroOrMore("w:footnote")


class CT_Footnote(BaseOxmlElement):
    """``w:footnote``: one note, holding paragraphs like a table cell."""

    p = ZeroOrMore("w:p")


register_element_cls("w:footnotes", CT_Footnotes)
register_element_cls("w:footnote", CT_Footnote)

_SEPARATORS = "".join(
    f'<w:footnote w:type="{kind}" w:id="{number}"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    f'w:lineRule="auto"/></w:pPr><w:r><w:{kind}/></w:r></w:p></w:footnote>'
    for kind, number in (("separator", -1), ("continuationSeparator", 0))
)


def add_footnotes_part(doc: Document) -> XmlPart:
    """Give the document a fresh footnotes part (replacing the reference's), holding only the separators."""
    drop_parts(doc, RT.FOOTNOTES)
    element = cast(CT_Footnotes, parse_xml(f"<w:footnotes {nsdecls('w', 'r')}>{_SEPARATORS}</w:footnotes>"))
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, element, doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    note_pr = oxml.el(
        "w:footnotePr", children=[oxml.el("w:footnote", {"w:id": -1}), oxml.el("w:footnote", {"w:id": 0})]
    )
    oxml.set_child(doc.settings.element, note_pr, SETTINGS_ORDER)
    return part


def new_footnote(part: XmlPart, number: int) -> Element:
    """Append an empty ``w:footnote`` with id ``number`` to the footnotes part and return it."""
    note = oxml.el("w:footnote", {"w:id": number})
    part.element.append(note)
    return note


#: The children of ``w:settings`` in schema order (§17.15.1.78).
SETTINGS_ORDER = (
    "w:writeProtection",
    "w:view",
    "w:zoom",
    "w:removePersonalInformation",
    "w:removeDateAndTime",
    "w:doNotDisplayPageBoundaries",
    "w:displayBackgroundShape",
    "w:printPostScriptOverText",
    "w:printFractionalCharacterWidth",
    "w:printFormsData",
    "w:embedTrueTypeFonts",
    "w:embedSystemFonts",
    "w:saveSubsetFonts",
    "w:saveFormsData",
    "w:mirrorMargins",
    "w:alignBordersAndEdges",
    "w:bordersDoNotSurroundHeader",
    "w:bordersDoNotSurroundFooter",
    "w:gutterAtTop",
    "w:hideSpellingErrors",
    "w:hideGrammaticalErrors",
    "w:activeWritingStyle",
    "w:proofState",
    "w:formsDesign",
    "w:attachedTemplate",
    "w:linkStyles",
    "w:stylePaneFormatFilter",
    "w:stylePaneSortMethod",
    "w:documentType",
    "w:mailMerge",
    "w:revisionView",
    "w:trackRevisions",
    "w:doNotTrackMoves",
    "w:doNotTrackFormatting",
    "w:documentProtection",
    "w:autoFormatOverride",
    "w:styleLockTheme",
    "w:styleLockQFSet",
    "w:defaultTabStop",
    "w:autoHyphenation",
    "w:consecutiveHyphenLimit",
    "w:hyphenationZone",
    "w:doNotHyphenateCaps",
    "w:showEnvelope",
    "w:summaryLength",
    "w:clickAndTypeStyle",
    "w:defaultTableStyle",
    "w:evenAndOddHeaders",
    "w:bookFoldRevPrinting",
    "w:bookFoldPrinting",
    "w:bookFoldPrintingSheets",
    "w:drawingGridHorizontalSpacing",
    "w:drawingGridVerticalSpacing",
    "w:displayHorizontalDrawingGridEvery",
    "w:displayVerticalDrawingGridEvery",
    "w:doNotUseMarginsForDrawingGridOrigin",
    "w:drawingGridHorizontalOrigin",
    "w:drawingGridVerticalOrigin",
    "w:doNotShadeFormData",
    "w:noPunctuationKerning",
    "w:characterSpacingControl",
    "w:printTwoOnOne",
    "w:strictFirstAndLastChars",
    "w:noLineBreaksAfter",
    "w:noLineBreaksBefore",
    "w:savePreviewPicture",
    "w:doNotValidateAgainstSchema",
    "w:saveInvalidXml",
    "w:ignoreMixedContent",
    "w:alwaysShowPlaceholderText",
    "w:doNotDemarcateInvalidXml",
    "w:saveXmlDataOnly",
    "w:useXSLTWhenSaving",
    "w:saveThroughXslt",
    "w:showXMLTags",
    "w:alwaysMergeEmptyNamespace",
    "w:updateFields",
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


def update_fields_on_opening(doc: Document) -> None:
    """Ask Word to update the document's fields when it opens (it asks the reader first): the contents'
    page numbers are PAGEREF fields, which Word computes only then (LibreOffice computes them anyway)."""
    oxml.set_child(doc.settings.element, oxml.el("w:updateFields", {"w:val": "true"}), SETTINGS_ORDER)


def tidy_settings(doc: Document) -> None:
    """Remove what would make Word ask to update fields on opening, or reattach another template."""
    settings = doc.settings.element
    for name in ("w:updateFields", "w:attachedTemplate"):
        for found in settings.findall(qn(name)):
            settings.remove(found)
