"""`make bench-web` runs end to end: at small size here (the full-size figures are the benchmark's, not a test's)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_web_measures_every_page_the_issue_names(tmp_path):
    result = subprocess.run(
        [sys.executable, "scripts/bench_web.py", "--source", "factories", "--agreements", "40", "--versions", "70"]
        + ["--files", "500", "--runs", "2", "--db", str(tmp_path / "bench.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for page in ["home", "agreement list, no filter", "agreement list, three filters", "agreement list, a search"]:
        assert any(line.startswith(page) for line in lines), page
    assert any(line.startswith("agreement list, a word and a prefix") for line in lines)
    for page in ["an agreement (", "an ICB page (", "a dataset page"]:
        row = next(line for line in lines if line.startswith(page))
        rendered, queries, cached = row.split("<-")[0].split()[-3:]
        assert float(rendered) > 0
        assert float(cached) > 0
        assert int(queries) > 0
    assert any(line.startswith("CSV export of every agreement (40 rows") for line in lines)
    assert any("peak Python memory" in line for line in lines)
    assert "40 agreements, 70 versions, 500 file releases" in result.stdout
