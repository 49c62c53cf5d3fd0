"""DB_POOL_MAX_SIZE (issue 18): a bounded psycopg pool per process on PostgreSQL, off unless set."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = "import json, coop.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"


def _options(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DB_POOL")}
    out = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_pool_is_off_unless_asked_for_and_bounded_when_it_is():
    url = "postgres://postgres@127.0.0.1:5432/atelier_pool_setting"
    assert "pool" not in _options(DATABASE_URL=url)
    assert _options(DATABASE_URL=url, DB_POOL_MAX_SIZE="7", DB_POOL_TIMEOUT="5")["pool"] == {
        "min_size": 1, "max_size": 7, "timeout": 5.0}
