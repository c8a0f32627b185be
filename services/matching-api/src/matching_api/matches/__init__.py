"""Docking records (对接) between a demand and a supply, and their state machine."""
