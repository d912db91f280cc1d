"""Mapping: "Show me my customers."

The UMAP map of the customers (:mod:`.embedding`) and a lasso or box selection on it turned into
a segment, with what sets it apart (:mod:`.selection`).

Uses the data and segmenting stages.
"""
