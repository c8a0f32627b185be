"""Cross-cutting pieces shared by the Daye platform's services. Never domain models."""
