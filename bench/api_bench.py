"""API v1 with bearer tokens at 1,000,000 cases (issue 7 §1–2), and the per-token limit's cost.

Every request carries `Authorization: Bearer …` of its own token, so the whole token path is timed:
hash look-up, scope table, the per-minute call counter (one upsert), last-use mark, the unit gate,
the view and the personal-data audit row. `ratelimit_*` time the counter alone against the sliding
window it replaced (xinfang/portal/limits.py: a locked row holding a JSON list of timestamps).
"""

from __future__ import annotations

import time

from django.db import transaction
from django.test import Client

API_TARGET_P95_MS = 100.0


def _client(user, name: str) -> Client:
    from xinfang.integrations.auth import api_token_create

    _token, raw = api_token_create(user=user, name=f"bench {name}", scopes=["read", "write"])
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def measure_api(
    personas, options, say, ops, *, pages_cls, handler_cases, registrar_cases, names, timer_cls, summarise, q
):
    """GETs through `pages_cls.run` with a bearer client; one write (a 办理情况 note) by POST."""
    say("API v1 with bearer tokens …")
    plan = [
        (
            "api_token_workbench",
            personas.handler,
            "GET /api/v1/cases/workbench?group=later",
            [q("/api/v1/cases/workbench", group="later")],
        ),
        (
            "api_token_detail",
            personas.handler,
            "GET /api/v1/cases/<number>",
            [f"/api/v1/cases/{c.number}" for c in handler_cases],
        ),
        (
            "api_token_lookup_name",
            personas.registrar,
            "GET /api/v1/cases/lookup?q=<姓名>",
            [q("/api/v1/cases/lookup", q=n) for n in names],
        ),
        (
            "api_token_lookup_number",
            personas.registrar,
            "GET /api/v1/cases/lookup?q=<编号>",
            [q("/api/v1/cases/lookup", q=c.number) for c in registrar_cases],
        ),
        (
            "api_token_search",
            personas.registrar,
            "GET /api/v1/cases/search?q=<词>",
            [q("/api/v1/cases/search", q=(c.title or "信访")[2:4] or "信访") for c in registrar_cases],
        ),
    ]
    for name, user, what, urls in plan:
        runner = pages_cls(user, options, say)
        runner.client = _client(user, name)  # bearer token instead of the session
        ops[name] = runner.run(name, what + " (Bearer)", urls, target_ms=API_TARGET_P95_MS)
    ops["api_token_note"] = _notes(personas, options, say, timer_cls, summarise)
    ops.update(_ratelimit(options, say, timer_cls, summarise))


def _notes(personas, options, say, timer_cls, summarise) -> dict:
    """POST /api/v1/cases/<number>/actions/note on the handler's open cases (a write through the gate)."""
    from xinfang.cases.selectors import workbench_cases, workbench_counts

    bench = workbench_counts(unit=personas.busy_unit, due_soon_days=3)
    from xinfang.cases.workflow import UNDER_ANSWER

    cases = list(
        workbench_cases(bench=bench, group="later")
        .filter(status__in=UNDER_ANSWER)
        .values_list("number", flat=True)[: options.samples + options.warmup]
    )
    client = _client(personas.handler, "note")
    timer, errors, first_error = timer_cls(), 0, None
    for index, case in enumerate(cases):
        url = f"/api/v1/cases/{case}/actions/note"
        body = {"text": "电话联系信访人，了解诉求，正在核实。"}
        post = client.post if index < options.warmup else (lambda *a, **k: timer(client.post, *a, **k))
        response = post(url, body, content_type="application/json")
        if response.status_code != 200:
            errors += 1
            first_error = first_error or f"{url} → HTTP {response.status_code} {response.content[:200]!r}"
    result = {
        "kind": "http",
        "what": "POST /api/v1/cases/<number>/actions/note (Bearer), handler's open cases",
        "user": personas.handler.username,
        **summarise(timer.wall, timer.cpu),
        "target": "",
        "ok": None,
        "errors": errors,
    }
    if first_error:
        result["first_error"] = first_error
    say(
        f"  {'api_token_note':<22} p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms"
        + (f"  {errors} errors ({first_error})" if errors else "")
    )
    return result


def _ratelimit(options, say, timer_cls, summarise) -> dict:
    """The counter (one upsert) against the sliding window (lock + JSON list), same calls per minute."""
    from django.conf import settings

    from xinfang.integrations.auth import api_token_create
    from xinfang.integrations.models import ApiToken
    from xinfang.integrations.ratelimit import token_count_call
    from xinfang.orgs.models import User
    from xinfang.portal.limits import Limit, RateGate

    calls = max(options.samples, 500)  # a busy client: 500 calls in one minute
    user = User.objects.order_by("pk").first()
    token, _raw = api_token_create(user=user, name="bench ratelimit", scopes=["read"])
    saved = settings.API_TOKEN_PER_MINUTE
    settings.API_TOKEN_PER_MINUTE = calls + 10
    out = {}
    try:
        counter = timer_cls()
        now = (int(time.time()) // 60) * 60 + 1.0  # all in one window, as a busy minute
        for _ in range(calls):
            counter(token_count_call, token, now=now)
        limit = Limit(f"bench-{token.pk}", "API_TOKEN_PER_MINUTE", 60)

        def sliding() -> None:
            with transaction.atomic():
                RateGate([(limit, str(token.pk))]).hit()

        window = timer_cls()
        for _ in range(calls):
            window(sliding)
    finally:
        settings.API_TOKEN_PER_MINUTE = saved
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    for name, timer, what in (
        ("ratelimit_counter", counter, "per-token counter: one INSERT … ON CONFLICT DO UPDATE (new)"),
        ("ratelimit_sliding_window", window, "sliding window: lock row + rewrite JSON list (before)"),
    ):
        out[name] = {
            "kind": "call",
            "what": f"{what}, {calls} calls in one minute",
            **summarise(timer.wall, timer.cpu),
            "target": "",
            "ok": None,
        }
        say(f"  {name:<22} p50 {out[name]['p50_ms']:>7.2f} ms  p95 {out[name]['p95_ms']:>7.2f} ms")
    return out
