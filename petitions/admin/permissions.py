"""Who may do what with a case in the admin: never delete, change only what one handles."""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from petitions.cases import access
from petitions.cases.models import Case
from rules.states import State


class CasePermissionPolicy(ModelPermissionPolicy):
    """Cases are never deleted (第二十四条); an archived case can no longer change (A20.2); a
    user sees only the cases in their scope and changes only those they handle (A2.1, A6.2)."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" or not super().user_has_permission(user, action):
            return False
        if action == "change":
            return instance.state not in {State.ARCHIVED, State.VOIDED, State.CLOSED} and (
                access.handles(user, instance)
            )
        return access.can_view(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return access.visible_cases(
            user, super().instances_user_has_any_permission_for(user, actions)
        )


case_permission_policy = CasePermissionPolicy(Case)
