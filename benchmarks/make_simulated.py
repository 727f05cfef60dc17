"""Regenerate the simulated benchmarks shipped in this folder.

    python benchmarks/make_simulated.py

Three families of the GPT-3 ladder (125M..175B) whose truth is known, from `emergence.simulate`
with fixed seeds: the Mirage toy model (per-token loss a smooth power law, Schaeffer et al. 2023),
a genuine sharp transition in per-token loss, and exact-match accuracy that rises linearly in log N.
The data is SIMULATED: no model produced it.
"""

from pathlib import Path

from emergence.simulate import simulate
from emergence.sources import write_csv

HERE = Path(__file__).resolve().parent
N_EXAMPLES = 500
#: Answer lengths, one task each (plus a 4-way multiple-choice task). Under a power-law loss exact
#: match on 1-3 tokens rises smoothly on the GPT-3 ladder and on 10-15 tokens it jumps: the lengths
#: span both, so the toy-powerlaw family shows what a mirage is and what it is not.
TARGET_LENGTHS = (1, 3, 5, 10, 15)

FAMILIES = {  # file stem -> (family, truth, seed)
    "toy_powerlaw": ("toy-powerlaw", "power_law", 2023),
    "toy_sharp": ("toy-sharp", "sharp", 2022),
    "toy_linear": ("toy-linear", "linear", 2024),
}

if __name__ == "__main__":
    for stem, (family, truth, seed) in FAMILIES.items():
        records = simulate(family=family, truth=truth, n_examples=N_EXAMPLES, seed=seed,
                           target_lengths=TARGET_LENGTHS)
        path = HERE / f"{stem}.csv.gz"
        write_csv(records, path)
        print(f"{path.name}: {len(records):,} records, truth {truth}")
