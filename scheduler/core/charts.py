"""Charts drawn on the server as inline SVG: they print, need no JavaScript and nothing from the
internet (the app runs on a government LAN)."""
import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.numbers import short_decimal

GOOD, BAD, EMPTY, LINE = "#198754", "#dc3545", "#adb5bd", "#0d6efd"


def _fmt(value) -> str:
    return short_decimal(value)


def _svg(css_class: str, width, height, title: str, parts: list[str]) -> Markup:
    """The chart's <svg> element around `parts`, in which the charts below escape every text
    they write; the rest of the markup is numbers and fixed colours."""
    label = escape(title)
    svg = (f'<svg class="{css_class}" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{label}"><title>{label}</title>'
           f'{"".join(parts)}</svg>')
    return Markup(svg)  # nosec B704 - the title is escaped here, every text in parts by the callers


def _arc_point(cx, cy, r, percent):
    # 0 % at the left end of the half circle, 100 % at the right end
    angle = math.pi * (1 - min(max(percent, 0), 100) / 100)
    return cx + r * math.cos(angle), cy - r * math.sin(angle)


def gauge(share, threshold, title: str) -> Markup:
    """A half-circle gauge of `share` (None = no data) with a tick at `threshold`."""
    cx, cy, r = 100, 100, 80
    x0, y0 = _arc_point(cx, cy, r, 0)
    x1, y1 = _arc_point(cx, cy, r, 100)
    parts = [f'<path d="M{x0:.1f},{y0:.1f} A{r},{r} 0 0 1 {x1:.1f},{y1:.1f}" '
             f'fill="none" stroke="#e9ecef" stroke-width="18"/>']
    if share is not None and share > 0:
        xs, ys = _arc_point(cx, cy, r, share)
        met = threshold is None or share >= float(threshold)
        parts.append(f'<path d="M{x0:.1f},{y0:.1f} A{r},{r} 0 0 1 {xs:.1f},{ys:.1f}" fill="none" '
                     f'stroke="{GOOD if met else BAD}" stroke-width="18"/>')
    if threshold is not None:
        xa, ya = _arc_point(cx, cy, r - 14, float(threshold))
        xb, yb = _arc_point(cx, cy, r + 14, float(threshold))
        parts.append(f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" '
                     f'stroke="#212529" stroke-width="3"/>')
    text = _("Chưa có dữ liệu") if share is None else f"{_fmt(share)} %"
    parts.append(f'<text x="{cx}" y="{cy - 8}" text-anchor="middle" font-size="22" '
                 f'font-weight="bold">{escape(text)}</text>')
    if threshold is not None:
        parts.append(f'<text x="{cx}" y="{cy + 14}" text-anchor="middle" font-size="12" '
                     f'fill="#6c757d">{escape(_("Chỉ tiêu: %(p)s %%", p=_fmt(threshold)))}</text>')
    return _svg("gauge", 200, 120, f"{title}: {text}", parts)


def trend(points: list[tuple[str, float | None]], threshold, title: str,
          links: list[str | None] | None = None) -> Markup:
    """A bar per month of the share (grey stub = no data) with the threshold as a dashed line;
    with `links`, each month's bar leads to its own link (the meetings it counts)."""
    width, height, left, bottom, top = 40 * max(len(points), 1) + 50, 180, 40, 30, 10
    plot_h = height - bottom - top
    y_of = lambda p: top + plot_h * (1 - p / 100)  # noqa: E731
    parts = []
    for p in (0, 50, 100):
        parts.append(f'<line x1="{left}" y1="{y_of(p):.1f}" x2="{width - 5}" y2="{y_of(p):.1f}" '
                     f'stroke="#dee2e6"/><text x="{left - 4}" y="{y_of(p) + 4:.1f}" '
                     f'text-anchor="end" font-size="10">{p}</text>')
    for i, (month, share) in enumerate(points):
        x = left + 8 + 40 * i
        if share is None:
            parts.append(f'<rect x="{x}" y="{y_of(0) - 2:.1f}" width="24" height="2" fill="{EMPTY}">'
                         f'<title>{escape(month)}: {escape(_("Chưa có dữ liệu"))}</title></rect>')
        else:
            met = threshold is None or share >= float(threshold)
            bar = (f'<rect x="{x}" y="{y_of(share):.1f}" width="24" '
                   f'height="{plot_h * share / 100:.1f}" fill="{GOOD if met else BAD}">'
                   f'<title>{escape(month)}: {_fmt(share)} %</title></rect>')
            link = links[i] if links else None
            if link:
                bar = f'<a href="{escape(link)}" data-month="{escape(month)}">{bar}</a>'
            parts.append(bar)
        parts.append(f'<text x="{x + 12}" y="{height - 12}" text-anchor="middle" font-size="10">'
                     f'{escape(month[5:] + "/" + month[2:4])}</text>')
    if threshold is not None:
        y = y_of(float(threshold))
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 5}" y2="{y:.1f}" '
                     f'stroke="#212529" stroke-dasharray="4 3"/>')
    return _svg("trend", width, height, title, parts)


