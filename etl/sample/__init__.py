"""Sample submissions: a realistic provincial sample with a manifest, and national-scale bulk data.

- `generate(out_dir, …)` writes a seeded, messy, partly faulty set of files for one province (the
  story and the file mix are described in `story`, `events` and `files`) plus `manifest.json`, the
  counts a correct loader must report.
- `generate_bulk(out_dir, …)` writes clean national-scale data (one file per kind, English headers)
  for the warehouse benchmark; `generate_items_benchmark(out_dir, …)` just the inspection items of a
  given size with the organs and inspections they refer to, for the ETL benchmark.
"""

from etl.sample.bulk import generate_bulk, generate_items_benchmark
from etl.sample.sample import generate

__all__ = ["generate", "generate_bulk", "generate_items_benchmark"]
