"""Describing: "Who are these people, and how do these groups differ?"

Sizes and profiles of the segments (:mod:`.profiles`); a persona card per segment
(:mod:`.personas` with its statistical tests, traits and names, marketing mix and example
customer in their own modules) and its exports (:mod:`.persona_report`); two to four segments
side by side with tested differences (:mod:`.comparison`, its statistical tests and effect
sizes in :mod:`.comparison_stats`).

Uses the data, segmenting and mapping stages.
"""
