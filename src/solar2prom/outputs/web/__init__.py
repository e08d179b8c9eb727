"""Pieces of the status page: today's production per site, its chart, and the stylesheet."""
