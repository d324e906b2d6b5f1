"""The report as one self-contained HTML page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from trace.report.base import (
    Report,
    esc,
)

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#1b1f24;background:#fff}h1{margin-bottom:0}
h2{margin-top:2em;border-bottom:2px solid #1DB954}table{border-collapse:collapse;margin:.5em 0}
td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}
.note{color:#666;font-size:.9em}.cols{display:flex;flex-wrap:wrap;gap:1em}.col{flex:1 1 210px}
td:first-child{white-space:nowrap}.chart{margin:1em 0}@media print{.chart{break-inside:avoid}}
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (Vega, Vega-Lite and vega-embed inlined)."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    # what Altair's own inline HTML uses: vega-embed with Vega and Vega-Lite, as one script
    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    script = bundle.replace("</script", "<\\/script")
    body, specs = [], []
    for title, text, charts in report.sections:
        body.append(f"<section><h2>{esc(title)}</h2>{text}")
        for spec in charts:
            body.append(f"<div class='chart' id='chart{len(specs)}'></div>")
            specs.append(spec)
        body.append("</section>")
    last = report.end - pd.Timedelta(days=1)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>TRACE — your listening, {report.start:%Y-%m-%d} to {last:%Y-%m-%d}</title>"
        f"<style>{STYLE}</style><script>{script}</script></head><body>"
        f"<h1>Your listening</h1><p class='note'>{report.start:%Y-%m-%d} to {last:%Y-%m-%d} · "
        f"made by TRACE on {datetime.now(UTC):%Y-%m-%d}</p>"
        + "".join(body)
        + "<script>const specs = "
        + json.dumps(specs).replace("</", "<\\/")
        + ";specs.forEach((s, i) => vegaEmbed('#chart' + i, s, {actions: false, renderer: 'svg'}));"
        "</script></body></html>"
    )
