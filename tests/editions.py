"""Three small editions of one synthetic register that add, amend and withdraw agreements, for the "what changed"
tests: written as workbooks and imported out of order (December, then October, then November).

`expected_changes(before, after)` works out from the generated rows themselves (not from the database) which
versions each edition added, changed and withdrew, so tests compare the site's answers with an independent one.
"""

from dataclasses import dataclass

from register import synthetic
from register.importing import import_register_file
from tests.importing import small_register, write_register

IMPORT_ORDER = ["2025-12", "2025-10", "2025-11"]


@dataclass
class ThreeEditions:
    registers: dict  # edition code -> SyntheticRegister

    def contents(self, code):
        """{version reference: (its Agreements row, its Datasets rows)} as the edition lists them."""
        register = self.registers[code]
        found = {}
        for agreement in register.agreements:
            for row in agreement.versions:
                reference = row[0].strip()
                datasets = tuple(tuple(d) for d in agreement.datasets if d[0].strip() == reference)
                found[reference] = (tuple(row), datasets)
        return found

    def base_of(self, reference):
        for register in self.registers.values():
            for agreement in register.agreements:
                if any(row[0].strip() == reference for row in agreement.versions):
                    return agreement.base
        raise KeyError(reference)

    def expected_changes(self, code, previous):
        """{"added"|"changed"|"withdrawn": set of version references} of edition `code` against `previous`."""
        now, before = self.contents(code), self.contents(previous)
        return {
            "added": set(now) - set(before),
            "changed": {ref for ref in set(now) & set(before) if now[ref] != before[ref]},
            "withdrawn": set(before) - set(now),
        }

    def bases(self, code):
        return {agreement.base for agreement in self.registers[code].agreements}


def build_three_editions():
    october = small_register(seed=5, agreements=6, files=30, edition="2025-10")
    november = synthetic.next_edition(october, "2025-11", added=1, changed=1, dropped=1, new_files=4, seed=11)
    december = synthetic.next_edition(november, "2025-12", added=1, changed=2, dropped=1, new_files=4, seed=12)
    return ThreeEditions({"2025-10": october, "2025-11": november, "2025-12": december})


def import_three_editions(folder, order=IMPORT_ORDER):
    editions = build_three_editions()
    for code in order:
        import_register_file(write_register(editions.registers[code], folder))
    return editions
