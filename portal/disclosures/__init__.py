"""The disclosure register: what was shared, with whom, why and on what basis (DIS-1 to DIS-5)."""
