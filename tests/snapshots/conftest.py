from tests.app.conftest import site  # noqa: F401 - the same quiet, seeded site
