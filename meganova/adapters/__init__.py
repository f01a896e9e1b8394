"""Implementations of core's ports. Import the one you need; nothing heavy loads here."""
