"""Draws the soak's slices (bench/soak.sh's SOAK_OUT files) as one SVG: throughput and resident
memory over time, one line per run. No plotting library: a few polylines, so the figure can be
remade anywhere the bench runs.

  python3 plot_soak.py OUT.svg LABEL=FILE.tsv [LABEL=FILE.tsv …]
"""
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def read(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
    return [(float(r[0]), float(r[1]), float(r[5])) for r in rows if len(r) >= 6]


def panel(runs, column, title, unit, top, height, width):
    values = [row[column] for _, rows in runs for row in rows]
    times = [row[0] for _, rows in runs for row in rows]
    vmax = max(values) * 1.15 or 1
    tmax = max(times) or 1
    left, right = 70, width - 20
    out = ['<text x="%d" y="%d" font-size="14">%s (%s)</text>' % (left, top - 8, title, unit)]
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
               % (left, top, right - left, height))
    for i in range(5):
        v = vmax * i / 4
        y = top + height - height * i / 4
        out.append('<text x="%d" y="%.0f" font-size="11" text-anchor="end">%.0f</text>'
                   % (left - 6, y + 4, v))
        out.append('<line x1="%d" x2="%d" y1="%.0f" y2="%.0f" stroke="#eee"/>' % (left, right, y, y))
    for i, (label, rows) in enumerate(runs):
        points = " ".join("%.1f,%.1f" % (left + (right - left) * t / tmax,
                                          top + height - height * row[column] / vmax)
                          for row in rows for t in [row[0]])
        out.append('<polyline fill="none" stroke-width="2" stroke="%s" points="%s"/>'
                   % (COLORS[i % len(COLORS)], points))
        out.append('<text x="%d" y="%d" font-size="12" fill="%s">%s</text>'
                   % (right - 200, top + 18 + 16 * i, COLORS[i % len(COLORS)], label))
    out.append('<text x="%d" y="%d" font-size="11">0</text>' % (left, top + height + 14))
    out.append('<text x="%d" y="%d" font-size="11" text-anchor="end">%.0f s</text>'
               % (right, top + height + 14, tmax))
    return out


def main():
    target, specs = sys.argv[1], sys.argv[2:]
    runs = [(spec.split("=", 1)[0], read(spec.split("=", 1)[1])) for spec in specs]
    width, height = 720, 520
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif">' % (width, height),
             '<rect width="100%" height="100%" fill="white"/>']
    parts += panel(runs, 1, "throughput", "requests/s", 40, 180, width)
    parts += panel(runs, 2, "resident memory of the server processes", "MiB", 300, 180, width)
    parts.append("</svg>")
    with open(target, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
