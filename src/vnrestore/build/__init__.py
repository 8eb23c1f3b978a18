"""Builders of the committed data in ``lexicons/`` (run by hand, never at run time).

``python -m vnrestore.build lm|lexicons|channel ...``; see lexicons/README.md.
"""
