-- Temporal's auto-setup creates its own schemas; it needs the databases to be creatable by our user.
ALTER USER nextbest CREATEDB;
