"""Wagtail's users app, with the staff's user screens (petition_site.users)."""

from wagtail.users.apps import WagtailUsersAppConfig


class StaffUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "petition_site.users.StaffUserViewSet"
