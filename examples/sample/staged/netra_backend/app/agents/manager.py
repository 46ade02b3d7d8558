import logging

from auth_service.auth_core.tokens import validate_token

logger = logging.getLogger(__name__)


class AgentManager:
    _instance = None
    results = {}

    def __init__(self):
        self._initialized = False

    async def ensure_integration(self):
        if not self._initialized:
            await self._connect()
            self._initialized = True

    async def _connect(self):
        return validate_token("x")

    def publish(self, bus, event):
        try:
            bus.send(event)
        except Exception:
            pass
