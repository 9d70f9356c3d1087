"""How long guardform takes to refuse the hostile answers files of issue 12 (a benchmark, not a test).

    .venv/bin/python scripts/bench_answers.py

Each case is parsed with ``wizard.answers.parse_answers`` and must end in ``AnswersError``; the time and
the first problem reported are printed. Before the fixes: the alias bomb did not finish (past 1.2 GB),
20,000 unknown keys took 66 s, a 50 MB owner 28 s, deep nesting raised RecursionError.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wizard.answers import AnswersError, parse_answers

BASE = (
    "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
    "data: {sensitivity: internal}\n"
)


def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join(lines) + "\n" + BASE


CASES: dict[str, Callable[[], str]] = {
    "alias bomb (9**9 leaves)": _alias_bomb,
    "20,000 unknown keys": lambda: BASE + "".join(f"k{i}: 1\n" for i in range(20_000)),
    "3,000 unknown keys": lambda: BASE + "".join(f"k{i}: 1\n" for i in range(3_000)),
    "50 MB owner": lambda: BASE.replace("us-east-1}", "us-east-1, owner: " + "x" * 50_000_000 + "}"),
    "900 kB owner": lambda: BASE.replace("us-east-1}", "us-east-1, owner: " + "x" * 900_000 + "}"),
    "500,000-deep flow list": lambda: BASE + "keys: " + "[" * 500_000 + "]" * 500_000 + "\n",
    "1,000-deep block list": lambda: BASE + "keys:\n" + "".join(" " * i + "-\n" for i in range(1, 1001)),
    "5,000-digit integer": lambda: BASE + "keys: {rotation_days: " + "9" * 5000 + "}\n",
}


def main() -> None:
    for name, make in CASES.items():
        text = make()
        start = time.perf_counter()
        try:
            parse_answers(text, source="bench.yaml")
        except AnswersError as exc:
            elapsed = time.perf_counter() - start
            first = exc.issues[0].format("bench.yaml")
            more = f" (+{len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
            print(f"{name:28} {elapsed:7.3f} s  {first[:90]}{more}")
        else:
            raise SystemExit(f"{name}: accepted")


if __name__ == "__main__":
    main()
