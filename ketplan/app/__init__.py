"""Application services: options as text in, results out (no terminal, no Typer)."""
