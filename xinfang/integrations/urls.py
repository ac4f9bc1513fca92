from django.urls import path

from xinfang.integrations import views

app_name = "integration_accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/active/<int:active>/", views.account_set_active, name="set-active"),
    path("<int:pk>/tokens/", views.token_issue, name="token-issue"),
    path("<int:pk>/tokens/<int:token_id>/rotate/", views.token_rotate, name="token-rotate"),
    path("<int:pk>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
