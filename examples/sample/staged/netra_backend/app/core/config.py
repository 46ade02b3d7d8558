import os
import time

from shared.isolated_environment import IsolatedEnvironment

env = IsolatedEnvironment()

SERVICE_ID = f"sample-backend-{int(time.time())}"
DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = env.get("REDIS_URL", "redis://localhost:6379/0")
