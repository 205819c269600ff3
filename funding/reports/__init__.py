"""Finance reports and letters: their data (from selectors), charts, and PDF rendering."""
