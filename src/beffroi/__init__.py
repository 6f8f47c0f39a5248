"""Beffroi: social-media strategy for French collectivités territoriales."""

__version__ = "0.1.0"
