"""makemessages that also extracts ``_g("...")`` (X.4).

The code imports ``gettext as _g`` beside ``gettext_lazy as _``; xgettext knows only the standard
names, so without this those strings would silently stay out of the English catalogue. This app
comes first in INSTALLED_APPS, so this command replaces Django's.
"""

from django.core.management.commands import makemessages

#: The gettext aliases used in our code, besides the names xgettext and Django already know.
EXTRA_KEYWORDS = ("_g",)
#: The override catalogue of Wagtail's and Django's own strings (second in LOCALE_PATHS) is
#: edited by hand: were it seen, makemessages would write the strings of site/ into it instead
#: of into the project's catalogue.
IGNORED = ("site/locale",)


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        *(f"--keyword={keyword}" for keyword in EXTRA_KEYWORDS),
    ]

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # File names without line numbers: the catalogue does not churn when code moves.
        parser.set_defaults(add_location="file")

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        return super().handle(*args, **options)
