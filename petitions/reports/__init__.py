"""Figures, periods and scopes of the reports and dashboards, their pages, charts and workbooks,
and the spot-check and talk records the yearly evaluation counts."""
