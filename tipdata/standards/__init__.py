"""The field's data standards: DHIS2 data exchange and HTCDS 2.0.

Each standard is read from data kept beside the code (``standards/data/``, with its
source and licence) and validated on load; exports are checked against it.

* ``dhis2_mapping``: tipdata's provincial data set ↔ a DHIS2 instance's identifiers.
* ``dhis2_formats``: dataValueSets JSON and CSV, and ADX, read and written.
* ``dhis2_exchange``: provincial reports exported to and imported from those formats.
* ``htcds``: the HTCDS 2.0 field list and picklists, and the victim-level export.
"""
