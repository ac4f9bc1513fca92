from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from xinfang.common import views as common_views
from xinfang.integrations.api import api, unknown_path
from xinfang.messaging.webhooks import sms_inbound
from xinfang.orgs import views as org_views
from xinfang.sso import views as sso_views

admin.site.site_header = _("信访信息系统 · 系统管理")
admin.site.site_title = _("信访信息系统")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("audit/", common_views.audit_log, name="audit"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.LogoutView.as_view(), name="logout"),  # also ends an OA session
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/unit/", org_views.unit_switch, name="unit-switch"),
    path("cases/", include("xinfang.cases.urls")),
    path("cases/", include("xinfang.documents.urls")),
    path("intake/", include("xinfang.intake.urls")),
    path("portal/", include("xinfang.portal.urls")),  # the public portal: no login
    path("mailbox/", include("xinfang.messaging.urls")),
    path("disputes/", include("xinfang.disputes.urls")),  # 排查调处台账
    path("reports/", include("xinfang.reporting.urls")),
    path("assessment/", include("xinfang.assessment.urls")),  # 目标管理考核 (issue 6 §4)
    path("inbox/", include("xinfang.messaging.inbox_urls")),  # 消息: the user's own notices
    path("supervision/", include("xinfang.supervision.urls")),  # 催办、督办、抽查回访
    path("exchange/", include("xinfang.exchange.urls")),  # 跨系统交换 (issue 7 §6)
    path("integrations/webhooks/", include("xinfang.webhooks.urls")),  # Webhook 推送 (issue 7 §3)
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_path),  # JSON 404, not the HTML page
    path("integrations/accounts/", include("xinfang.integrations.urls")),  # 接入系统 (issue 7 §2)
    path("open311/v2/", include("xinfang.integrations.open311_urls")),  # GeoReport v2 (issue 7 §4)
    path("sms/inbound/", sms_inbound, name="sms-inbound"),  # the SMS gateway's signed webhook
    path("sso/", include("xinfang.sso.urls")),  # 办公系统单点登录 (issue 7 §5); 404 when not configured
    path("admin/", admin.site.urls),
]
