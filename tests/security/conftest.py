import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Seminar materials are real files (the matrix downloads one): keep them out of the repository."""
    settings.MEDIA_ROOT = tmp_path
