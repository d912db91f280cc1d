"""Data: "Is my data in, and is it right?"

Reading a file (:mod:`.loading`), understanding each column's type, meaning, role and
segmentation base (:mod:`.schema`, with :mod:`.dates`, :mod:`.meanings` and :mod:`.bases`),
turning order lines into one row per customer (:mod:`.orders`), the customer table the later
stages work on (:mod:`.dataset`), and columns' names in plain words (:mod:`.words`).

The first stage of the journey: it imports nothing from the later ones.
"""
