"""ketplan: plan ketamine and esketamine courses for treatment-resistant depression."""

__version__ = "0.1.0"
