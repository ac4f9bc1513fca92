"""The Atom feed of 公开回复 (django.contrib.syndication): for the county portal and feed readers."""

from django.contrib.syndication.views import Feed
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from xinfang.messaging.models import Publication
from xinfang.portal.selectors import portal_identity, publications_public

FEED_ITEMS = 30


class RepliesFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("%(county)s县长信箱 · 公开回复") % {"county": portal_identity()["county"]}

    def subtitle(self):
        return _("经信访人同意并审核、已去除个人信息的答复。")

    def link(self):
        return reverse("portal:replies")

    def items(self):
        return publications_public(Publication.Kind.REPLY)[:FEED_ITEMS]

    def item_title(self, item: Publication) -> str:
        return item.title

    def item_description(self, item: Publication) -> str:
        # Atom's summary is type="html": the text is escaped here, so a reader never runs it as markup.
        text = _("问：%(q)s\n答：%(a)s") % {"q": item.question, "a": item.answer}
        return linebreaksbr(text, autoescape=True)

    def item_link(self, item: Publication) -> str:
        return reverse("portal:reply-detail", args=[item.pk])

    def item_pubdate(self, item: Publication):
        return item.published_at

    def item_updateddate(self, item: Publication):
        return item.published_at

    def item_author_name(self, item: Publication) -> str:
        return item.answered_by_unit
