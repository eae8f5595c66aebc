"""IPA extension for the metal3-functions test bed (see guard.py and manager.py)."""
