"""The quarterly report as people read it: a Word document or Markdown, the same text either way."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn

from indicator_api.reports.schemas import QuarterlyReport

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def word(report: QuarterlyReport) -> bytes:
    """Headings and paragraphs in a Chinese font."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    document.add_heading(report.title, level=1)
    for section in report.sections:
        document.add_heading(section.title, level=2)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def markdown(report: QuarterlyReport) -> str:
    lines = [f"# {report.title}", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        lines += [f"{paragraph}\n" for paragraph in section.paragraphs]
    return "\n".join(lines)
