from django.urls import path

from xinfang.sso import views

app_name = "sso"
urlpatterns = [
    path("login/", views.SsoLoginView.as_view(), name="login"),
    path("callback/", views.SsoCallbackView.as_view(), name="callback"),
    path("mapping/", views.mapping_overview, name="mapping"),  # for the administrator, even while SSO is off
]
