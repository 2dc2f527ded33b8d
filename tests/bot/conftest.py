import pytest

from tests.bot.servers import MODEL, Bot


def start_bot(tmp_path_factory, name):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    return Bot(tmp_path_factory.mktemp(name)).start()


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    running = start_bot(tmp_path_factory, "bot")
    yield running
    running.stop()
