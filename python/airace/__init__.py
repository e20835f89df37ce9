"""airace from Python: run scenarios and sweeps with the airace program and read the results as
xarray Datasets (pandas DataFrames through their .to_dataframe()).

    import airace
    res = airace.run("scenarios/baseline.yaml", replicates=8, seed=1)
    gap = res["indicators"]["us_cn_gap_months"]          # [replicate, time_monthly]
    gap.quantile([0.05, 0.5, 0.95], dim="replicate").to_dataframe()

airace.open(path)              every group of a run or sweep file, as xarray Datasets
airace.run(scenario, ...)      `airace run`, returns its file opened
airace.compare(base, whatif)   `airace compare`, returns a pandas DataFrame
airace.sweep(sweep_file, ...)  `airace sweep`, returns its file opened
airace.analyse(sweep_file)     `airace analyse`, returns the Sobol indices as a DataFrame

Needs Debian's python3-h5py, python3-xarray, python3-h5netcdf and python3-pandas; they are
imported when first used, so that the scripts can import airace.integrity without them.
"""

from .errors import AiraceError
from .program import analyse, compare, find_program, run, sweep
from .results import Results, open

__all__ = ["AiraceError", "Results", "analyse", "compare", "find_program", "open", "run",
           "sweep"]
__version__ = "0.1.0"
