"""Native spreadsheet charts (DrawingML, ECMA-376 part 1, section 21.2) for the streaming XLSX writer.

A chart is a part of its own that reads its data from cell ranges of the workbook, so it follows the cells when a
reader edits them; the values are also cached in the chart (what Excel writes too), so a viewer that does not
recalculate still draws it. A sheet's charts sit in one drawing part, each anchored to a block of cells.
Columns (vertical bars), horizontal bars and lines can share one chart and its axes: a column of monthly net
cash with a line of the cumulative over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_REL = f"{_REL}/chart"
DRAWING_REL = f"{_REL}/drawing"
_CATEGORY_AXIS, _VALUE_AXIS = 500_000_001, 500_000_002


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One series: its name, the range of its values, and their cached copy; drawn as columns, horizontal
    bars (both signed: red below zero) or a line."""

    name: str
    values: str
    cached: Sequence[float]
    kind: Literal["column", "bar", "line"] = "column"
    colour: str = "1F6FEB"  # RRGGBB
    negative_colour: str | None = None  # bars below zero, when they differ


@dataclass(frozen=True, slots=True)
class XlsxChart:
    """A chart anchored over the cells from (`left`, `top`) to (`right`, `bottom`), 0-based column and row indexes.

    `categories` is the range of the category labels and `labels` their cached text (or, with
    `category_format`, their numbers, e.g. month dates shown as yyyy-mm)."""

    title: str
    categories: str
    labels: Sequence[str | float]
    series: Sequence[ChartSeries]
    left: int
    top: int
    right: int
    bottom: int
    value_format: str = "#,##0"
    category_format: str | None = None


