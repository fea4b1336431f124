"""Supervised file access (REC-1 to REC-4): booking a supervised look at one's file, the staff
side that confirms it, and subject access requests."""
