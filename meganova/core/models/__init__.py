"""Typed response models (plain dataclasses; the codec decodes into them)."""
