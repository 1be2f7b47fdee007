"""What the model does to structural balance over a run of each built-in scenario.

The model has no rule that changes the sign of a tie because of balance (no Heider-type
dynamics): signs change only when a war makes a pair hostile, when sanctions or events switch
ties off or on, or when arms flows shift a pair's positive weight past its rivalry. This script
records, for each built-in scenario, the balance at week 0 and the range over every week of
every replicate, and the share of replicates in which the sign pattern ever changed.

Run ``.venv/bin/python validation/balance_dynamics.py``; writes
``validation/results/balance_dynamics.csv``. See docs/validation.md.
"""

from __future__ import annotations

from pathlib import Path

from episodes import write_csv

from sim.experiments.run import run_replicate
from sim.loading.scenarios import load_scenario
from sim.model.metrics import signed_edges

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def main() -> None:
    """Run each built-in scenario's replicates and write the balance table."""
    rows = []
    for path in SCENARIOS:
        loaded = load_scenario(path)
        if loaded.scenario.sweep is not None:
            continue  # sweep files vary parameters; their base runs are covered by the others
        changed, values = 0, {"balanced_triangles": [], "frustration": [], "walk_balance": []}
        for r in range(loaded.scenario.replicates):
            model, _ = run_replicate(loaded, r)
            start = model.records[0]
            changed += any(
                rec["frustration"] != start["frustration"]
                or rec["walk_balance"] != start["walk_balance"]
                for rec in model.records
            )
            for key, seen in values.items():
                seen += [rec[key] for rec in model.records]
            final_edges = signed_edges(model)
        rows.append(
            {
                "scenario": loaded.scenario.name,
                "replicates": loaded.scenario.replicates,
                "weeks": loaded.scenario.steps,
                "triangles_week0": start["balanced_triangles"],
                "triangles_min": min(values["balanced_triangles"]),
                "triangles_max": max(values["balanced_triangles"]),
                "frustration_week0": start["frustration"],
                "frustration_min": min(values["frustration"]),
                "frustration_max": max(values["frustration"]),
                "walk_week0": round(start["walk_balance"], 4),
                "walk_min": round(min(values["walk_balance"]), 4),
                "walk_max": round(max(values["walk_balance"]), 4),
                "signed_ties_last": len(final_edges),
                "share_of_runs_changed": changed / loaded.scenario.replicates,
            }
        )
        print(rows[-1])
    write_csv(ROOT / "validation" / "results" / "balance_dynamics.csv", rows)


if __name__ == "__main__":
    main()
