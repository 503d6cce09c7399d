"""Outputs of the merged graph."""
