"""Realistic buggy student code for module 05 (filled in below)."""
BANK = []
