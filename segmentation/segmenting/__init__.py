"""Segmenting: "What groups are there?"

The one segmentation value every source produces (:mod:`.segments`); the feature matrix
(:mod:`.features`); clusters (:mod:`.clustering`, :mod:`.kprototypes`) and the diagnostics for
choosing their number (:mod:`.diagnostics`); each cluster explained as a rule (:mod:`.explain`);
segments written as conditions (:mod:`.rules`, with their operators :mod:`.rule_operators`,
values :mod:`.rule_conditions` and sentences :mod:`.rule_sentences`); RFM scores and named
segments (:mod:`.rfm`, with its scores :mod:`.rfm_scoring` and segment table :mod:`.rfm_table`).

Uses the data stage only.
"""
