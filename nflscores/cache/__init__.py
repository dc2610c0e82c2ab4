"""The week cache: entries in the store, and the single-flight read path in front of a source."""
