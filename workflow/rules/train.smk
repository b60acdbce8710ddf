rule train:
    """Batched training on one dataset instance and width: every (seed, n) of the part, one tensor program."""
    input:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    output:
        table=TRAIN_TABLE,
        weights=TRAIN_WEIGHTS,
    params:
        train=train_params,
        seeds=config["seeds"],
        sample_sizes=sweep_sample_sizes,
        device=config["device"],
        state=f"{RESULTS}/resume/{TRAIN_JOB}.pt",
    log:
        f"{RESULTS}/logs/train/{TRAIN_JOB}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{TRAIN_JOB}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=TRAIN_GPUS,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/train.py"
