rule dataset:
    """One dataset instance (pools for every seed + test set), a pure function of (spec, seeds)."""
    output:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    log:
        f"{RESULTS}/logs/dataset/{{dataset}}/{{instance}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/dataset/{{dataset}}/{{instance}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        spec=instance_spec,
        seeds=config["seeds"],
        master_seed=config["master_seed"],
    script:
        "../../scripts/make_data.py"
