"""The Panel dashboard (imports panel only when used)."""
