"""What the public website and the JSON API call: public filing with its abuse control, the
status view, online review requests and feedback (X.1, X.5)."""
