from django.urls import path

from petition_site.public import request_views, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("file/", views.file_petition, name="file"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
    path("status/", views.status, name="status"),
    path("review/", request_views.review_request, name="review"),
    path("feedback/", request_views.feedback, name="feedback"),
    path("referral-suggestions/", views.referral_suggestions, name="referral_suggestions"),
]
