"""Pieces of the JSON extraction generator (``tools/generate_extraction.py``).

``pieces``: entity pools split into eval and train parts, people and orders, and
the text styles both splits use; ``unseen``: eval-only styles, instructions and
prompt layouts that training never uses (tag ``unseen-template``).
"""
