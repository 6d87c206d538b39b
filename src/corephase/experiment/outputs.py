"""Output files of an experiment (keys and names under ``results/experiments/{name}/``).

Kept apart from :mod:`corephase.experiment.run` so that the workflow can read
them when it plans without importing the simulation code.
"""

#: Output keys of :func:`corephase.experiment.run.run_experiment` (file names under
#: the experiment folder); the workflow's rule ``experiment`` declares exactly these.
OUTPUTS = {
    "metrics": "metrics.csv",
    "layouts": "layouts.csv",
    "roc": "roc.csv",
    "recommendation": "recommendation.csv",
    "real": "real_vs_theory.csv",
    "summary": "summary.json",
    "fig_gain": "figures/snr_gain.png",
    "fig_detection": "figures/detection.png",
    "fig_arf": "figures/arf_best_worst.png",
    "fig_roc": "figures/roc.png",
}
