"""Engines for customer bases past one machine: the same partition functions, moved by Dask,
DuckDB or a chunked loop.

Each heavy step is a pure pandas-in, pandas-out function of :mod:`segmentation` (assign a
partition of customers: :func:`segmentation.sharing.reuse.assign_partition`; aggregate the order
lines of a set of customers: :func:`segmentation.data.order_partitions.order_partition`). The
drivers here only read datasets (a file, a folder, a glob or an ``s3://`` URL), split them into
partitions, run those functions and write the result. Dask, DuckDB and s3fs are imported only
inside these modules' functions: the optional extra ``requirements-large.txt``.
"""
