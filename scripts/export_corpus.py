"""Export the chorales and folk tunes inside music21 as MIDI files (the offline training corpus).

Usage: python scripts/export_corpus.py OUT_DIR [--workers 2]
Needs music21 (a data-preparation dependency, not part of the core).
"""

from __future__ import annotations

import argparse
import json
import sys

from musigen_agent.neural.corpus import export_music21


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write OUT/<genre>/<collection>/<name>.mid into")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = export_music21(
        args.out, workers=args.workers, progress=lambda f, m: print(f"{f:4.0%} {m}", file=sys.stderr)
    )
    print(json.dumps({k: v for k, v in result.items() if k != "errors"} | {"errors": len(result["errors"])}))
    for line in result["errors"][:20]:
        print("error:", line, file=sys.stderr)


if __name__ == "__main__":
    main()
