"""What the PostgreSQL benchmarks that run pgbench share: Django set up as in production, and
pgbench's connection arguments for the same database."""


def django_setup():
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log kept per cursor


def pg_args():
    from django.conf import settings

    db = settings.DATABASES["default"]
    return ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres",
            db["NAME"]]


def analyze():
    """ANALYZE the database, as autovacuum's analyze does on a live one once a table has changed by
    a tenth (within its minute's naptime). The machines' PostgreSQL runs with `autovacuum = off`
    (CI's conf.d), so a benchmark's freshly filled tables would otherwise have no statistics at all
    and the planner would guess (a claim's open-cap count once went through every open assignment's
    index entry). pgbench's baseline has its own tables vacuumed and analyzed by `pgbench -i`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
