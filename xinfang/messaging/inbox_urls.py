from django.urls import path

from xinfang.messaging import inbox_views

app_name = "inbox"
urlpatterns = [
    path("", inbox_views.inbox, name="list"),
    path("<int:pk>/read/", inbox_views.notification_read, name="read"),
    path("read-all/", inbox_views.notification_read_all, name="read-all"),
]
