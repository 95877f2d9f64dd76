"""driehoek: a knowledge graph of Dutch public governance."""

__version__ = "0.1.0"
