"""What makes the platform fit for a 等保 2.0 level-3 assessment (docs/security.md).

- ``admin_scope``: Wagtail's own reports and CMS screens keep to each role's case scope;
- ``login``: lockout after failed logins (django-axes), its audit log and the unlock screen,
  the warning of the last login at sign-in;
- ``passwords``: the password rules;
- ``idle``: the idle timeout of staff sessions;
- ``csp``: the Content-Security-Policy and its violation reports.
"""
