"""Targeting: "Where do we put the money?"

What each segment is worth and how it grows, attractiveness scores with the user's weights, the
ROI what-if and the budget split, and the list of target customers to export.

Uses the stages before it (data, segmenting, describing).
"""
