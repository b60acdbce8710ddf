"""Summary tables of the regimes from the trajectory table and the kernel machine's rows."""

from pathlib import Path

import pandas as pd

from lowrot.io import write_table
from lowrot.jobs import job
from lowrot.summaries import regime_tables

sm = job(globals())
tables = regime_tables(pd.read_csv(sm.input.trajectories), pd.read_csv(sm.input.training), dict(sm.params.analysis))
for path in sm.output.tables:
    write_table(tables[Path(path).stem], path)
