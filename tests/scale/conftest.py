import pytest

from harness.servers import MODEL, Service, free_port, wait_until_up
from tests.scale.infra import Nginx, Postgres, Redis

TOKEN = "scale-token"


class Cluster:
    """Two Rasa instances + one action server behind nginx, on PostgreSQL and
    Redis, configured exactly as README "Deploying at scale" says."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.postgres = Postgres(work_dir)
        self.redis = Redis(work_dir)
        self.actions_port = free_port()
        self.rasa_ports = [free_port(), free_port()]
        self.nginx = Nginx(work_dir, self.rasa_ports)

    def env(self, **extra):
        return {
            "RASA_ENDPOINTS": "deploy/endpoints.scale.yml",
            "TRACKER_DB_URL": self.postgres.url,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis.port), "REDIS_DB": "0",
            "ACTIONS_PORT": str(self.actions_port),
            "RASA_MODEL": str(MODEL), "RASA_AUTH_TOKEN": TOKEN, **extra,
        }

    def start(self):
        self.postgres.init()
        self.redis.start()
        self.actions = Service("actions", self.env(), self._dir("actions"))
        self.instances = [self.rasa_instance(port) for port in self.rasa_ports]
        for service in [self.actions, *self.instances]:
            service.start()  # both Rasa instances load their model in parallel
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions)
        for port, service in zip(self.rasa_ports, self.instances):
            wait_until_up(f"http://127.0.0.1:{port}/", service)
        self.nginx.start()
        return self

    def rasa_instance(self, port):
        """One Rasa instance (not started), with its own spool file, as on its own machine."""
        work = self._dir(f"rasa-{port}")
        return Service("rasa", self.env(RASA_PORT=str(port), TRACKER_SPOOL_PATH=str(work / "spool.db")),
                       work)

    def _dir(self, name):
        path = self.work_dir / name
        path.mkdir(exist_ok=True)
        return path

    def stop(self):
        self.nginx.stop()
        for service in getattr(self, "instances", []) + [getattr(self, "actions", None)]:
            if service:
                service.stop()
        self.redis.stop()
        self.postgres.remove()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    running = Cluster(tmp_path_factory.mktemp("scale"))
    try:
        yield running.start()
    finally:
        running.stop()
