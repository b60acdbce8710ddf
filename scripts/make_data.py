"""Build one dataset instance and save it with its content hash (see lowrot.data)."""

from lowrot.data import make_dataset
from lowrot.jobs import job

sm = job(globals())
ds = make_dataset(dict(sm.params.spec), sm.params.seeds, master_seed=sm.params.master_seed)
ds.save(sm.output.data)
print(f"{sm.output.data}: {ds.X_pool.shape[0]} pools of {ds.X_pool.shape[1]} points, test {ds.test_kind} ({len(ds.y_test)}), hash {ds.hash}")
