"""Supplies: experts and teams, technologies and results, financial products (供给)."""
