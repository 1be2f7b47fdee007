"""Parameter sweeps: designs, executors (serial, processes, Dask) and Parquet storage."""
