"""Renderers: records and views in, text out (tables in every format, graphs, plots)."""
