rule trajectories:
    """All training jobs' rows in one tidy table (one row per network x recorded event)."""
    input:
        tables=all_train_tables(),
    output:
        table=TRAJECTORIES,
    log:
        f"{RESULTS}/logs/trajectories.log",
    benchmark:
        f"{RESULTS}/benchmarks/trajectories.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/concat_tables.py"


rule regime_tables:
    """Sample complexity n*(eps), exponents, width statistics and run counts (lowrot.summaries)."""
    input:
        trajectories=TRAJECTORIES,
        training=f"{RESULTS}/tables/margins_training.csv",
    output:
        tables=expand(f"{RESULTS}/tables/{{name}}.csv", name=REGIME_TABLES),
    params:
        analysis=config["analysis"],
    log:
        f"{RESULTS}/logs/regime_tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/regime_tables.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/regime_tables.py"


rule margin_summary:
    """Fitted exponents of the 2-parity population margins against d (margins.parity_dims), and the
    values and exponents as markdown and LaTeX tables under figures/."""
    input:
        population=f"{RESULTS}/tables/margins_parity.csv",
    output:
        exponents=f"{RESULTS}/tables/margin_exponents.csv",
        markdown=f"{FIGURES}/margins_table.md",
        latex=f"{FIGURES}/margins_table.tex",
    log:
        f"{RESULTS}/logs/margin_summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/margin_summary.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/margin_summary.py"


rule claims:
    """Every claim of docs/claims.md with its statistic, interval, rule, rival and computed verdict."""
    input:
        unpack(claims_inputs),
    output:
        csv=f"{FIGURES}/claims.csv",
        markdown=report(f"{FIGURES}/claims.md", caption="../report/claims.rst", category="Claims"),
        latex=f"{FIGURES}/claims.tex",
    params:
        analysis=config["analysis"],
    log:
        f"{RESULTS}/logs/claims.log",
    benchmark:
        f"{RESULTS}/benchmarks/claims.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/claims.py"
