"""Columns of a per-pair detection table (:mod:`corephase.analysis.detection.detect`).

A module of its own, without the detection package, so that the summary jobs
(:mod:`corephase.analysis.catalogue`) know the table's columns without importing
the detection code (its vespagram and ``scipy.fft``).
"""

#: Columns of the call and its false-alarm calibration (tables written before the
#: calibration lack them; :mod:`corephase.analysis.catalogue` fills them).
CALIBRATION_COLUMNS = (
    "call",
    "fa_prob",
    "snr_threshold",
    "slowness_resolution_s_deg",
    "slowness_tolerance_s_deg",
    "baz_tolerance_deg",
    "resample_agreement",
)

COLUMNS = [
    "event",
    "array",
    "phase",
    "band",
    "stack",
    "t_theory_s",
    "slowness_theory_s_deg",
    "baz_theory_deg",
    "distance_deg",
    "snr",
    "snr_lo",
    "snr_hi",
    "slowness_obs_s_deg",
    "slowness_err_s_deg",
    "baz_obs_deg",
    "baz_err_deg",
    "slowness_fk_s_deg",
    "fk_relpow",
    "t_peak_s",
    "coherence",
    "detected",
    "decided_by",
    "reason",
    "n_elements",
    *CALIBRATION_COLUMNS,
]
