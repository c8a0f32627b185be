"""Demands posted by enterprises: talent, technology and finance (企业出题)."""
