"""Targeting: "Where do we put the money?"

What each segment is worth and how it grows, attractiveness scores with the user's weights, the
ROI what-if and the budget split, and the list of target customers to export.

The modules, in the order the stage runs:

* ``config`` — the inputs (criteria, weights, ratings, campaign costs, budget) and their checks;
* ``measures`` — what the data says per segment: size, value, growth, reachability, response;
* ``scores`` — attractiveness scores 0–100 with the weights, and the GE–McKinsey zones;
* ``budget`` — the ROI what-if per target and the budget split by marginal return;
* ``plan`` — :func:`~segmentation.targeting.plan.plan_targeting` (all of the above for one
  config) and a first config for a new segmentation;
* ``export`` — the target list (CSV and Excel, safe from spreadsheet formulas) and the one-page
  summary.

Uses the stages before it (data, segmenting, describing).
"""
