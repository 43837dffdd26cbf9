"""The public website's pages (X.1): the bureau edits the words, code renders the rules.

Whatever the system enforces (the kinds the public may file, the time limits, the referral
guide) is rendered from the same data the system uses, never typed into a page, so a page can
never disagree with what happens to a petition.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from petitions.intake.filing import PUBLIC_KINDS
from petitions.intake.status import public_rules
from snippets.models import ReferralGuideEntry
from snippets.referral import guide_entries, matching_entries

#: The longest search the referral guide page accepts; longer text is cut.
SEARCH_MAX_LENGTH = 100


class ElsewhereBlock(blocks.StructBlock):
    """不予受理的事项及去处: a matter the bureau does not take and where to go instead."""

    matter = blocks.CharBlock(label=_("事项"))
    where = blocks.TextBlock(label=_("反映途径"))

    class Meta:
        icon = "redirect"
        label = _("不予受理的事项")


class IntroStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title", icon="title")
    paragraph = blocks.RichTextBlock(label=_("段落"))
    notice = blocks.RichTextBlock(label=_("提示框"), icon="warning")


class GuidanceStreamBlock(IntroStreamBlock):
    steps = blocks.ListBlock(blocks.TextBlock(label=_("步骤")), label=_("办理步骤"), icon="list-ol")
    elsewhere = blocks.ListBlock(ElsewhereBlock(), label=_("不予受理的事项及去处"), icon="redirect")


class HomePage(Page):
    """首页: the bureau's introduction; the filing button, lookup and accepted kinds come from code."""

    intro = StreamField(
        IntroStreamBlock(),
        blank=True,
        verbose_name=_("介绍"),
        help_text=_("“我要信访”按钮、进度查询和受理的事项类型由系统显示，无需在此填写。"),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["public.GuidancePage", "public.ReferralGuidePage"]
    max_count = 1
    template = "public/pages/home_page.html"

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["kinds"] = [label for _value, label in PUBLIC_KINDS]
        return context


class GuidancePage(Page):
    """办事指南: scope (第十四条), steps and where else to go; the time limits come from the rules."""

    body = StreamField(GuidanceStreamBlock(), blank=True, verbose_name=_("正文"))

    content_panels = [*Page.content_panels, FieldPanel("body")]

    parent_page_types = ["public.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "public/pages/guidance_page.html"

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")

    def get_context(self, request, *args, **kwargs):
        # The same function the rest of the public site uses: the table is what is enforced.
        context = super().get_context(request, *args, **kwargs)
        context["rules"] = public_rules()
        return context


def search_referral_guide(query: str) -> list[ReferralGuideEntry]:
    """Entries for a search of the referral guide (转办指引, A14.4), in the guide's order.

    An entry matches when every word searched for occurs in its matter, keywords, agency or
    route, or when one of its keywords occurs in what was typed (someone describing a problem
    in a sentence finds the entry the filing form would suggest).
    """
    entries = guide_entries(public=True)
    text = query.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return list(entries)
    condition = Q()
    for word in text.split():
        condition &= (
            Q(matter__icontains=word)
            | Q(keywords__icontains=word)
            | Q(agency__icontains=word)
            | Q(how_to_complain__icontains=word)
        )
    found = {entry.pk for entry in entries.filter(condition)}
    found.update(entry.pk for entry in matching_entries(text, limit=entries.count(), public=True))
    return [entry for entry in entries if entry.pk in found]


class ReferralGuidePage(Page):
    """转办指引: the referral guide snippet, searchable; the bureau edits the entries as snippets."""

    intro = RichTextField(
        blank=True,
        verbose_name=_("说明"),
        help_text=_("条目在“配置 › 环境污染投诉受理指南”中编辑，此处只写页首说明。"),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["public.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "public/pages/referral_guide_page.html"

    class Meta:
        verbose_name = _("转办指引")
        verbose_name_plural = _("转办指引")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "")[:SEARCH_MAX_LENGTH].strip()
        context["query"] = query
        context["entries"] = search_referral_guide(query)
        return context


#: The shared cache's key of the navigation's URLs ({host: {name: url}}): every web worker reads
#: the same copy, and a publish, unpublish, move or delete in any process clears it for all.
PAGE_URLS_CACHE_KEY = "public:page-urls"
#: A safety net only: a change made without Wagtail's signals (raw SQL) shows within this time.
PAGE_URLS_CACHE_SECONDS = 3600


def public_page_urls(request=None) -> dict[str, str]:
    """{"home": url, "guidance": url, "referral_guide": url} of the live pages that exist.

    The site's links and the old /xinfang/ addresses follow the pages wherever the bureau
    moves them. Read from the shared cache, not the page tree, on every page of the site: the
    cache is cleared when a page is published, unpublished, moved or deleted, or a site changes
    (`forget_public_page_urls`). Kept per host name, since a page's URL is relative only on its
    own site. A view that reads the shared cache anyway may read this key in the same
    `get_many` and leave what it got as `request.shared_cache_entries` (the filing form does).
    """
    host = request.get_host() if request is not None else ""
    # A view that read the shared cache already for this request asked for this key with it.
    read = getattr(request, "shared_cache_entries", None)
    known = (
        read.get(PAGE_URLS_CACHE_KEY) if read is not None else cache.get(PAGE_URLS_CACHE_KEY)
    ) or {}
    urls = known.get(host)
    if urls is None:
        urls = _look_up_page_urls(request)
        cache.set(PAGE_URLS_CACHE_KEY, {**known, host: urls}, PAGE_URLS_CACHE_SECONDS)
    return dict(urls)


def _look_up_page_urls(request=None) -> dict[str, str]:
    names = {HomePage: "home", GuidancePage: "guidance", ReferralGuidePage: "referral_guide"}
    urls: dict[str, str] = {}
    for page in Page.objects.live().type(*names).specific().order_by("path"):
        name = names.get(type(page))
        if name and name not in urls and (url := page.get_url(request)):
            urls[name] = url
    return urls


def forget_public_page_urls(**kwargs) -> None:
    """The page tree or a site changed: look the navigation up again, now and, since a rolled
    back change must not stay cached either, once the change is committed."""
    cache.delete(PAGE_URLS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(PAGE_URLS_CACHE_KEY))


def forget_public_page_urls_if_page(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        forget_public_page_urls()
