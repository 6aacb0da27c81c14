"""The one error an importer raises: what was wrong with a register file, and where (file, sheet, column, row).

The command prints it and exits non-zero; the admin upload page shows it. It is raised before anything is
written, or inside the loader's transaction, so the database is left exactly as it was.
"""


class RegisterFileError(Exception):
    def __init__(self, message, *, file=None, sheet=None, column=None, row=None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.sheet = sheet
        self.column = column
        self.row = row

    def where(self):
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.row:
            parts.append(f"row {self.row}")
        return ", ".join(parts)

    def __str__(self):
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self):
        return {
            "message": self.message,
            "file": self.file and str(self.file),
            "sheet": self.sheet,
            "column": self.column,
            "row": self.row,
        }
