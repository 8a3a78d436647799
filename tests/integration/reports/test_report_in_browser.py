"""report.html opened in headless Chromium (Debian's ``chromium``): every image loads at its
natural size and the gates' verdict is on the page. Skips without chromium, except under CI,
where its absence is a failure (.ci/run installs it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from html import unescape
from pathlib import Path

import pytest

from adapters.reports import HtmlReportWriter
from tests.unit.reports.builders import report_of

# After the load event (every image loaded or failed), write what each image became into the DOM.
PROBE = """<script>
window.addEventListener("load", () => {
  const probe = document.createElement("pre");
  probe.id = "image-probe";
  probe.textContent = JSON.stringify(Array.from(document.images,
    (img) => ({src: img.getAttribute("src"), complete: img.complete, width: img.naturalWidth})));
  document.body.appendChild(probe);
});
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    message = "chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must have it")
    pytest.skip(message)


def rendered_dom(page: Path, profile: Path) -> str:
    done = subprocess.run(
        [chromium(), "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
         "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_width(path: Path) -> int:
    width: int = struct.unpack(">I", path.read_bytes()[16:20])[0]  # IHDR, right after the signature
    return width


def test_every_image_loads_and_the_verdict_shows(tmp_path: Path) -> None:
    files = HtmlReportWriter().write(report_of(), tmp_path / "report")
    # the probe goes into a copy beside the page, so the report itself stays script-free
    probed = files.html.with_name("probed.html")
    probed.write_text(files.html.read_text().replace("</body>", PROBE + "</body>"))
    dom = rendered_dom(probed, tmp_path / "profile")
    found = re.search(r'<pre id="image-probe">(.*?)</pre>', dom, flags=re.S)
    assert found, "the probe did not run: " + dom[-500:]
    images = json.loads(unescape(found.group(1)))
    assert sorted(i["src"] for i in images) == sorted(p.name for p in files.images)
    for image in images:
        assert image["complete"] and image["width"] == png_width(files.html.parent / image["src"]), image
    assert "Verdict: fails the acceptance gate" in dom
