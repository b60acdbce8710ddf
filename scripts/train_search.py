"""Stage 1 (train_coarse) or stage 2 (train_refine) of a search sweep's adaptive n grid, for every
seed at one width on one dataset instance (lowrot.pipeline.search)."""

from lowrot.jobs import job
from lowrot.pipeline.train import coarse_job, refine_job

sm = job(globals())
w = sm.wildcards
common = dict(
    sweep=w.sweep,
    dataset=w.dataset,
    instance=w.instance,
    m=int(w.m),
    search=sm.params.search,
    train=sm.params.train,
    execution=sm.config["execution"],
    table=sm.output.table,
    weights_path=sm.output.weights,
)
if "coarse" in sm.input.keys():
    refine_job(list(sm.input.data), sm.input.coarse, sm.input.coarse_weights, epsilons=sm.params.epsilons, state_path=sm.params.state, **common)
else:
    coarse_job(list(sm.input.data), seeds=sm.params.seeds, state_dir=sm.params.state, **common)
