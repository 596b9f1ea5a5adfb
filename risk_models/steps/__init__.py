"""One module per pipeline step; :mod:`risk_models.pipeline` runs them in order."""
