"""Charts: the plotly figure builders of every stage (no ``st.*``: pages draw what these return).

One module per screen's charts: segments and diagnostics (:mod:`.segments`), the customer map
(:mod:`.map`), comparisons (:mod:`.compare`), targeting (:mod:`.target`) and monitoring
(:mod:`.monitor`); the shared palette and layout live in :mod:`.style`.

Charts draw the values of the other stages, so they may import any of them; none imports charts.
"""
