"""The Redis cache backend (`CACHES["default"]` with REDIS_URL): Django's, keeping one
`redis.Redis` client per connection pool instead of making a new one for every command.

Django's client builds a `redis.Redis` at each get or set (about 170 response callbacks copied
into a new dictionary each time); every API request's rate limits cost two gets and two sets, so
that was a tenth of a claim's CPU (issue 18, bench/member_requests.py). A `redis.Redis` is safe to
share between threads (each command borrows a connection from the pool), and Django already
keeps one cache object per thread; the pool, and what it does after a fork, are unchanged."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
