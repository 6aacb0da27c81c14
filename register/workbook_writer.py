"""Write a plain .xlsx workbook (text, numbers, dates; shared strings like Excel's own files), byte for byte the
same for the same rows.

Only register.synthetic uses it, to write full-size registers quickly and reproducibly: openpyxl's writer is
several times slower at 100k+ rows and stamps each file with the time it was written.
"""

import datetime
import re
import zipfile
from xml.sax.saxutils import escape

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
EXCEL_EPOCH = datetime.date(1899, 12, 30)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{OOXML}.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OOXML}.sharedStrings+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = f'<Override PartName="/xl/worksheets/sheet{{n}}.xml" ContentType="{OOXML}.worksheet+xml"/>'
ROOT_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{{sheets}}</sheets></workbook>'
WORKBOOK_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELS}">{{sheets}}'
    f'<Relationship Id="rIdStyles" Type="{RELS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rIdStrings" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
STYLES = (
    f'{XML_HEAD}<styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
SHEET_HEAD = f'{XML_HEAD}<worksheet xmlns="{MAIN}"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def column_letters(index):
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class _Strings:
    def __init__(self):
        self.index = {}

    def __call__(self, value):
        number = self.index.get(value)
        if number is None:
            number = self.index[value] = len(self.index)
        return number

    def xml(self):
        parts = [f'{XML_HEAD}<sst xmlns="{MAIN}" count="{len(self.index)}" uniqueCount="{len(self.index)}">']
        for value in self.index:
            clean = escape(_INVALID_XML.sub("", value))
            space = ' xml:space="preserve"' if clean != clean.strip() or "\n" in clean else ""
            parts.append(f"<si><t{space}>{clean}</t></si>")
        parts.append("</sst>")
        return "".join(parts)


def _sheet_xml(rows, strings):
    letters = [column_letters(i) for i in range(64)]
    parts = [SHEET_HEAD]
    for number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            ref = f"{letters[column]}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{strings(value)}</v></c>')
            elif isinstance(value, datetime.date):
                cells.append(f'<c r="{ref}" s="1"><v>{(value - EXCEL_EPOCH).days}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    parts.append(SHEET_TAIL)
    return "".join(parts)


def write_workbook(path, sheets):
    """Write `sheets`, a list of (name, rows) with rows as lists of str, int, float, date or None."""
    strings = _Strings()
    bodies = [(name, _sheet_xml(rows, strings)) for name, rows in sheets]

    def put(archive, name, data):
        info = zipfile.ZipInfo(name, FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data.encode("utf-8"), compresslevel=6)

    with zipfile.ZipFile(path, "w") as archive:
        put(
            archive,
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="\n".join(SHEET_TYPE.format(n=n) for n in range(1, len(bodies) + 1))),
        )
        put(archive, "_rels/.rels", ROOT_RELS)
        put(
            archive,
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, (name, _) in enumerate(bodies, 1)
                )
            ),
        )
        put(
            archive,
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(
                sheets="\n".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, len(bodies) + 1)
                )
            ),
        )
        put(archive, "xl/styles.xml", STYLES)
        for n, (_, body) in enumerate(bodies, 1):
            put(archive, f"xl/worksheets/sheet{n}.xml", body)
        put(archive, "xl/sharedStrings.xml", strings.xml())
