"""Each agency's recording habits: one module per agency, one ``write`` function each.

Every writer reads the true :class:`~tipdata.demo.world.World`, writes the agency's
own file in its own layout and, for every data row, one row of
``ground_truth/records.csv``. Planted anomalies are written to
``ground_truth/anomalies.csv`` by the writer that writes the offending row.
"""

from tipdata.demo.agencies.common import Context, FileResult

__all__ = ["Context", "FileResult"]
