from accounts.models import Notice


def notices_for(*, user, limit=20):
    return Notice.objects.filter(user=user)[:limit]


def notices_unread_count(*, user):
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
