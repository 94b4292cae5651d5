"""One way for every benchmark to report a figure, so `bench/run` can gather a table.

`report("notes/s, 8 writers", samples, unit="notes/s", baseline=raw_samples)` prints a
line (median, spread, ratio to the baseline's median) and, when $FIREDESK_BENCH_OUT
names a file, appends the same figure to it as a JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
from typing import Sequence


def report(name: str, samples: Sequence[float], *, unit: str,
           baseline: Sequence[float] | None = None, baseline_name: str = "") -> dict:
    median = statistics.median(samples)
    row = {
        "name": name, "unit": unit, "median": median, "min": min(samples), "max": max(samples),
        "runs": len(samples),
        "baseline": statistics.median(baseline) if baseline else None,
        "baseline_name": baseline_name or None,
    }
    row["ratio"] = (median / row["baseline"]) if row["baseline"] else None
    line = f"{name:<44} {median:>12.4g} {unit:<10} [{row['min']:.4g} .. {row['max']:.4g}, n={len(samples)}]"
    if row["ratio"] is not None:
        line += f"  baseline {row['baseline']:.4g} ({baseline_name or 'baseline'}), ratio {row['ratio']:.2f}"
    print(line, flush=True)
    out = os.environ.get("FIREDESK_BENCH_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    return row
