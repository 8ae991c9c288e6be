"""Synthetic training and test data for Bastion's detection models and benchmark.

    from models.datagen import generate, Sample, CATEGORIES, ENTITY_TYPES
    samples = generate(split="train", n=5000, seed=13)

Each ``Sample`` is one section of a realistic document (memo, letter, email thread, chat
export, ticket, config file, table, minutes, form, clinical note, press release ...) in
one of seven locales, with exact ``(start, end, TYPE)`` spans, a section category, hard
negatives and the SPEC's obfuscated forms. The test split is written by separate kinds and
sentence generators (``kinds_test``) that train and dev never see. See README.md for the
span conventions.
"""

from models.datagen.generate import SPLITS, generate
from models.datagen.sample import CATEGORIES, ENTITY_TYPES, Sample

__all__ = ["CATEGORIES", "ENTITY_TYPES", "SPLITS", "Sample", "generate"]
