"""Train one seed's networks (every n of the sweep) at one width on one dataset instance.

The execution keys (device, chunk_rows, networks_per_batch) come from the config at run time, not
from params: they change how the job computes, not what, so changing them reruns nothing.
"""

from lowrot.jobs import job
from lowrot.pipeline.train import train_job

sm = job(globals())
w = sm.wildcards
train_job(
    sm.input.data,
    sweep=w.sweep,
    dataset=w.dataset,
    instance=w.instance,
    m=int(w.m),
    seed=int(w.seed),
    sample_sizes=sm.params.sample_sizes,
    train=sm.params.train,
    execution=sm.config["execution"],
    state_path=sm.params.state,
    table=sm.output.table,
    weights_path=sm.output.weights,
)
