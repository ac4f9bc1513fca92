from django.urls import path

from xinfang.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:pk>/", views.publication_detail, name="publication"),
    path("publications/<int:pk>/approve/", views.publication_approve_view, name="publication-approve"),
    path("publications/<int:pk>/withdraw/", views.publication_withdraw_view, name="publication-withdraw"),
    path("<str:number>/", views.message_detail, name="detail"),
    path("<str:number>/do/<slug:code>/", views.message_action, name="action"),
    path("<str:number>/reply/", views.reply_draft, name="reply-draft"),
    path("<str:number>/faq/", views.faq_draft, name="faq-draft"),
    path("<str:number>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
