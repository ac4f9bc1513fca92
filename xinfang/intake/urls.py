from django.urls import path

from xinfang.intake import views

app_name = "intake"
urlpatterns = [
    path("register/", views.case_register_view, name="register"),
    path("register/earlier/", views.earlier_cases_view, name="earlier"),
]
