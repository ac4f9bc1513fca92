from django.urls import path

from xinfang.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("accounts/<int:account_id>/new/", views.subscription_new, name="subscription-new"),
    path("<int:pk>/edit/", views.subscription_edit, name="subscription-edit"),
    path("<int:pk>/active/", views.subscription_toggle, name="subscription-toggle"),
    path("<int:pk>/secret/", views.subscription_rotate, name="subscription-rotate"),
    path("<int:pk>/test/", views.subscription_test, name="subscription-test"),
    path("deliveries/", views.delivery_log, name="deliveries"),
    path("deliveries/<uuid:uuid>/", views.delivery_detail, name="delivery"),
    path("deliveries/<uuid:uuid>/redeliver/", views.delivery_redeliver_view, name="delivery-redeliver"),
]
