"""Renderers: report data in, files out. They lay out; they do not compute."""
