"""Match statistics (对接率) and their publication to indicator-api."""
