"""Datasets (docs/science.md#data): k-sparse parity, neural collapse (NC) and external .npz files.

Conventions (stated once, here):
- Inputs satisfy ||x||_2 <= 1 and labels are in {-1, +1}.
- k-sparse parity: x uniform on {+-1/sqrt(d)}^d and y = prod_{i in S} sign(x_i) (default S = {0, 1}).
  With ``rotation`` an orthogonal matrix R (fixed by the dataset seed) maps x -> R x after the labels
  are computed, i.e. parity in an unknown basis. Rotation keeps ||x|| = 1.
- Full hypercube: for d <= ``full_cube_max_dim`` the test set is the whole cube {+-1/sqrt(d)}^d
  (2^d points, in the binary order of :func:`hypercube`), so test errors and margins are exact
  population values. Beyond, a fresh sample of ``test_points`` points is drawn with its own seed.
- Neural collapse: k unit centres (orthonormal when k <= d, otherwise random unit vectors whose
  pairwise distance is at least ``min_separation``), each centre with a label (balanced: ceil(k/2)
  groups +1 and floor(k/2) groups -1, assigned by a seeded permutation), and
  x = normalize(mu_c + rho * xi) with xi ~ N(0, I_d / d), so that ||rho * xi|| is about rho.
- Every dataset is a pure function of (spec, seed). Its content hash (sha256 of the arrays and the
  spec, 16 hex digits) is stored with it and copied into every table row computed from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DataError

# --------------------------------------------------------------------------------------------
# k-sparse parity


def hypercube(d: int) -> np.ndarray:
    """All 2^d points of {+-1/sqrt(d)}^d as a (2^d, d) float64 array.

    Row r has coordinate j equal to -1/sqrt(d) if bit j of r is set, else +1/sqrt(d).
    """
    if not 1 <= d <= 24:
        raise DataError(f"hypercube dimension d={d} is out of range: allowed 1 <= d <= 24")
    r = np.arange(2**d, dtype=np.int64)[:, None]
    bits = (r >> np.arange(d, dtype=np.int64)[None, :]) & 1
    return (1.0 - 2.0 * bits) / np.sqrt(d)


def parity_labels(X: np.ndarray, coords) -> np.ndarray:
    """y = prod_{i in coords} sign(x_i) as float64 in {-1, +1}; sign(0) is taken as +1."""
    coords = list(coords)
    if len(coords) == 0:
        raise DataError("parity coords must name at least one coordinate")
    if max(coords) >= X.shape[1] or min(coords) < 0:
        raise DataError(f"parity coords {coords} are out of range for dimension d={X.shape[1]}")
    s = np.where(X[:, coords] >= 0, 1.0, -1.0)
    return np.prod(s, axis=1)


def sample_parity(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n i.i.d. points uniform on {+-1/sqrt(d)}^d (float64, unlabeled, unrotated)."""
    s = rng.integers(0, 2, size=(n, d))
    return (1.0 - 2.0 * s) / np.sqrt(d)


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random d x d orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    g = rng.standard_normal((d, d))
    q, r = np.linalg.qr(g)
    return q * np.sign(np.diag(r))[None, :]


# --------------------------------------------------------------------------------------------
# neural collapse


def nc_centres(k: int, d: int, rng: np.random.Generator, min_separation: float) -> np.ndarray:
    """k unit centres in R^d: orthonormal when k <= d, else random with pairwise distance >= min_separation."""
    if k <= d:
        return random_rotation(d, rng)[:k]
    for _attempt in range(200):
        c = rng.standard_normal((k, d))
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        dist = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=-1)
        np.fill_diagonal(dist, np.inf)
        if dist.min() >= min_separation:
            return c
    raise DataError(
        f"nc: could not place k={k} centres in d={d} with pairwise distance >= min_separation="
        f"{min_separation} in 200 tries; lower min_separation or raise d"
    )


