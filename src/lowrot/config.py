"""Loading and validating the workflow config against the schema shipped in this package
(lowrot/schemas/config.schema.yaml, read with importlib.resources so an installed wheel validates too).

The schema is JSON Schema written in YAML. Validation fills in defaults (also inside list-free
nested objects and in each dataset entry), and every problem is reported as one line that names the
key (dotted path), what was given and what is allowed, before any job starts.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .errors import ConfigError

def load_schema(path=None) -> dict:
    """The config schema: the packaged one, or the file at ``path``."""
    if path is None:
        return yaml.safe_load(resources.files("lowrot").joinpath("schemas", "config.schema.yaml").read_text())
    with open(Path(path)) as fh:
        return yaml.safe_load(fh)


def _key(path) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "(top level)"


def _allowed(err: jsonschema.ValidationError) -> str:
    s, v = err.schema, err.validator
    if v == "additionalProperties":
        allowed = sorted(s.get("properties", {}))
        return f"allowed keys: {', '.join(allowed)}" if allowed else "no other keys are allowed"
    if v == "enum":
        return f"allowed: {', '.join(map(str, s['enum']))}"
    if v == "const":
        return f"allowed: {s['const']}"
    if v == "type":
        return f"allowed type: {s['type']}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bounds = [f"{k} {s[k]}" for k in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum") if k in s]
        return "allowed: " + ", ".join(bounds)
    if v in ("minItems", "maxItems", "uniqueItems", "minLength", "minProperties"):
        return f"required: {v} {s[v]}"
    if v == "required":
        return f"required keys: {', '.join(s['required'])}"
    return f"schema rule: {v}"


def _message(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"config key '{_key(err.absolute_path)}': unknown key(s) {extra}; {_allowed(err)}"
    if err.validator == "required":
        return f"config key '{_key(err.absolute_path)}': {err.message}; {_allowed(err)}"
    return f"config key '{_key(err.absolute_path)}': {err.instance!r} is invalid ({err.message}); {_allowed(err)}"


def _fill_defaults(instance, schema) -> None:
    """Fill defaults of ``properties`` (recursively, including if/then branches and additionalProperties)."""
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub)
    addl = schema.get("additionalProperties")
    if isinstance(addl, dict):
        for key, val in instance.items():
            if key not in schema.get("properties", {}):
                _fill_defaults(val, addl)
    for branch in schema.get("allOf", []):
        cond = branch.get("if")
        if cond is None or jsonschema.Draft202012Validator(cond).is_valid(instance):
            _fill_defaults(instance, branch.get("then", branch))


def validate_config(config: dict, schema=None) -> dict:
    """Return a validated copy of ``config`` with defaults filled; raise ConfigError listing every problem."""
    schema = schema if isinstance(schema, dict) else load_schema(schema)
    cfg = copy.deepcopy(dict(config or {}))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        _fill_defaults(cfg, schema)
        errors = list(validator.iter_errors(cfg))
    if errors:
        raise ConfigError("invalid config:\n  " + "\n  ".join(dict.fromkeys(_message(e) for e in errors)))
    _check_references(cfg)
    return cfg


def _check_references(cfg: dict) -> None:
    """Cross-key rules the schema cannot state; also validates each sweep's train overrides."""
    names = sorted(cfg["datasets"])
    train_schema = load_schema()["properties"]["train"]
    for sname, sw in cfg["sweeps"].items():
        where = f"sweeps.{sname}"
        if sw["dataset"] not in cfg["datasets"]:
            raise ConfigError(f"config key '{where}.dataset': {sw['dataset']!r} is not a dataset; allowed: {', '.join(names)}")
        spec = cfg["datasets"][sw["dataset"]]
        if "dims" in sw:
            extra = sorted(set(sw["dims"]) - set(spec.get("dims", [])))
            if extra:
                raise ConfigError(f"config key '{where}.dims': {extra} are not dims of dataset {sw['dataset']!r}; allowed: {spec.get('dims')}")
        if ("sample_sizes" in sw) == ("search" in sw):
            raise ConfigError(f"config key '{where}': give exactly one of sample_sizes (a fixed n grid) and search (an adaptive one); allowed: one of the two")
        if "search" in sw and sw["search"]["start"] > sw["search"]["max_n"]:
            raise ConfigError(f"config key '{where}.search.start': {sw['search']['start']} is above search.max_n {sw['search']['max_n']}; allowed: <= max_n")
        largest, key = (max(sw["sample_sizes"]), "sample_sizes") if "sample_sizes" in sw else (sw["search"]["max_n"], "search.max_n")
        pool = spec.get("pool_size")
        if pool is not None and largest > pool:
            raise ConfigError(f"config key 'datasets.{sw['dataset']}.pool_size': {pool} is smaller than the largest {where}.{key} {largest}; allowed: >= {largest}")
        merged = validate_subtree({**cfg["train"], **sw["train"]}, train_schema, f"{where}.train")
        if merged["first_checkpoint"] >= merged["max_time"]:
            raise ConfigError(f"config key '{where}.train.first_checkpoint': {merged['first_checkpoint']} must be below max_time={merged['max_time']}")
        if merged["symmetric_init"] and any(m % 2 for m in sw["widths"]):
            raise ConfigError(f"config key '{where}.widths': symmetric_init needs even widths")
    for name in cfg["margins"]["datasets"]:
        if name not in cfg["datasets"]:
            raise ConfigError(f"config key 'margins.datasets': {name!r} is not a dataset; allowed: {', '.join(names)}")
        pool = cfg["datasets"][name].get("pool_size")
        if pool is not None and max(cfg["margins"]["sample_sizes"]) > pool:
            raise ConfigError(f"config key 'datasets.{name}.pool_size': {pool} is smaller than the largest margins.sample_sizes {max(cfg['margins']['sample_sizes'])}; allowed: >= {max(cfg['margins']['sample_sizes'])}")
    if cfg["figures"]["training_sweep"] not in cfg["sweeps"]:
        raise ConfigError(f"config key 'figures.training_sweep': {cfg['figures']['training_sweep']!r} is not a sweep; allowed: {', '.join(cfg['sweeps'])}")
    for name, spec in cfg["datasets"].items():
        if spec["kind"] == "parity":
            bad = [c for c in spec["coords"] if c >= min(spec["dims"])]
            if bad:
                raise ConfigError(f"config key 'datasets.{name}.coords': {bad} out of range for the smallest dim {min(spec['dims'])}; allowed: 0 <= coord < d")


def validate_subtree(obj: dict, schema: dict, prefix: str) -> dict:
    """Validate one subtree against its schema, naming keys under ``prefix``."""
    err = next(iter(jsonschema.Draft202012Validator(schema).iter_errors(obj)), None)
    if err is not None:
        msg = _message(err).replace("config key '", f"config key '{prefix}.", 1).replace(f"{prefix}.(top level)", prefix)
        raise ConfigError("invalid config:\n  " + msg)
    out = copy.deepcopy(obj)
    _fill_defaults(out, schema)
    return out


def subtree_hash(obj) -> str:
    """A stable 12-hex-digit hash of a JSON-able config subtree (recorded in every table row)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]
