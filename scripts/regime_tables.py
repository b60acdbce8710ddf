"""Summary tables of the regimes from the trajectory table and the kernel machine's rows."""

from lowrot.jobs import job
from lowrot.pipeline.analysis import regime_summaries

sm = job(globals())
regime_summaries(sm.input.trajectories, sm.input.training, sm.params.analysis, dict(sm.output.items()))
