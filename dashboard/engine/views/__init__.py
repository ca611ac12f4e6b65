"""View models: what each page, the memo and the downloads show, built from the decision. Pure."""
