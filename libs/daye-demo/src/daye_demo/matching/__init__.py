"""matching-api's demo data: demands, supplies and dockings that reproduce the report's 686 / 392."""
