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