def nc_labels(k: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced group labels: ceil(k/2) groups +1 and floor(k/2) groups -1, in seeded order."""
    lab = np.array([1.0] * ((k + 1) // 2) + [-1.0] * (k // 2))
    return lab[rng.permutation(k)]


def sample_nc(n, centres, group_labels, rho, proportions, rng):
    """n points x = normalize(mu_c + rho xi); returns (X, y, group)."""
    k, d = centres.shape
    p = np.full(k, 1.0 / k) if proportions is None else np.asarray(proportions, dtype=float)
    if p.shape != (k,) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise DataError(f"nc proportions must be {k} non-negative numbers summing to 1, got {proportions}")
    g = rng.choice(k, size=n, p=p)
    x = centres[g] + rho * rng.standard_normal((n, d)) / np.sqrt(d)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, group_labels[g], g


# --------------------------------------------------------------------------------------------
# validation and external data


def validate_xy(X, y, *, rescale: bool = False, name: str = "dataset") -> tuple[np.ndarray, np.ndarray]:
    """Check a dataset and return (X, y) as float64 arrays, or raise DataError naming the problem.

    Rules: X is a non-empty 2-D array of real numbers, y a 1-D array of the same length with values
    in {-1, +1}; all values finite; ||x_i|| <= 1 (rows above are rejected unless ``rescale``, which
    divides every row by the largest row norm); both classes present; no point carries both labels
    (then every margin is 0).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.dtype == object or y.dtype == object:
        raise DataError(f"{name}: X and y must be numeric arrays, got dtypes {X.dtype} and {y.dtype}")
    if not (np.issubdtype(X.dtype, np.number) and not np.issubdtype(X.dtype, np.complexfloating)):
        raise DataError(f"{name}: X must hold real numbers, got dtype {X.dtype}")
    if not (np.issubdtype(y.dtype, np.number) and not np.issubdtype(y.dtype, np.complexfloating)):
        raise DataError(f"{name}: y must hold real numbers (-1 or +1), got dtype {y.dtype}")
    if X.ndim != 2:
        raise DataError(f"{name}: X must be a 2-D array (n x d), got shape {X.shape}")
    if y.ndim != 1:
        raise DataError(f"{name}: y must be a 1-D array of length n, got shape {y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{name}: X is empty (shape {X.shape}); need n >= 1 points in d >= 1 dimensions")
    if y.shape[0] != X.shape[0]:
        raise DataError(f"{name}: X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    X = X.astype(np.float64)
    y = y.astype(np.float64)
    if not np.all(np.isfinite(X)):
        bad = int(np.argwhere(~np.isfinite(X))[0, 0])
        raise DataError(f"{name}: X has non-finite values (NaN or inf), first in row {bad}")
    if not np.all(np.isfinite(y)):
        raise DataError(f"{name}: y has non-finite values (NaN or inf)")
    bad = ~np.isin(y, (-1.0, 1.0))
    if bad.any():
        vals = np.unique(y[bad])[:5]
        raise DataError(f"{name}: labels must be -1 or +1, found {vals.tolist()}")
    if np.unique(y).size < 2:
        raise DataError(f"{name}: only one class (all labels {y[0]:+g}); need both -1 and +1")
    norms = np.linalg.norm(X, axis=1)
    top = float(norms.max())
    if top > 1.0 + 1e-12:
        if not rescale:
            raise DataError(
                f"{name}: {int((norms > 1 + 1e-12).sum())} rows have ||x|| > 1 (largest {top:.6g}); "
                "rescale them yourself or set the dataset option rescale: true "
                "(divides every row by the largest norm)"
            )
        X = X / top
    _check_conflicts(X, y, name)
    return X, y


def _check_conflicts(X: np.ndarray, y: np.ndarray, name: str) -> None:
    """Raise if the same point appears with both labels: then every margin is 0."""
    _, inv = np.unique(X, axis=0, return_inverse=True)
    inv = inv.ravel()
    lo = np.full(inv.max() + 1, np.inf)
    hi = np.full(inv.max() + 1, -np.inf)
    np.minimum.at(lo, inv, y)
    np.maximum.at(hi, inv, y)
    clash = np.flatnonzero(lo != hi)
    if clash.size:
        rows = np.flatnonzero(inv == clash[0])[:4].tolist()
        raise DataError(
            f"{name}: {clash.size} point(s) appear with both labels (e.g. rows {rows}); "
            "such data cannot be separated and every margin is 0"
        )


def load_npz(path, *, rescale: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Load an external dataset: an .npz with arrays X (n x d) and y (n,), validated by :func:`validate_xy`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"external dataset {path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = set(f.files)
            missing = {"X", "y"} - keys
            if missing:
                raise DataError(f"{path}: missing array(s) {sorted(missing)}; found {sorted(keys)}; need X (n x d) and y (n,)")
            X, y = f["X"], f["y"]
    except DataError:
        raise
    except Exception as exc:  # zipfile / pickle / format errors from numpy
        raise DataError(f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})") from None
    return validate_xy(X, y, rescale=rescale, name=str(path))


# --------------------------------------------------------------------------------------------
# datasets as pure functions of (spec, seed)


def content_hash(arrays: dict, spec: dict) -> str:
    """sha256 over the arrays (name, dtype, shape, bytes, in sorted order) and the JSON spec; 16 hex digits."""
    h = hashlib.sha256()
    h.update(json.dumps(spec, sort_keys=True, default=str).encode())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


@dataclass
class Dataset:
    """Training pools (one per seed, nested prefixes give the sample-size grid) and a test set.

    X_pool: (S, N, d), y_pool: (S, N); X_test: (T, d), y_test: (T,).
    test_kind is 'full_cube' (exact population) or 'sampled' (report a standard error).
    """

    X_pool: np.ndarray
    y_pool: np.ndarray
    seeds: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_kind: str
    spec: dict
    meta: dict = field(default_factory=dict)

    @property
    def d(self) -> int:
        return self.X_test.shape[1]

    @property
    def hash(self) -> str:
        return content_hash(
            {"X_pool": self.X_pool, "y_pool": self.y_pool, "seeds": self.seeds, "X_test": self.X_test, "y_test": self.y_test},
            self.spec,
        )

    @property
    def support_basis(self) -> np.ndarray | None:
        """Orthonormal basis (d, |S|) of the parity support directions in input space (rotated with
        the data), or None for data without a support."""
        if "support" not in self.meta:
            return None
        basis = np.eye(self.d)[:, self.meta["support"]]
        rot = self.meta.get("rotation_matrix")
        return basis if rot is None else np.asarray(rot) @ basis

    @property
    def centres(self) -> np.ndarray | None:
        """The NC group centres (k, d), or None for other data."""
        c = self.meta.get("centres")
        return None if c is None else np.asarray(c, dtype=np.float64)

    def train_set(self, seed_index: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n > self.X_pool.shape[1]:
            raise DataError(f"sample size n={n} exceeds the pool of {self.X_pool.shape[1]} points; raise pool_size")
        return self.X_pool[seed_index, :n], self.y_pool[seed_index, :n]

    def save(self, path) -> None:
        from .io import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    X_pool=self.X_pool,
                    y_pool=self.y_pool,
                    seeds=self.seeds,
                    X_test=self.X_test,
                    y_test=self.y_test,
                    test_kind=np.array(self.test_kind),
                    spec=np.array(json.dumps(self.spec, sort_keys=True)),
                    meta=np.array(json.dumps(self.meta, sort_keys=True)),
                    content_hash=np.array(self.hash),
                )

    @classmethod
    def load(cls, path) -> "Dataset":
        with np.load(path, allow_pickle=False) as f:
            ds = cls(
                X_pool=f["X_pool"],
                y_pool=f["y_pool"],
                seeds=f["seeds"],
                X_test=f["X_test"],
                y_test=f["y_test"],
                test_kind=str(f["test_kind"]),
                spec=json.loads(str(f["spec"])),
                meta=json.loads(str(f["meta"])),
            )
            stored = str(f["content_hash"])
        if stored != ds.hash:
            raise DataError(f"{path}: content hash {ds.hash} does not match the stored {stored}; the file is corrupt")
        return ds


def _rng(*keys) -> np.random.Generator:
    """A generator keyed by integers and strings (stable across runs and platforms)."""
    ints = [int(k) if not isinstance(k, str) else int(hashlib.sha256(k.encode()).hexdigest()[:8], 16) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(ints))


def make_dataset(spec: dict, seeds, *, master_seed: int = 0) -> Dataset:
    """Build a dataset from its config subtree ``spec`` (one instance: ``d`` and, for NC, ``groups`` fixed).

    spec keys (the config's names): kind ('parity' | 'nc' | 'npz'), d, pool_size, test_points,
    full_cube_max_dim, and kind-specific keys (parity: coords, rotation; nc: groups (this instance's
    number of groups k), radius, min_separation, proportions;
    npz: path, rescale, test_fraction). The same (spec, seeds, master_seed) gives the same arrays.
    """
    kind = spec["kind"]
    seeds = np.asarray(list(seeds), dtype=np.int64)
    if kind == "parity":
        return _make_parity(spec, seeds, master_seed)
    if kind == "nc":
        return _make_nc(spec, seeds, master_seed)
    if kind == "npz":
        return _make_npz(spec, seeds, master_seed)
    raise DataError(f"dataset kind {kind!r} is not known; allowed: parity, nc, npz")


def _make_parity(spec, seeds, master_seed) -> Dataset:
    d, coords = int(spec["d"]), list(spec["coords"])
    rot = random_rotation(d, _rng(master_seed, "rotation", d)) if spec.get("rotation", False) else None

    def labelled(X):
        y = parity_labels(X, coords)
        return (X if rot is None else X @ rot.T), y

    pools = [labelled(sample_parity(spec["pool_size"], d, _rng(master_seed, "pool", d, s))) for s in seeds]
    if d <= spec["full_cube_max_dim"]:
        X_test, y_test = labelled(hypercube(d))
        kind = "full_cube"
    else:
        X_test, y_test = labelled(sample_parity(spec["test_points"], d, _rng(master_seed, "test", d)))
        kind = "sampled"
    return Dataset(
        X_pool=np.stack([p[0] for p in pools]),
        y_pool=np.stack([p[1] for p in pools]),
        seeds=seeds,
        X_test=X_test,
        y_test=y_test,
        test_kind=kind,
        spec=dict(spec),
        meta={"support": coords, "rotation_matrix": None if rot is None else rot.tolist()},
    )


def _make_nc(spec, seeds, master_seed) -> Dataset:
    d, k, rho = int(spec["d"]), int(spec["groups"]), float(spec["radius"])
    rng = _rng(master_seed, "nc-centres", d, k)
    centres = nc_centres(k, d, rng, spec.get("min_separation", 1.0))
    labels = nc_labels(k, rng)
    props = spec.get("proportions")
    pools = [sample_nc(spec["pool_size"], centres, labels, rho, props, _rng(master_seed, "pool", d, k, s)) for s in seeds]
    X_test, y_test, _ = sample_nc(spec["test_points"], centres, labels, rho, props, _rng(master_seed, "test", d, k))
    return Dataset(
        X_pool=np.stack([p[0] for p in pools]),
        y_pool=np.stack([p[1] for p in pools]),
        seeds=seeds,
        X_test=X_test,
        y_test=y_test,
        test_kind="sampled",
        spec=dict(spec),
        meta={"centres": centres.tolist(), "group_labels": labels.tolist()},
    )


def _make_npz(spec, seeds, master_seed) -> Dataset:
    """External data: a seeded split into a test part and per-seed training pools (shuffles of the rest)."""
    X, y = load_npz(spec["path"], rescale=spec.get("rescale", False))
    n = X.shape[0]
    n_test = int(round(spec.get("test_fraction", 0.25) * n))
    if n_test < 1 or n - n_test < 2:
        raise DataError(f"{spec['path']}: n={n} points are too few for test_fraction={spec.get('test_fraction', 0.25)}")
    perm = _rng(master_seed, "split").permutation(n)
    test, rest = perm[:n_test], perm[n_test:]
    pools = [rest[_rng(master_seed, "pool", s).permutation(rest.size)] for s in seeds]
    return Dataset(
        X_pool=np.stack([X[p] for p in pools]),
        y_pool=np.stack([y[p] for p in pools]),
        seeds=seeds,
        X_test=X[test],
        y_test=y[test],
        test_kind="sampled",
        spec=dict(spec),
        meta={"source": str(spec["path"])},
    )
