from xinfang.webhooks.tests.support import receiver  # noqa: F401 - the loopback receiver fixture
