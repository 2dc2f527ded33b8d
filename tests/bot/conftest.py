import pytest

from tests.bot.servers import MODEL, Bot


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    running = Bot(tmp_path_factory.mktemp("bot")).start()
    yield running
    running.stop()