def coverage_lines(points: list[tuple[str, int, int, int]], title: str) -> Markup:
    """Wards with WAN and with video conference over time, as a share of the wards then."""
    # a month every 30 px, squeezed once there are years of them (monthly since 2018)
    width, height, left, bottom, top = max(min(30 * len(points), 960), 120) + 60, 200, 40, 30, 10
    plot_h = height - bottom - top
    step = (width - left - 20) / max(len(points) - 1, 1)
    y_of = lambda p: top + plot_h * (1 - p / 100)  # noqa: E731
    parts = [f'<line x1="{left}" y1="{y_of(p):.1f}" x2="{width - 5}" y2="{y_of(p):.1f}" '
             f'stroke="#dee2e6"/><text x="{left - 4}" y="{y_of(p) + 4:.1f}" text-anchor="end" '
             f'font-size="10">{p}</text>' for p in (0, 50, 100)]
    for series, colour, name in ((2, LINE, _("Mạng diện rộng")), (3, GOOD, _("Hội nghị truyền hình"))):
        coords = []
        for i, point in enumerate(points):
            total = point[1]
            share = 100 * point[series] / total if total else 0
            coords.append(f"{left + step * i:.1f},{y_of(share):.1f}")
        if coords:
            parts.append(f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"><title>{escape(name)}</title></polyline>')
    for i, point in enumerate(points):
        if i % max(len(points) // 12, 1) == 0:
            parts.append(f'<text x="{left + step * i:.1f}" y="{height - 10}" text-anchor="middle" '
                         f'font-size="10">{escape(point[0])}</text>')
    return _svg("coverage-chart", width, height, title, parts)


PARTIAL = "#fd7e14"


def endpoint_timeline(buckets: list[dict], title: str, labels: list[str]) -> Markup:
    """An endpoint's probes over a period: a strip of state per time slice (green: every probe
    reached it, red: none, orange: some, grey: not probed) above its mean latency as a line.
    `labels` are spread evenly under the plot (the period's dates)."""
    count = max(len(buckets), 1)
    slot, left, strip, top, plot_h = 4, 48, 18, 34, 120
    width, height = left + slot * count + 10, top + plot_h + 28
    peak = max([b["latency"] for b in buckets if b["latency"] is not None] or [1.0])
    scale = max(peak * 1.1, 1.0)
    y_of = lambda ms: top + plot_h * (1 - ms / scale)  # noqa: E731
    parts = [f'<line x1="{left}" y1="{y_of(v):.1f}" x2="{width - 5}" y2="{y_of(v):.1f}" '
             f'stroke="#dee2e6"/><text x="{left - 4}" y="{y_of(v) + 4:.1f}" text-anchor="end" '
             f'font-size="10">{_fmt(v)}</text>' for v in (0, round(scale / 2, 1), round(scale, 1))]
    parts.append(f'<text x="4" y="{top - 4}" font-size="10">ms</text>')
    line = []
    for i, bucket in enumerate(buckets):
        x = left + slot * i
        if not bucket["probes"]:
            colour, state = EMPTY, _("Chưa kiểm tra")
        elif bucket["reached"] == bucket["probes"]:
            colour, state = GOOD, _("Kết nối được")
        elif bucket["reached"] == 0:
            colour, state = BAD, _("Không kết nối được")
        else:
            colour, state = PARTIAL, _("Lúc được lúc không")
        parts.append(f'<rect class="state-{colour[1:]}" x="{x}" y="4" width="{slot}" '
                     f'height="{strip}" fill="{colour}"><title>{escape(state)}</title></rect>')
        if bucket["latency"] is not None:
            line.append(f"{x + slot / 2:.1f},{y_of(bucket['latency']):.1f}")
    if line:
        parts.append(f'<polyline class="latency" points="{" ".join(line)}" fill="none" '
                     f'stroke="{LINE}" stroke-width="1.5"/>')
    for i, text in enumerate(labels):
        x = left + (slot * count) * i / max(len(labels) - 1, 1)
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="10">'
                     f'{escape(text)}</text>')
    return _svg("endpoint-timeline", width, height, title, parts)
