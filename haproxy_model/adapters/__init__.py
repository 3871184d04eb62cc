"""Adapters that build HAProxy configuration inputs from other systems' live state."""
