from django.urls import path

from xinfang.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.supervision_list_view, name="list"),
    path("<int:pk>/", views.supervision_detail, name="detail"),
    path("<int:pk>/do/<slug:code>/", views.supervision_step, name="step"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.reply_attachment, name="attachment"),
    path("cases/<str:number>/urge/", views.urge, name="urge"),
    path("cases/<str:number>/open/", views.supervision_open_view, name="open"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/draw/", views.draw_create, name="draw-create"),
    path("callbacks/draws/<int:pk>/", views.draw_detail, name="draw"),
    path("callbacks/results/", views.callback_results_view, name="results"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback"),
    path("callbacks/<int:pk>/call/", views.callback_call, name="callback-call"),
    path("callbacks/<int:pk>/assign/", views.callback_assign_view, name="callback-assign"),
]
