"""tipdata: a national counter-trafficking data system.

Imports every agency's own exports, links the records of the same person across
agencies, follows victims and suspects through their pathways, checks charges
against the law and publishes traceable, disclosure-controlled statistics.
"""

__version__ = "0.1.0"
