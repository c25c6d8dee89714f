import pytest

from .factory import ClusterWorld, build_cluster_world


@pytest.fixture
def cw(world) -> ClusterWorld:
    return build_cluster_world(world)
