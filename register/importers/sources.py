"""Open a register file, whatever it is: an Excel workbook (xlsx, xlsm, xls, ods) or a CSV of one sheet.

The file's content decides, not its name: a file that is neither is refused with a clear error before anything
is read. Workbooks are read with python-calamine (Rust): on the full-size register it reads the three sheets
several times faster than openpyxl's read-only mode (figures in README, "Importing a register file").
Sheets are read row by row so that memory stays flat.
"""

import csv
import sys
import zipfile
from pathlib import Path

from django.conf import settings

from register.importers.errors import RegisterFileError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
HEAD_BYTES = 64 * 1024
# A CSV cell can hold a whole narrative text (26,000 characters in real files); far larger means junk.
CSV_FIELD_LIMIT = 1024 * 1024

csv.field_size_limit(min(sys.maxsize, CSV_FIELD_LIMIT))


class Sheet:
    """One sheet: its name as written and its rows (lists of cell values), read on demand."""

    def __init__(self, name, rows, height=None):
        self.name = name
        self._rows = rows
        self.height = height

    def rows(self):
        return self._rows()


class Workbook:
    def __init__(self, label, kind, sheets):
        self.label = label  # the file name, for messages
        self.kind = kind  # "workbook" or "csv"
        self.sheets = sheets  # list of Sheet

    @property
    def sheet_names(self):
        return [sheet.name for sheet in self.sheets]


def open_register_file(path, label=None):
    path = Path(path)
    label = label or path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        raise RegisterFileError(f"cannot read the file: {error.strerror or error}", file=label) from error
    if size == 0:
        raise RegisterFileError("the file is empty", file=label)
    if head.startswith(ZIP_MAGIC):
        _check_unpacked_size(path, label)
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        return _open_workbook(path, label)
    return _open_csv(path, label, head)


def _check_unpacked_size(path, label):
    """Refuse a zipped workbook (xlsx, ods) that would unpack to more than REGISTER_UNPACKED_MAX_BYTES: a zip bomb
    (a few MB that inflate to gigabytes of sheet XML) would take gigabytes of memory to read. The sizes are read
    from the zip's directory, before anything is unpacked. A file whose directory cannot be read is left to the
    reader, which says what is wrong with it."""
    limit = settings.REGISTER_UNPACKED_MAX_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if unpacked > limit:
        raise RegisterFileError(
            f"unpacked, this workbook would be {unpacked / 1e6:,.0f} MB of data, more than the {limit / 1e6:,.0f} MB "
            "a register file may unpack to (the full monthly register unpacks to about 140 MB): it is not read",
            file=label,
        )


def _open_workbook(path, label):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except (CalamineError, OSError, ValueError) as error:
        raise RegisterFileError(f"not a readable Excel workbook ({error})", file=label) from error

    def sheet(name):
        def rows():
            try:
                loaded = book.get_sheet_by_name(name)
            except CalamineError as error:
                raise RegisterFileError(f"cannot read this sheet ({error})", file=label, sheet=name) from error
            yield from loaded.iter_rows()

        return Sheet(name, rows)

    return Workbook(label, "workbook", [sheet(name) for name in names])


def _csv_encoding(head):
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start >= len(head) - 4:
            return "utf-8-sig"
    return "cp1252"


def _open_csv(path, label, head):
    encoding = _csv_encoding(head)
    if encoding is None:
        raise RegisterFileError(
            "not an Excel workbook or a CSV file: it holds binary data (expected .xlsx from NHS England, or CSV text)",
            file=label,
        )
    sample = head.decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(sample[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel

    def rows():
        with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, dialect)
            try:
                yield from reader
            except csv.Error as error:
                raise RegisterFileError(
                    f"not a readable CSV file ({error})", file=label, sheet=path.stem, row=reader.line_num
                ) from error

    return Workbook(label, "csv", [Sheet(path.stem, rows)])
