# corephase: array processing of weak core phases (PKiKP, PKIIKP, PKJKP, PcP, ScP).
# Run: snakemake --cores N   (see README.md). All rules live in workflow/rules.
from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


# The embedded offline demo is the default; `--configfile other.yaml` replaces it
# (instead of being merged into it).
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/preprocess.smk"
include: "workflow/rules/stack.smk"
include: "workflow/rules/coda.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/dense.smk"


rule all:
    default_target: True
    input:
        all_targets(),
