"""Development tools for the Daye platform: never imported by a service at run time."""
