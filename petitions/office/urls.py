"""The working systems' admin addresses, mounted under /admin/office/ (namespace "office") by
petitions/wagtail_hooks.py."""

from django.urls import path

from petitions.office import (
    accountability_views,
    case_views,
    duty_views,
    reception_views,
)

app_name = "office"

urlpatterns = [
    # 值班值守
    path("duty/", duty_views.DutyOverviewView.as_view(), name="duty"),
    path("duty/roster/", duty_views.RosterWeekView.as_view(), name="roster"),
    path("duty/extra-shift/", duty_views.ExtraShiftView.as_view(), name="extra_shift"),
    path("duty/shifts/<int:pk>/", duty_views.ShiftView.as_view(), name="duty_shift"),
    path("duty/officers/", duty_views.DutyOfficersView.as_view(), name="duty_officers"),
    # 领导接访
    path("receptions/", reception_views.ReceptionListView.as_view(), name="receptions"),
    path("receptions/add/", reception_views.ReceptionCreateView.as_view(), name="reception_add"),
    path("receptions/<int:pk>/", reception_views.ReceptionView.as_view(), name="reception"),
    path(
        "cases/<int:case_pk>/group-visit/",
        reception_views.GroupVisitView.as_view(),
        name="group_visit_add",
    ),
    path("district/", reception_views.DistrictListView.as_view(), name="district_list"),
    path("district/add/", reception_views.DistrictCreateView.as_view(), name="district_add"),
    path("district/<int:pk>/", reception_views.DistrictView.as_view(), name="district"),
    path(
        "district/<int:pk>/document/",
        reception_views.DistrictDocumentView.as_view(),
        name="district_document",
    ),
    # 有奖举报
    path("rewards/", case_views.RewardListView.as_view(), name="rewards"),
    path("cases/<int:case_pk>/reward/", case_views.RewardApplyView.as_view(), name="reward_apply"),
    path("rewards/<int:pk>/", case_views.RewardView.as_view(), name="reward"),
    # 行政调解
    path("mediations/", case_views.MediationListView.as_view(), name="mediations"),
    path(
        "cases/<int:case_pk>/mediation/",
        case_views.MediationCreateView.as_view(),
        name="mediation_add",
    ),
    path("mediations/<int:pk>/", case_views.MediationView.as_view(), name="mediation"),
    # 追责问责
    path(
        "accountability/",
        accountability_views.AccountabilityView.as_view(),
        name="accountability",
    ),
    path(
        "accountability/referrals/add/",
        accountability_views.ReferralCreateView.as_view(),
        name="referral_add",
    ),
    path(
        "accountability/referrals/<int:pk>/",
        accountability_views.ReferralView.as_view(),
        name="referral",
    ),
    path(
        "accountability/self-examinations/add/",
        accountability_views.SelfExaminationCreateView.as_view(),
        name="self_examination_add",
    ),
]
