"""Prompt understanding on the development set: per-field accuracy and parse time.

    python benchmarks/bench_intent.py [--repeat N]

Reads ``tests/data/intent_devset.json`` (captions, chat requests and one-liners with
the fields they ask for), parses every prompt with the keyword reader -- the
semantic matcher is off -- and prints, per field, how often the parse matched the
expectation (split into prompts that state the field and prompts that only imply
it), then the parse time per prompt in milliseconds (mean and 95th percentile, the
catalogue's lexicon already built), and the time to read each of the refine examples
(``refine_words.EXAMPLES``, "darker", "swap piano for rhodes", ...) into operations.
The comparison rules are the dev-set tests' (``tests/test_intent_devset.py``), loaded
from there so the two cannot drift.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from musigen_agent.intent import parse
from musigen_agent.plugin_manager import load_plugins
from musigen_agent.refine_words import EXAMPLES, read_instruction

ROOT = Path(__file__).resolve().parent.parent
#: The track the refine examples are read against: every part and section they name.
REFINE_PROMPT = (
    "a pop song with piano, electric piano, bass, drums, strings and a saxophone; intro, verse, chorus, bridge, outro"
)


def _devset_module():
    spec = importlib.util.spec_from_file_location("intent_devset", ROOT / "tests" / "test_intent_devset.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the set (default 5)")
    args = ap.parse_args(argv)
    dev = _devset_module()
    catalog = load_plugins(entry_points=False).catalog
    parse("warm up the lexicon", catalog, semantic_match=False)

    right: dict[tuple[str, str], int] = Counter()
    total: dict[tuple[str, str], int] = Counter()
    wrong_examples: list[str] = []
    for entry in dev.DEVSET:
        got = dev.observed(parse(entry["prompt"], catalog, semantic_match=False))
        wrong = dev.mismatches(entry, got)
        stated = {f for s in entry["stated"] for f in dev.STATED_FIELDS[s]}
        for name in entry["expect"]:
            how = "stated" if name in stated else "implied"
            total[name, how] += 1
            right[name, how] += name not in wrong
        wrong_examples += [f"  {entry['prompt'][:60]!r}: {k} {v[0]!r} != {v[1]!r}" for k, v in wrong.items()]

    times = []
    for _ in range(args.repeat):
        for entry in dev.DEVSET:
            start = time.perf_counter()
            parse(entry["prompt"], catalog, semantic_match=False)
            times.append((time.perf_counter() - start) * 1000)

    band = parse(REFINE_PROMPT, catalog, semantic_match=False).spec
    reads = []
    for _ in range(args.repeat):
        for text in EXAMPLES:
            start = time.perf_counter()
            read_instruction(text, band, catalog)
            reads.append((time.perf_counter() - start) * 1000)

    kinds = Counter(d["kind"] for d in dev.DEVSET)
    print(f"dev set: {len(dev.DEVSET)} prompts ({', '.join(f'{n} {k}s' for k, n in sorted(kinds.items()))})")
    print(f"{'field':<12} {'stated':>16} {'implied':>16}")
    for name in sorted({n for n, _ in total}):
        cells = []
        for how in ("stated", "implied"):
            n = total[name, how]
            cells.append(f"{right[name, how] / n:6.1%} ({right[name, how]:>3}/{n:<3})" if n else f"{'-':>16}")
        print(f"{name:<12} {cells[0]:>16} {cells[1]:>16}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"{'all':<12} {all_right / all_total:>6.1%} of {all_total} expected fields")
    if wrong_examples:
        print("mismatches:", *wrong_examples, sep="\n")
    print(f"parse time per prompt: mean {statistics.fmean(times):.2f} ms, p95 {_p95(times):.2f} ms, "
          f"max {max(times):.2f} ms ({len(times)} parses, semantic matcher off)")  # fmt: skip
    print(f"refine instruction read into ops: mean {statistics.fmean(reads):.2f} ms, "
          f"p95 {_p95(reads):.2f} ms ({len(EXAMPLES)} examples x {args.repeat})")  # fmt: skip
    return 0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
