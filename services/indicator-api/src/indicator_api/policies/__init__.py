"""Policies that reach every enterprise (政策找企业): what an enterprise could get now or next, the
outreach that tells it, its coverage per township, and the notice when it newly qualifies."""
