"""The store's schema migrations (Alembic): env.py, versions/, and what they share."""
