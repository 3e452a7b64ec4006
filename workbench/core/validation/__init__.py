"""Layered validation: syntax, STU3 structure, bundle integrity, profiles, terminology, ITK3.

The runner (:mod:`.runner`) runs the layers in order and predicts the receiver's response.
"""
