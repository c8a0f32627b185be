"""Figures other services publish through their outboxes (match statistics, the outstanding total):
when each was last brought up to date."""
