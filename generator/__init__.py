"""Generator of the aviation cybersecurity guideline knowledge base: load → validate → link → render → write → site."""

__version__ = "0.1.0"
