"""Notifications per account, polled by the front end (站内通知)."""
