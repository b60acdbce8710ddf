rule train_gf:
    """Batched GF on one dataset instance and width: every (seed, n) of the part, as one tensor program."""
    input:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    output:
        table=f"{RESULTS}/train/gf/{{dataset}}/{{instance}}/m{{m}}/part{{part}}.csv",
        weights=f"{RESULTS}/train/gf/{{dataset}}/{{instance}}/m{{m}}/part{{part}}.weights.npz",
    log:
        f"{RESULTS}/logs/train_gf/{{dataset}}/{{instance}}/m{{m}}/part{{part}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_gf/{{dataset}}/{{instance}}/m{{m}}/part{{part}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        train=config["train"],
        seeds=config["seeds"],
        sample_sizes=config["gf"]["sample_sizes"],
        device=config["device"],
        state=f"{RESULTS}/resume/gf/{{dataset}}/{{instance}}/m{{m}}/part{{part}}.pt",
    script:
        "../../scripts/train_gf.py"
