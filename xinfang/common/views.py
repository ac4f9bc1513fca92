"""Health check and the home redirect."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """200 with JSON when the database answers; 503 otherwise (for load balancers and monitoring)."""
    body = {"status": "ok", "version": settings.VERSION, "database": "ok", "pending_jobs": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        from django_tasks_db.models import DBTaskResult

        body["pending_jobs"] = DBTaskResult.objects.filter(status="READY").count()
    except Exception as exc:  # noqa: BLE001 - any database failure means "unhealthy"
        body.update(status="error", database=f"error: {exc.__class__.__name__}")
        return JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def home(request):
    return redirect("cases:workbench")
