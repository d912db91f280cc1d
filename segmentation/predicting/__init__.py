"""Predicting: "Who will buy again, and how much?"

Every order turned into the few numbers a buy-till-you-die model needs (:mod:`.history`); the
BG/NBD model of how often customers order and when they stop (:mod:`.bgnbd`) and the
Gamma-Gamma model of how much they spend per order (:mod:`.gamma_gamma`), both fitted by
maximum likelihood (:mod:`.likelihood`); which data can carry them (:mod:`.eligibility`);
expected orders, churn risk and customer value per customer (:mod:`.predictions`); how well the
model would have predicted the data's own last months (:mod:`.holdout`); the settings a link or
project carries (:mod:`.settings`); and customers drawn from the model with known parameters,
for checks and benchmarks (:mod:`.simulation`).

It reads orders (the data stage) and comes before segmenting, whose rules, features and
personas can use its columns; it imports nothing from the later stages.
"""
