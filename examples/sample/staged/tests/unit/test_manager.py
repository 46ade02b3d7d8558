from netra_backend.app.agents.manager import AgentManager


def test_integration_is_idempotent():
    manager = AgentManager()
    manager.ensure_integration()
    assert manager._initialized is False
