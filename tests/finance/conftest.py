from tests.mirror.conftest import sandbox_factory

__all__ = ["sandbox_factory"]
