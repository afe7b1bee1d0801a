"""Generator of security-guideline knowledge bases: load → validate → link → render → write → site."""

__version__ = "0.1.0"