def chart_xml(chart: XlsxChart) -> str:
    """The chart part (c:chartSpace)."""
    groups = []
    columns = [(i, s) for i, s in enumerate(chart.series) if s.kind in ("column", "bar")]
    lines = [(i, s) for i, s in enumerate(chart.series) if s.kind == "line"]
    horizontal = any(s.kind == "bar" for _, s in columns)
    axes = f'<c:axId val="{_CATEGORY_AXIS}"/><c:axId val="{_VALUE_AXIS}"/>'
    if columns:
        groups.append(f'<c:barChart><c:barDir val="{"bar" if horizontal else "col"}"/><c:grouping val="clustered"/>'
                      '<c:varyColors val="0"/>' + "".join(_series(chart, i, s) for i, s in columns)
                      + f'<c:gapWidth val="60"/>{axes}</c:barChart>')
    if lines:
        groups.append('<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
                      + "".join(_series(chart, i, s) for i, s in lines) + f'<c:marker val="1"/>{axes}</c:lineChart>')
    if chart.category_format:  # dates (months): a date axis shows them in their format
        category_axis = (
            f'<c:dateAx><c:axId val="{_CATEGORY_AXIS}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode={quoteattr(chart.category_format)} '
            'sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            f'<c:crossAx val="{_VALUE_AXIS}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblOffset val="100"/>'
            '<c:baseTimeUnit val="months"/></c:dateAx>')
    else:
        # Horizontal bars list the first category at the top (a reversed axis; the values then cross it at its
        # maximum, the bottom), and every category is labelled.
        category_axis = (
            f'<c:catAx><c:axId val="{_CATEGORY_AXIS}"/><c:scaling><c:orientation val="'
            f'{"maxMin" if horizontal else "minMax"}"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{"l" if horizontal else "b"}"/><c:numFmt formatCode="General" sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            f'<c:crossAx val="{_VALUE_AXIS}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            '<c:lblOffset val="100"/><c:tickLblSkip val="1"/><c:noMultiLvlLbl val="0"/></c:catAx>')
    value_axis = (
        f'<c:valAx><c:axId val="{_VALUE_AXIS}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="{"b" if horizontal else "l"}"/><c:majorGridlines>'
        '<c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr>'
        f'</c:majorGridlines><c:numFmt formatCode={quoteattr(chart.value_format)} sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="{_CATEGORY_AXIS}"/><c:crosses val="{"max" if horizontal else "autoZero"}"/>'
        '<c:crossBetween val="between"/></c:valAx>')
    legend = ('<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
              if len(chart.series) > 1 else "")
    return (f'{_HEAD}<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_REL}"><c:roundedCorners val="0"/>'
            f"<c:chart>{_title(chart.title)}<c:autoTitleDeleted val=\"0\"/><c:plotArea><c:layout/>"
            + "".join(groups) + category_axis + value_axis
            + f'</c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            '<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr>'
            "</c:chartSpace>")


def _title(text: str) -> str:
    return ('<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1200" b="1"/></a:pPr>'
            f'<a:r><a:rPr lang="en-US" sz="1200" b="1"/><a:t>{escape(text)}</a:t></a:r></a:p></c:rich></c:tx>'
            '<c:overlay val="0"/></c:title>')


def _fill(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'


def _series(chart: XlsxChart, index: int, series: ChartSeries) -> str:
    name = f"<c:tx><c:v>{escape(series.name)}</c:v></c:tx>"
    if series.kind == "line":
        look = (f'<c:spPr><a:ln w="28575" cap="rnd">{_fill(series.colour)}<a:round/></a:ln></c:spPr>'
                '<c:marker><c:symbol val="none"/></c:marker>')
    else:
        look = f"<c:spPr>{_fill(series.colour)}</c:spPr><c:invertIfNegative val=\"0\"/>"
        if series.negative_colour:
            # One data point per bar below zero, in the negative colour (Excel's "invert if negative" only
            # inverts to white).
            look += "".join(f'<c:dPt><c:idx val="{i}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
                            f"<c:spPr>{_fill(series.negative_colour)}</c:spPr></c:dPt>"
                            for i, value in enumerate(series.cached) if value < 0)
    values = (f"<c:val><c:numRef><c:f>{escape(series.values)}</c:f><c:numCache><c:formatCode>General"
              f'</c:formatCode><c:ptCount val="{len(series.cached)}"/>'
              + "".join(f'<c:pt idx="{i}"><c:v>{value!r}</c:v></c:pt>' for i, value in enumerate(series.cached))
              + "</c:numCache></c:numRef></c:val>")
    end = '<c:smooth val="0"/>' if series.kind == "line" else ""
    return (f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>{name}{look}{_categories(chart)}{values}{end}'
            "</c:ser>")


def _categories(chart: XlsxChart) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{escape(str(label))}</c:v></c:pt>' for i, label in enumerate(chart.labels))
    count = f'<c:ptCount val="{len(chart.labels)}"/>'
    if chart.category_format:
        return (f"<c:cat><c:numRef><c:f>{escape(chart.categories)}</c:f><c:numCache><c:formatCode>"
                f"{escape(chart.category_format)}</c:formatCode>{count}{points}</c:numCache></c:numRef></c:cat>")
    return (f"<c:cat><c:strRef><c:f>{escape(chart.categories)}</c:f><c:strCache>{count}{points}</c:strCache>"
            "</c:strRef></c:cat>")


def drawing_xml(charts: Sequence[XlsxChart], first_relationship: int = 1) -> str:
    """A sheet's drawing part: one anchored frame per chart, the n-th pointing at relationship rId(first + n)."""
    frames = []
    for n, chart in enumerate(charts):
        rid = f"rId{first_relationship + n}"
        frames.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{chart.left}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{chart.top}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{chart.right}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{chart.bottom}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 2}" '
            f"name={quoteattr(f'Chart {n + 1}')} descr={quoteattr(chart.title)}/><xdr:cNvGraphicFramePr/>"
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{_C}"><c:chart xmlns:c="{_C}" r:id="{rid}"/></a:graphicData>'
            "</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>")
    return f'{_HEAD}<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}" xmlns:r="{_REL}">' + "".join(frames) + "</xdr:wsDr>"


def relationships_xml(targets: Sequence[tuple[str, str]]) -> str:
    """A .rels part: rId1.. for (type, target) pairs."""
    return (f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
                      for n, (kind, target) in enumerate(targets, start=1))
            + "</Relationships>")
