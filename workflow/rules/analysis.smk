rule regime_tables:
    """Sample complexity n*(eps), exponents, width statistics and run counts (lowrot.pipeline.analysis)."""
    input:
        trajectories=rules.trajectories.output.table,
        training=table("margins_training"),
    output:
        **{name: f"{RESULTS}/tables/{name}.csv" for name in REGIME_TABLES},
    log:
        f"{RESULTS}/logs/regime_tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/regime_tables.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        analysis=config["analysis"],
    script:
        "../../scripts/regime_tables.py"


rule margin_summary:
    """Fitted exponents of the 2-parity population margins against d (margins.parity_dims), and the
    values and exponents as markdown and LaTeX tables under figures/."""
    input:
        population=table("margins_parity"),
    output:
        exponents=f"{RESULTS}/tables/margin_exponents.csv",
        markdown=f"{FIGURES_DIR}/margins_table.md",
        latex=f"{FIGURES_DIR}/margins_table.tex",
    log:
        f"{RESULTS}/logs/margin_summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/margin_summary.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/margin_summary.py"


rule claims:
    """Every claim of docs/claims.md with its statistic, interval, rule, rival and computed verdict."""
    input:
        unpack(claims_inputs),
    output:
        csv=f"{FIGURES_DIR}/claims.csv",
        markdown=report(
            f"{FIGURES_DIR}/claims.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
        latex=f"{FIGURES_DIR}/claims.tex",
    log:
        f"{RESULTS}/logs/claims.log",
    benchmark:
        f"{RESULTS}/benchmarks/claims.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis=config["analysis"],
    script:
        "../../scripts/claims.py"
