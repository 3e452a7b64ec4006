"""Guard against the PySide6 6.12 + CPython 3.11 ``None`` leak (TECH-NOTES §0).

On that combination every call of a C++ method returning ``void`` takes a reference off
``None`` and the process aborts after about 5,000 calls. A normal widget test makes too few
calls to notice, so this test makes many in a separate process: 10,000 ``QLabel.setText`` calls,
then colouring a 300 KB XML message in a :class:`SourceView` by scrolling through all of it
(``setFormats``, ``markContentsDirty`` and the ``FormatRange`` setters on every block).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QApplication, QLabel

from workbench.gui.inspector.source_view import SourceView

entry = (
    '\t<entry>\n\t\t<fullUrl value="urn:uuid:{0:08d}"/>\n\t\t<resource>\n\t\t\t<Patient>\n'
    '\t\t\t\t<!-- patient {0}\n\t\t\t\t     two lines -->\n\t\t\t\t<id value="p{0}"/>\n'
    '\t\t\t\t<text><div xmlns="http://www.w3.org/1999/xhtml"><p>Name {0}</p></div></text>\n'
    '\t\t\t</Patient>\n\t\t</resource>\n\t</entry>\n'
)
parts = ['<Bundle xmlns="http://hl7.org/fhir">\n']
while sum(map(len, parts)) < 300_000:
    parts.append(entry.format(len(parts)))
parts.append("</Bundle>\n")
text = "".join(parts)

app = QApplication([])
label = QLabel()
view = SourceView()
view.resize(800, 600)
view.show()
app.processEvents()

before = sys.getrefcount(None)
for number in range(10_000):
    label.setText(str(number))
view.set_source(text, "xml")
bar = view.verticalScrollBar()
while True:
    app.processEvents()
    if bar.value() >= bar.maximum():
        break
    bar.setValue(bar.value() + bar.pageStep())
view.grab()
after = sys.getrefcount(None)

block = view.document().firstBlock()
coloured = 0
while block.isValid():
    coloured += bool(block.layout().formats())
    block = block.next()
print(json.dumps({
    "before": before,
    "after": after,
    "blocks": view.blockCount(),
    "coloured": coloured,
    "size": len(text),
    "pyside": pyside_version,
}))
"""


def test_many_void_calls_and_highlighting_do_not_leak_none(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["size"] >= 300_000
    # nearly every block was coloured (blank lines get no formats), so many calls were made
    assert report["coloured"] > 0.9 * report["blocks"], report
    if sys.version_info < (3, 12):
        # None is a normal object here: the broken binding would have taken ~10,000+ off it
        assert report["after"] >= report["before"] - 50, report
