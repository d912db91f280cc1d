"""Sharing and monitoring: "Can a colleague, or next month's data, get the same segments?"

Project files and links that rebuild an analysis (:mod:`.projects`); a segmentation applied to
new customers, in memory or from large files in chunks (:mod:`.reuse`); a later snapshot placed
in the same segments, with who moved where and what drifted (:mod:`.monitoring`); an analysis
shared with its data: sealed under a key only its link holds (:mod:`.snapshots`), kept in a SQL
database (:mod:`.snapshot_store`), shared at a limited rate per session (:mod:`.rate_limits`).

The last stage of the journey: it may use every stage before it.
"""
