"""Sharing and monitoring: "Can a colleague, or next month's data, get the same segments?"

Project files and links that rebuild an analysis (:mod:`.projects`); a segmentation applied to
new customers, in memory or from large files in chunks (:mod:`.reuse`); a later snapshot placed
in the same segments, with who moved where and what drifted (:mod:`.monitoring`).

The last stage of the journey: it may use every stage before it.
"""
