from unittest.mock import AsyncMock, patch


async def test_chat_reply(client):
    with patch("netra_backend.app.llm.complete", AsyncMock(return_value="hi")):
        assert await client.ask("hello") == "hi"
