"""Shared pieces of every page: shell and filter bar, KPI cards, grids, empty states, banners, figures."""
