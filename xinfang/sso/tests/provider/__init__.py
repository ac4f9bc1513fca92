"""A tiny, real OpenID Connect provider for the SSO tests: django-oauth-toolkit with OIDC on.

It plays the office system's (OA) login service. It is its own Django project (own settings, own
SQLite file in a temporary directory) and runs in a subprocess started by the tests
(`python -m xinfang.sso.tests.provider`, see ../conftest.py). `oauth2_provider` is installed only
here, never in xinfang's INSTALLED_APPS.
"""
