"""The TPS chart of RESULTS.md: one panel per pgbench mode (simple, extended, prepared, -C), a group of bars per
client count, one bar per target, each panel on its own linear scale. Drawn by gnuplot when it is installed, else
written as SVG by this file (no dependency). Standard library only.
"""
import html, math, os, shutil, subprocess, tempfile

COLORS = {"direct": "#8c8c8c", "pgloom": "#1f77b4", "pgbouncer": "#ff7f0e"}
TITLE = "pgbench -S TPS per target (median of the rounds)"


def panels(cases):
    """[(mode, [(clients, {target: tps})])] in the order the cases ran."""
    out = []
    for mode, clients, tps in cases:
        if not out or out[-1][0] != mode:
            out.append((mode, []))
        out[-1][1].append((clients, tps))
    return out


def write(path, cases, names):
    """Writes the chart to path (.svg); returns how it was drawn."""
    if shutil.which("gnuplot"):
        try:
            with_gnuplot(path, panels(cases), names)
            return f"{path} (gnuplot)"
        except (OSError, subprocess.SubprocessError) as e:
            print(f"gnuplot failed ({e}); writing the SVG directly")
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg(panels(cases), names))
    return f"{path} (built-in SVG)"


def with_gnuplot(path, groups, names):
    with tempfile.TemporaryDirectory(prefix="pgloom-chart-") as d:
        script = [f"set terminal svg size {max(640, 300 * len(groups))},420 font 'sans,11' background '#ffffff'",
                  f"set output '{path}'", "set datafile missing 'NaN'", "set style data histograms",
                  "set style histogram clustered gap 1", "set style fill solid 0.9 border -1", "set yrange [0:*]",
                  "set offsets graph 0, graph 0, graph 0.25, 0",
                  "set grid ytics", "set key top right font ',9'", "set xlabel 'clients'",
                  f"set multiplot layout 1,{len(groups)} title '{TITLE}'"]
        for i, (mode, rows) in enumerate(groups):
            data = os.path.join(d, f"panel{i}.dat")
            with open(data, "w") as f:
                for clients, tps in rows:
                    f.write(f"{clients} " + " ".join(str(tps.get(n, float('nan'))) for n in names).replace("nan", "NaN") + "\n")
            plots = ", ".join(f"'{data}' using {j + 2}{':xtic(1)' if j == 0 else ''} title '{n}' lc rgb '{COLORS.get(n, '#444')}'"
                              for j, n in enumerate(names))
            script += [f"set title '{mode}'", f"set ylabel '{'TPS' if i == 0 else ''}'", f"plot {plots}"]
        script.append("unset multiplot")
        gp = os.path.join(d, "chart.gp")
        with open(gp, "w") as f:
            f.write("\n".join(script) + "\n")
        subprocess.run(["gnuplot", gp], check=True, capture_output=True, timeout=60)


def nice_max(v):
    """A round axis maximum at or above v, and its tick step."""
    if not v or v != v or v <= 0:
        return 1.0, 0.25
    step = 10 ** math.floor(math.log10(v / 4))
    for m in (1, 2, 2.5, 5, 10):
        if v / (step * m) <= 5:
            step *= m
            break
    return step * math.ceil(v / step), step


def svg(groups, names):
    bar, gap, plot_h, top, left = 16, 18, 260, 84, 56
    widths = [len(rows) * (len(names) * bar + gap) + gap for _, rows in groups]
    total_w = sum(widths) + left * len(groups) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{top + plot_h + 70}" '
           'font-family="sans-serif" font-size="11">', f'<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="{total_w / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(TITLE)}</text>']
    for i, n in enumerate(names):  # legend
        x = 20 + i * 110
        out += [f'<rect x="{x}" y="32" width="12" height="12" fill="{COLORS.get(n, "#444")}"/>',
                f'<text x="{x + 16}" y="43">{html.escape(n)}</text>']
    x0 = 0
    for (mode, rows), w in zip(groups, widths):
        x0 += left
        peak = max([t for _, tps in rows for t in tps.values() if t == t] or [0])
        ymax, step = nice_max(peak * 1.15)  # headroom for the value printed above the tallest bar
        base = top + plot_h
        out.append(f'<text x="{x0 + w / 2}" y="{top - 4}" text-anchor="middle" font-weight="bold">{html.escape(mode)}</text>')
        tick = 0.0
        while tick <= ymax + step / 2:
            y = base - plot_h * tick / ymax
            out += [f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#e0e0e0"/>',
                    f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>']
            tick += step
        out.append(f'<line x1="{x0}" y1="{base}" x2="{x0 + w}" y2="{base}" stroke="#000"/>')
        gx = x0 + gap
        for clients, tps in rows:
            for j, n in enumerate(names):
                v = tps.get(n, float("nan"))
                bx = gx + j * bar
                if v == v:
                    h = plot_h * v / ymax
                    out.append(f'<rect x="{bx}" y="{base - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                               f'fill="{COLORS.get(n, "#444")}"><title>{html.escape(n)} {v:.0f} TPS</title></rect>')
                    out.append(f'<text x="{bx + bar / 2 - 1}" y="{base - h - 3:.1f}" font-size="8" text-anchor="start" '
                               f'transform="rotate(-90 {bx + bar / 2 - 1} {base - h - 3:.1f})">{v:.0f}</text>')
                else:
                    out.append(f'<text x="{bx + bar / 2 - 1}" y="{base - 4}" font-size="10" text-anchor="middle" '
                               f'fill="#c00">×</text>')
            out.append(f'<text x="{gx + len(names) * bar / 2}" y="{base + 14}" text-anchor="middle">{clients}</text>')
            gx += len(names) * bar + gap
        out.append(f'<text x="{x0 + w / 2}" y="{base + 30}" text-anchor="middle" fill="#555">clients</text>')
        x0 += w
    out.append(f'<text x="20" y="{top + plot_h + 60}" fill="#555" font-size="10">× = every run failed '
               '(e.g. PgBouncer 1.18 with -M prepared in transaction mode)</text>')
    return "\n".join(out + ["</svg>"]) + "\n"
